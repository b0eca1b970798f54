package clients

import (
	"errors"
	"strings"
	"testing"
)

// TestBuildSaysWhatToDo: the mistakes vendors make in their first
// minutes are refused with the fix in the message: a misspelt scope
// (with the nearest offered one), a redirect URI without its scheme (with
// the URI written in full), never a raw Go parse error.
func TestBuildSaysWhatToDo(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Registration)
		kind error
		want []string
	}{
		{"misspelt scope", func(r *Registration) { r.Scopes = []string{"openid profil"} }, ErrInvalidMetadata,
			[]string{`"profil" is not offered by tenant "sandbox"`, `did you mean "profile"?`, "openid, profile, pid, offline_access, account"}},
		{"scope in capitals", func(r *Registration) { r.Scopes = []string{"openid PID"} }, ErrInvalidMetadata,
			[]string{`did you mean "pid"?`}},
		{"scope prefix", func(r *Registration) { r.Scopes = []string{"openid offline"} }, ErrInvalidMetadata,
			[]string{`did you mean "offline_access"?`}},
		{"unknown scope", func(r *Registration) { r.Scopes = []string{"openid journal.read"} }, ErrInvalidMetadata,
			[]string{`"journal.read" is not offered by tenant "sandbox"; it offers openid, profile, pid, offline_access, account`}},
		{"tenant's own offer", func(r *Registration) {
			r.Scopes, r.OfferedScopes = []string{"openid journal.raed"}, []string{"openid", "journal.read"}
		}, ErrInvalidMetadata, []string{`did you mean "journal.read"?`}},
		{"loopback without scheme", func(r *Registration) { r.RedirectURIs = []string{"127.0.0.1:9000/callback"} }, ErrInvalidRedirectURI,
			[]string{"has no scheme", "http://127.0.0.1:9000/callback"}},
		{"localhost without scheme", func(r *Registration) { r.RedirectURIs = []string{"localhost:9000/callback"} }, ErrInvalidRedirectURI,
			[]string{"has no scheme", "http://localhost:9000/callback"}},
		{"host without scheme", func(r *Registration) { r.RedirectURIs = []string{"app.example/cb"} }, ErrInvalidRedirectURI,
			[]string{"has no scheme", "https://app.example/cb"}},
		{"jwks_uri without scheme", func(r *Registration) {
			r.Secret, r.AuthMethod, r.JWKSURI = "", AuthPrivateKeyJWT, "keys.example/jwks.json"
		}, ErrInvalidMetadata, []string{"jwks_uri", "has no scheme", "https://keys.example/jwks.json"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := web()
			c.mod(&r)
			_, err := Build("sandbox", r, now)
			if err == nil || !errors.Is(err, c.kind) {
				t.Fatalf("err = %v, want %v", err, c.kind)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "parse ") || strings.Contains(err.Error(), "first path segment") {
				t.Errorf("raw Go parse error in %q", err)
			}
		})
	}

	// Private-use schemes are not mistaken for a missing scheme, and a
	// client_credentials-only client names its API's scopes freely.
	if _, err := Build("sandbox", native(), now); err != nil {
		t.Errorf("native client: %v", err)
	}
	svc := Registration{ID: "svc", Secret: goodSecret, GrantTypes: []string{GrantClientCredentials}, Scopes: []string{"journal.read"}}
	if _, err := Build("sandbox", svc, now); err != nil {
		t.Errorf("service client: %v", err)
	}
}
