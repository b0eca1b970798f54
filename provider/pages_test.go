package provider

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRenderErrorLanguages: an error page is in one language. A common
// error description is translated; any other is kept, marked lang="en"
// and labelled as an English technical description on nb and nn pages;
// the OAuth error code is always shown.
func TestRenderErrorLanguages(t *testing.T) {
	const unknownClient = "The requested OAuth 2.0 Client does not exist."
	const odd = "Some rare fosite hint."
	for _, tc := range []struct {
		lang, detail string
		want         []string
		notWant      []string
	}{
		{"nb", unknownClient, []string{`lang="nb"`, "Noe gikk galt", "<code>invalid_client</code> — Tjenesten (client_id) er ikke registrert hos oss."}, []string{"does not exist"}},
		{"nn", unknownClient, []string{`lang="nn"`, "Noko gjekk gale", "Tenesta (client_id) er ikkje registrert hos oss."}, []string{"does not exist"}},
		{"en", unknownClient, []string{`lang="en"`, "Something went wrong", "The service (client_id) is not registered with us."}, nil},
		{"nb", "The redirect URI 'http://x/#a' contains an illegal character (for example #) or is otherwise invalid.", []string{"(redirect_uri), er ugyldig."}, []string{"illegal"}},
		{"nb", odd, []string{"<code>invalid_client</code> — teknisk beskrivelse på engelsk: <span lang=\"en\">" + odd + "</span>"}, nil},
		{"nn", odd, []string{"teknisk skildring på engelsk: <span lang=\"en\">" + odd}, nil},
		{"en", odd, []string{"<code>invalid_client</code> — <span lang=\"en\">" + odd}, []string{"technical"}},
	} {
		rec := httptest.NewRecorder()
		renderError(rec, httptest.NewRequest("GET", "/sandbox/authorize", nil), 400, tc.lang, "unknown_client", "invalid_client", tc.detail)
		body := rec.Body.String()
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s %q: page lacks %q:\n%s", tc.lang, tc.detail, w, body)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(body, w) {
				t.Errorf("%s %q: page has %q", tc.lang, tc.detail, w)
			}
		}
	}
}
