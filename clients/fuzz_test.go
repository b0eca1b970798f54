package clients

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// FuzzCheckRedirectURI: every redirect URI the rules accept is absolute,
// exact (no wildcard or white space), without fragment or user
// information, and uses https, loopback http, or (public clients only) a
// reverse-domain private-use scheme.
func FuzzCheckRedirectURI(f *testing.F) {
	for _, s := range []string{
		"https://app.example/cb", "http://127.0.0.1:8080/cb", "http://[::1]/cb",
		"http://localhost/cb", "com.example.app:/oauth/cb", "https://app.example/cb#frag",
		"https://user@app.example/cb", "javascript:alert(1)", "https://*.example/cb",
		"http://127.0.0.1.evil.example/", "http://0x7f.1/", "https:///path", "//app.example/cb",
		"HTTPS://APP.EXAMPLE/cb", "http://[::ffff:127.0.0.1]/", "myapp:/cb", "https://app.example/cb?x=1%23",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, raw string, public bool) {
		if CheckRedirectURI(raw, public) != "" {
			return
		}
		checkAcceptedRedirect(t, raw, public)
	})
}

// checkAcceptedRedirect fails t unless raw obeys every redirect URI rule.
func checkAcceptedRedirect(t *testing.T, raw string, public bool) {
	t.Helper()
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		t.Fatalf("accepted %q, which does not parse: %v", raw, err)
	case !u.IsAbs():
		t.Fatalf("accepted relative %q", raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		t.Fatalf("accepted %q with a fragment", raw)
	case u.User != nil:
		t.Fatalf("accepted %q with user information", raw)
	case strings.ContainsAny(raw, "* \t\r\n"):
		t.Fatalf("accepted %q with a wildcard or white space", raw)
	case forbiddenSchemes[strings.ToLower(u.Scheme)]:
		t.Fatalf("accepted %q with a forbidden scheme", raw)
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			t.Fatalf("accepted https %q without host", raw)
		}
	case "http":
		if !isLoopback(u) {
			t.Fatalf("accepted plain http %q on a non-loopback host", raw)
		}
	default:
		if !public {
			t.Fatalf("accepted private-use %q for a confidential client", raw)
		}
		if !strings.Contains(u.Scheme, ".") {
			t.Fatalf("accepted private-use %q without a reverse domain name", raw)
		}
	}
}

// FuzzBuild: a registration built from arbitrary metadata (redirect URIs,
// scopes, grant types, relations, a JWK Set) is either refused with field
// errors or yields a client that obeys the rules: valid redirect URIs, a
// public client with PKCE, nonce and PAR forced, a private_key_jwt client
// with public keys only. Secrets are left out: bcrypt would make each run
// take tens of milliseconds, and their length rules are table-tested.
func FuzzBuild(f *testing.F) {
	ec := `{"keys":[{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","kid":"k1","use":"sig"}]}`
	private := `{"keys":[{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","d":"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"}]}`
	f.Add("my-app", "https://app.example/cb", "", "openid profile", "", "", "private_key_jwt", "", []byte(ec), false)
	f.Add("my-app", "https://app.example/cb", "", "openid", "", "", "private_key_jwt", "", []byte(private), false)
	// "Keys" is not "keys": a private key there is not what the provider reads.
	f.Add("my-app", "https://app.example/cb", "", "openid", "", "", "private_key_jwt", "", []byte(strings.Replace(ec, `}]}`, `}],"Keys":`+private[len(`{"keys":`):], 1)), false)
	f.Add("native", "com.example.app:/cb\nhttp://127.0.0.1/cb", "com.example.app:/out", "openid pid", "authorization_code\nrefresh_token", "parent", "", "", []byte(nil), true)
	f.Add("svc", "", "", "api", "client_credentials", "", "private_key_jwt", "https://svc.example/jwks", []byte(nil), false)
	f.Add("x y", "https://a.example/cb#x", "", "open\"id", "implicit", "friend", "none", "http://evil.example/jwks", []byte(`{"keys":[]}`), true)
	f.Add("", "https://a.example/cb", "", "", "", "power_of_attorney\nparent", "private_key_jwt", "", []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`), false)
	f.Fuzz(func(t *testing.T, id, redirects, postLogout, scopes, grants, relations, method, jwksURI string, jwks []byte, public bool) {
		r := Registration{
			ID:                     id,
			RedirectURIs:           lines(redirects),
			PostLogoutRedirectURIs: lines(postLogout),
			Scopes:                 lines(scopes),
			GrantTypes:             lines(grants),
			AcceptedRelations:      lines(relations),
			AuthMethod:             method,
			Public:                 public,
			JWKSURI:                jwksURI,
			JWKS:                   jwks,
		}
		c, err := Build("main", r, now)
		if err != nil {
			if len(Fields(err)) == 0 {
				t.Fatalf("refused without naming a field: %v", err)
			}
			return
		}
		if !idPattern.MatchString(c.ID) {
			t.Fatalf("accepted client id %q", c.ID)
		}
		for _, u := range append(slices.Clone(c.RedirectURIs), c.PostLogoutRedirectURIs...) {
			checkAcceptedRedirect(t, u, c.Public)
		}
		if slices.Contains(c.GrantTypes, GrantAuthorizationCode) && (len(c.RedirectURIs) == 0 || !slices.Contains(c.Scopes, "openid")) {
			t.Fatalf("code client without redirect URI or openid: %+v", c)
		}
		for _, s := range c.Scopes {
			if !scopePattern.MatchString(s) {
				t.Fatalf("accepted scope %q", s)
			}
		}
		if c.Public {
			if c.TokenEndpointAuthMethod != AuthNone || !c.RequirePKCE || !c.RequireNonce || !c.RequirePAR ||
				c.JWKSURI != "" || len(c.JWKS) > 0 || slices.Contains(c.GrantTypes, GrantClientCredentials) {
				t.Fatalf("public client without its protections: %+v", c)
			}
			return
		}
		// Without a secret only private_key_jwt can be accepted.
		if c.TokenEndpointAuthMethod != AuthPrivateKeyJWT || (c.JWKSURI == "") == (len(c.JWKS) == 0) {
			t.Fatalf("confidential client with method %q, jwks_uri %q, %d bytes of jwks", c.TokenEndpointAuthMethod, c.JWKSURI, len(c.JWKS))
		}
		if c.JWKSURI != "" {
			if why := checkWebURI(c.JWKSURI); why != "" {
				t.Fatalf("accepted jwks_uri %q: %s", c.JWKSURI, why)
			}
			return
		}
		// Read back as the provider will: the member named exactly
		// "keys" ("KEYS" is another member), each key by go-jose.
		var top map[string]json.RawMessage
		var set jose.JSONWebKeySet
		err = json.Unmarshal(c.JWKS, &top)
		if err == nil {
			err = json.Unmarshal(top["keys"], &set.Keys)
		}
		if err != nil || len(set.Keys) == 0 {
			t.Fatalf("accepted jwks %s: %v", c.JWKS, err)
		}
		for _, k := range set.Keys {
			if !k.IsPublic() {
				t.Fatalf("accepted private key material in jwks %s", c.JWKS)
			}
		}
	})
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
