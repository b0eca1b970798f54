package uilang

import (
	"net/http/httptest"
	"testing"
)

func TestPick(t *testing.T) {
	cases := []struct {
		name, accept string
		prefs        []string
		want         string
	}{
		{"default", "", nil, "nb"},
		{"unsupported only", "de-DE,fr;q=0.8", []string{"sv"}, "nb"},
		{"accept-language nynorsk", "nn-NO,nb;q=0.9", nil, "nn"},
		{"accept-language skips unsupported", "de,en-GB;q=0.5", nil, "en"},
		{"no means bokmål", "no", nil, "nb"},
		{"preference beats header", "en", []string{"nn"}, "nn"},
		{"first supported of a ui_locales list", "", []string{"sv-SE en nn"}, "en"},
		{"empty preference falls through", "nn", []string{"", "  "}, "nn"},
		{"case-insensitive", "", []string{"NB-no"}, "nb"},
		{"q=0 is not acceptable", "en;q=0, nn;q=0.5", nil, "nn"},
		{"highest weight wins over order", "en;q=0.1, nb;q=0.9", nil, "nb"},
		{"equal weights keep the order", "nn;q=0.8, en;q=0.8", nil, "nn"},
		{"malformed weight is ignored", "en;q=high, nn;q=0.2", nil, "nn"},
		{"only unacceptable ones", "nn;q=0, en;q=0.000", nil, "nb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if c.accept != "" {
				r.Header.Set("Accept-Language", c.accept)
			}
			if got := Pick(r, c.prefs...); got != c.want {
				t.Errorf("Pick = %q, want %q", got, c.want)
			}
		})
	}
}
