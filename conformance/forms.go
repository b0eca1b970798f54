package conformance

import (
	"html"
	"net/url"
	"regexp"
	"strings"
)

// htmlForm is a form found on an HTML page. The suite parses forms with a
// few regular expressions instead of an HTML parser: the pages it meets are
// OP login, consent, logout and form_post pages, which are simple.
type htmlForm struct {
	ID      string
	Action  string
	Method  string
	Fields  []formField
	Buttons []formField
}

type formField struct {
	Name, Value, Type, Label string
}

var (
	reForm     = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	reInput    = regexp.MustCompile(`(?is)<input\b([^>]*)>`)
	reButton   = regexp.MustCompile(`(?is)<button\b([^>]*)>(.*?)</button>`)
	reTextarea = regexp.MustCompile(`(?is)<textarea\b([^>]*)>(.*?)</textarea>`)
	reAttr     = regexp.MustCompile(`(?is)([a-z_:][-a-z0-9_:.]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?`)
	reTags     = regexp.MustCompile(`(?s)<[^>]*>`)
	reTitle    = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	reScript   = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)>`)
)

func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range reAttr.FindAllStringSubmatch(s, -1) {
		k := strings.ToLower(a[1])
		if _, dup := m[k]; dup {
			continue
		}
		m[k] = html.UnescapeString(a[2] + a[3] + a[4])
	}
	return m
}

// parseForms returns the forms of page, resolving actions against base.
// Buttons outside a form that name it with form="id" are attached to it.
func parseForms(page string, base *url.URL) []htmlForm {
	var forms []htmlForm
	for _, m := range reForm.FindAllStringSubmatch(page, -1) {
		a := attrs(m[1])
		f := htmlForm{ID: a["id"], Method: strings.ToUpper(a["method"]), Action: a["action"]}
		if f.Method == "" {
			f.Method = "GET"
		}
		if u, err := base.Parse(f.Action); err == nil {
			f.Action = u.String()
		}
		var unchecked []formField
		for _, in := range reInput.FindAllStringSubmatch(m[2], -1) {
			ia := attrs(in[1])
			fld := formField{Name: ia["name"], Value: ia["value"], Type: strings.ToLower(ia["type"])}
			if fld.Type == "" {
				fld.Type = "text"
			}
			if fld.Type == "submit" {
				fld.Label = ia["value"]
				f.Buttons = append(f.Buttons, fld)
				continue
			}
			if fld.Type == "radio" && !hasKey(ia, "checked") {
				unchecked = append(unchecked, fld)
				continue
			}
			if fld.Type == "checkbox" && !hasKey(ia, "checked") {
				continue
			}
			f.Fields = append(f.Fields, fld)
		}
		// A radio group with nothing checked: a user picks the first option.
		for _, r := range unchecked {
			if !f.has(r.Name) {
				f.Fields = append(f.Fields, r)
			}
		}
		for _, ta := range reTextarea.FindAllStringSubmatch(m[2], -1) {
			f.Fields = append(f.Fields, formField{Name: attrs(ta[1])["name"], Value: html.UnescapeString(ta[2]), Type: "textarea"})
		}
		for _, b := range reButton.FindAllStringSubmatch(m[2], -1) {
			f.Buttons = append(f.Buttons, button(b))
		}
		forms = append(forms, f)
	}
	// Buttons tied to a form by its id from outside the form element.
	outside := reForm.ReplaceAllString(page, "")
	for _, b := range reButton.FindAllStringSubmatch(outside, -1) {
		id := attrs(b[1])["form"]
		for i := range forms {
			if id != "" && forms[i].ID == id {
				forms[i].Buttons = append(forms[i].Buttons, button(b))
			}
		}
	}
	return forms
}

func button(m []string) formField {
	a := attrs(m[1])
	t := strings.ToLower(a["type"])
	if t == "" {
		t = "submit"
	}
	return formField{Name: a["name"], Value: a["value"], Type: t, Label: pageText(m[2])}
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

// values returns the form's fields as a submission would send them, with
// the chosen submit button's name/value when it has one.
func (f htmlForm) values(btn *formField) url.Values {
	v := url.Values{}
	for _, fl := range f.Fields {
		if fl.Name != "" {
			v.Add(fl.Name, fl.Value)
		}
	}
	if btn != nil && btn.Name != "" {
		v.Add(btn.Name, btn.Value)
	}
	return v
}

func (f htmlForm) has(name string) bool {
	for _, fl := range f.Fields {
		if fl.Name == name {
			return true
		}
	}
	return false
}

func (f htmlForm) hasPassword() bool {
	for _, fl := range f.Fields {
		if fl.Type == "password" {
			return true
		}
	}
	return false
}

var (
	affirmative = regexp.MustCompile(`(?i)\b(yes|allow|accept|approve|authori[sz]e|continue|confirm|consent|sign[ -]?in|log[ -]?in|submit|ok|ja|godta|tillat|fortsett|logg inn|bekreft)\b`)
	negative    = regexp.MustCompile(`(?i)\b(no|deny|cancel|abort|reject|decline|stay|nei|avbryt|avslå)\b`)
)

// chooseButton picks the submit button a consenting user would press:
// the first affirmative one, else the first that is not negative.
func (f htmlForm) chooseButton() *formField {
	var fallback *formField
	for i := range f.Buttons {
		b := &f.Buttons[i]
		if b.Type != "submit" {
			continue
		}
		text := b.Label + " " + b.Value + " " + b.Name
		if negative.MatchString(text) && !affirmative.MatchString(b.Value) {
			continue
		}
		if affirmative.MatchString(text) {
			return b
		}
		if fallback == nil {
			fallback = b
		}
	}
	return fallback
}

// pageText strips tags from an HTML fragment for error messages.
func pageText(s string) string {
	s = reScript.ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(html.UnescapeString(reTags.ReplaceAllString(s, " "))), " ")
}

func pageTitle(s string) string {
	if m := reTitle.FindStringSubmatch(s); m != nil {
		return pageText(m[1])
	}
	return ""
}
