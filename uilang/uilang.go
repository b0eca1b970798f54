// Package uilang picks the language of a citizen-facing page: bokmål
// (nb, the default), nynorsk (nn) or English (en). It owns only that
// choice; the texts belong to the packages that render pages.
package uilang

import (
	"net/http"
	"strings"
)

// Default is the language when nothing else is asked for.
const Default = "nb"

// Language is a supported page language: its code and its name in itself.
type Language struct{ Code, Name string }

// Languages are the supported languages in the order a language switch
// lists them.
var Languages = []Language{{"nb", "Bokmål"}, {"nn", "Nynorsk"}, {"en", "English"}}

// Codes are the supported languages' codes (discovery's ui_locales_supported).
func Codes() []string {
	out := make([]string, len(Languages))
	for i, l := range Languages {
		out[i] = l.Code
	}
	return out
}

// Pick returns the first supported language among the preferences, each a
// space-separated list in order of preference (OIDC ui_locales, a ?lang=
// parameter), then the request's Accept-Language, else Default.
func Pick(r *http.Request, preferences ...string) string {
	for _, pref := range preferences {
		for _, tag := range strings.Fields(pref) {
			if l := Norm(tag); l != "" {
				return l
			}
		}
	}
	if l := fromAcceptLanguage(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	return Default
}

// fromAcceptLanguage returns the supported language the header weights
// highest, the first listed on a tie, or "" when none is acceptable.
// q=0 means "not acceptable" (RFC 9110 §12.5.4), and an entry whose
// weight does not parse is ignored rather than guessed at.
func fromAcceptLanguage(header string) string {
	best, bestQ := "", 0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		l := Norm(strings.TrimSpace(tag))
		if l == "" {
			continue
		}
		q, ok := weight(params)
		if ok && q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// weight parses the parameters after a language range and returns its
// qvalue in thousandths (RFC 9110 §12.4.2: at most three decimals, 0 to
// 1); 1000 when there is no q.
func weight(params string) (int, bool) {
	q := 1000
	for _, p := range strings.Split(params, ";") {
		name, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		v = strings.TrimSpace(v)
		whole, frac, _ := strings.Cut(v, ".")
		if (whole != "0" && whole != "1") || len(frac) > 3 || strings.Trim(frac, "0123456789") != "" {
			return 0, false
		}
		frac += strings.Repeat("0", 3-len(frac))
		n := 0
		for _, d := range frac {
			n = n*10 + int(d-'0')
		}
		if whole == "1" {
			if n != 0 {
				return 0, false
			}
			n = 1000
		}
		q = n
	}
	return q, true
}

// Norm maps a BCP 47 tag to nb, nn or en, or "" when it is none of them.
// "no" (Norwegian, unspecified) means bokmål.
func Norm(tag string) string {
	tag = strings.ToLower(tag)
	switch {
	case tag == "nn" || strings.HasPrefix(tag, "nn-"):
		return "nn"
	case tag == "nb" || tag == "no" || strings.HasPrefix(tag, "nb-") || strings.HasPrefix(tag, "no-"):
		return "nb"
	case tag == "en" || strings.HasPrefix(tag, "en-"):
		return "en"
	}
	return ""
}
