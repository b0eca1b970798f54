package uilang

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzPick: whatever the Accept-Language header and the preference list
// (ui_locales) say, Pick returns nb, nn or en; a supported preference
// wins over the header; a language is picked from the header only if the
// header names it with a weight above zero.
func FuzzPick(f *testing.F) {
	for _, s := range [][2]string{
		{"nb-NO,nb;q=0.9,no;q=0.8,nn;q=0.7,en-US;q=0.6,en;q=0.5", ""},
		{"en;q=0, nn;q=0.5", ""},
		{"de-DE,fr;q=0.8", "sv"},
		{"*", ""},
		{"en;q=1.000;foo=bar", "en nn"},
		{";;,,;q=,q=0.", " \t"},
		{"NN-no;Q=0.001", "xx EN-gb"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, header, pref string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", header)
		got := Pick(r, pref)
		if got != "nb" && got != "nn" && got != "en" {
			t.Fatalf("Pick(%q, %q) = %q: not a supported language", header, pref, got)
		}
		for _, tag := range strings.Fields(pref) {
			if l := Norm(tag); l != "" {
				if got != l {
					t.Fatalf("Pick(%q, %q) = %q, want the preference %q", header, pref, got, l)
				}
				return
			}
		}
		fromHeader := fromAcceptLanguage(header)
		if fromHeader == "" {
			if got != Default {
				t.Fatalf("Pick(%q) = %q with nothing acceptable in the header, want %q", header, got, Default)
			}
			return
		}
		// The pick is named in the header with a weight above zero.
		named := false
		for _, part := range strings.Split(header, ",") {
			tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if q, ok := weight(params); ok && q > 0 && Norm(strings.TrimSpace(tag)) == got {
				named = true
			}
		}
		if !named {
			t.Fatalf("Pick(%q) = %q, which the header does not accept", header, got)
		}
	})
}
