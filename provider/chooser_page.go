package provider

import (
	"strconv"
	"strings"
	"time"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/web"
)

// chooserView is the chooser page's view model: the holder, the tool
// and the people they may act for, in the page's language.
// own is set when the client is one of oidcp's own pages.
func chooserView(lang string, t *tenant, c storage.Client, own *OwnClient, holder representation.Person, choices []representation.Choice, flowID, csrf string, now time.Time, errMsg string) web.ChooserPage {
	m := web.ChooserTexts[lang]
	tool := clients.DisplayName(c, lang)
	holderName := strings.TrimSpace(holder.GivenName + " " + holder.FamilyName)
	if holderName == "" {
		holderName = m["self"]
	}
	intro := strings.Replace(strings.Replace(m["intro"], "%s", holderName, 1), "%s", tool, 1)
	if own != nil {
		intro = strings.Replace(inLang(own.ChooserIntro, lang), "%s", holderName, 1)
	}
	v := web.ChooserPage{
		Lang: lang, Title: m["title"], Action: t.issuer + "/choose", Flow: flowID, CSRF: csrf, Error: errMsg, T: m,
		Intro: intro,
	}
	v.Options = append(v.Options, web.ChooserOption{Value: choiceSelf, Label: m["self"] + " (" + holderName + ")", Checked: true})
	for _, ch := range choices {
		label := strings.TrimSpace(ch.Subject.GivenName + " " + ch.Subject.FamilyName)
		if !ch.Subject.BirthDate.IsZero() {
			label += ", " + strconv.Itoa(representation.Age(ch.Subject.BirthDate, now)) + " " + m["years"]
		}
		detail := m[string(ch.Relation.Kind)]
		if !ch.Decision.ValidUntil.IsZero() && ch.Relation.Kind != representation.Parent {
			detail += ", " + m["valid_until"] + " " + web.Date(lang, ch.Decision.ValidUntil.In(representation.Oslo))
		}
		if len(ch.Decision.ServiceAreas) > 0 {
			detail += ", " + m["areas"] + ": " + web.ServiceAreas(lang, ch.Decision.ServiceAreas)
		}
		v.Options = append(v.Options, web.ChooserOption{Value: ch.Subject.PID, Label: label, Detail: detail, Limited: ch.Decision.Limited})
	}
	return v
}
