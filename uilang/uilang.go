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
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if l := Norm(tag); l != "" {
			return l
		}
	}
	return Default
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
