package registration

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// TestRegisterAndManage walks RFC 7591 registration and RFC 7592 read,
// update and delete with the registration access token.
func TestRegisterAndManage(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token("acme")
	md := webClient()
	md["policy_uri"], md["logo_uri"] = "https://acme.example/privacy", "https://acme.example/logo.png"
	md["scope"] = "openid profile pid"
	out := e.register(tok, md)
	id, _ := out["client_id"].(string)
	secret, _ := out["client_secret"].(string)
	rat, _ := out["registration_access_token"].(string)
	if id == "" || len(secret) < 32 || !strings.HasPrefix(rat, "oidcp_rat_") {
		t.Fatalf("credentials missing: %v", out)
	}
	if out["registration_client_uri"] != e.srv.URL+"/sandbox/register/"+id || out["vendor"] != "acme" ||
		out["token_endpoint_auth_method"] != "client_secret_basic" || out["scope"] != "openid profile pid" ||
		out["policy_uri"] != "https://acme.example/privacy" || out["client_secret_expires_at"] != float64(0) {
		t.Fatalf("registration response: %v", out)
	}
	c, err := e.store.GetClient(t.Context(), "sandbox", id)
	if err != nil || c.Vendor != "acme" || len(c.SecretHash) == 0 || strings.Contains(c.RegistrationTokenHash, rat) {
		t.Fatalf("stored client: %+v, %v", c, err)
	}

	path := "/sandbox/register/" + id
	code, got, _ := e.do("GET", path, rat, nil)
	if code != 200 || got["client_id"] != id || got["client_secret"] != nil || got["registration_access_token"] != nil {
		t.Fatalf("read: %d %v", code, got)
	}
	if code, _, h := e.do("GET", path, tok, nil); code != 401 || !strings.Contains(h.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("read with the initial access token: %d, want 401 invalid_token", code)
	}

	md["client_id"] = id
	md["client_name"] = "Acme Journal 2"
	md["redirect_uris"] = []string{"https://acme.example/cb2"}
	code, got, _ = e.do("PUT", path, rat, md)
	if code != 200 || got["client_name"] != "Acme Journal 2" || got["client_secret"] != nil {
		t.Fatalf("update: %d %v", code, got)
	}
	c2, _ := e.store.GetClient(t.Context(), "sandbox", id)
	if string(c2.SecretHash) != string(c.SecretHash) || c2.RedirectURIs[0] != "https://acme.example/cb2" || !c2.CreatedAt.Equal(c.CreatedAt) {
		t.Fatalf("updated client lost its secret or creation time: %+v", c2)
	}
	// A vendor cannot move the client onto another host (another tool's
	// pairwise sector) or change its category; the client stays as it was.
	moved := maps.Clone(md)
	moved["redirect_uris"] = []string{"https://victim.example/cb"}
	if code, got, _ := e.do("PUT", path, rat, moved); code != 400 || got["error"] != "invalid_redirect_uri" ||
		!strings.Contains(got["error_description"].(string), "acme.example") {
		t.Fatalf("update onto another host: %d %v, want 400 invalid_redirect_uri", code, got)
	}
	recat := maps.Clone(md)
	recat["category"] = "pseudonymous"
	if code, got, _ := e.do("PUT", path, rat, recat); code != 400 || !strings.HasPrefix(got["error_description"].(string), "category:") {
		t.Fatalf("update of the category: %d %v, want 400 naming category", code, got)
	}
	if c3, _ := e.store.GetClient(t.Context(), "sandbox", id); c3.RedirectURIs[0] != "https://acme.example/cb2" || c3.Category != c2.Category {
		t.Fatalf("a refused update changed the client: %+v", c3)
	}
	md["client_id"] = "someone-else"
	if code, got, _ := e.do("PUT", path, rat, md); code != 400 || !strings.HasPrefix(got["error_description"].(string), "client_id:") {
		t.Fatalf("update with another client_id: %d %v", code, got)
	}

	if code, _, _ := e.do("DELETE", path, rat, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code, _, _ := e.do("GET", path, rat, nil); code != 401 {
		t.Fatalf("read after delete: %d, want 401", code)
	}
}

// TestInitialAccessTokenRequired: no, a wrong, an expired, a revoked or
// a replaced initial access token is 401.
func TestInitialAccessTokenRequired(t *testing.T) {
	e := newEnv(t, nil)
	if code, got, h := e.do("POST", "/sandbox/register", "", webClient()); code != 401 || got["error"] != "invalid_token" || h.Get("WWW-Authenticate") == "" {
		t.Fatalf("without a token: %d %v", code, got)
	}
	if code, _, _ := e.do("POST", "/sandbox/register", "oidcp_iat_guess", webClient()); code != 401 {
		t.Fatalf("wrong token: %d", code)
	}
	old := e.token("acme")
	tok := e.token("acme") // replaces old
	if code, _, _ := e.do("POST", "/sandbox/register", old, webClient()); code != 401 {
		t.Fatalf("replaced token: %d, want 401", code)
	}
	e.register(tok, webClient())
	e.clk.t = e.clk.t.Add(91 * 24 * time.Hour)
	if code, got, _ := e.do("POST", "/sandbox/register", tok, webClient()); code != 401 || !strings.Contains(got["error_description"].(string), "expired") {
		t.Fatalf("expired token: %d %v", code, got)
	}
	tok = e.token("acme")
	if err := RevokeToken(t.Context(), e.store, "sandbox", "acme", e.clk.now()); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := e.do("POST", "/sandbox/register", tok, webClient()); code != 401 {
		t.Fatalf("revoked token: %d, want 401", code)
	}
	if _, _, err := IssueToken(t.Context(), e.store, "sandbox", "Bad Name", 0, e.clk.now()); err == nil {
		t.Fatal("IssueToken accepted an invalid vendor name")
	}
}

// TestRejectedMetadata: each unacceptable field is refused with the RFC
// 7591 §3.2.2 code and a description that names it.
func TestRejectedMetadata(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token("acme")
	jwk := `{"kty":"RSA","n":"` + strings.Repeat("A", 342) + `","e":"AQAB","use":"sig"}`
	for _, tc := range []struct {
		name, code, field string
		edit              func(md map[string]any)
	}{
		{"http redirect", "invalid_redirect_uri", "redirect_uris", func(md map[string]any) { md["redirect_uris"] = []string{"http://acme.example/cb"} }},
		{"fragment", "invalid_redirect_uri", "redirect_uris", func(md map[string]any) { md["redirect_uris"] = []string{"https://acme.example/cb#x"} }},
		{"no redirect", "invalid_redirect_uri", "redirect_uris", func(md map[string]any) { delete(md, "redirect_uris") }},
		{"post logout", "invalid_redirect_uri", "post_logout_redirect_uris", func(md map[string]any) { md["post_logout_redirect_uris"] = []string{"javascript:alert(1)"} }},
		{"redirect not a list", "invalid_client_metadata", "redirect_uris", func(md map[string]any) { md["redirect_uris"] = "https://acme.example/cb" }},
		{"grant type", "invalid_client_metadata", "grant_types", func(md map[string]any) { md["grant_types"] = []string{"implicit"} }},
		{"response type", "invalid_client_metadata", "response_types", func(md map[string]any) { md["response_types"] = []string{"token"} }},
		{"auth method", "invalid_client_metadata", "token_endpoint_auth_method", func(md map[string]any) { md["token_endpoint_auth_method"] = "tls_client_auth" }},
		{"private_key_jwt without keys", "invalid_client_metadata", "jwks", func(md map[string]any) { md["token_endpoint_auth_method"] = "private_key_jwt" }},
		{"jwks and jwks_uri", "invalid_client_metadata", "jwks", func(md map[string]any) {
			md["token_endpoint_auth_method"], md["jwks_uri"], md["jwks"] = "private_key_jwt", "https://acme.example/jwks", map[string]any{"keys": []any{}}
		}},
		{"jwks_uri http", "invalid_client_metadata", "jwks_uri", func(md map[string]any) {
			md["token_endpoint_auth_method"], md["jwks_uri"] = "private_key_jwt", "http://acme.example/jwks"
		}},
		{"scope", "invalid_client_metadata", "scope", func(md map[string]any) { md["scope"] = "openid helsedata" }},
		{"relation", "invalid_client_metadata", "accepted_relations", func(md map[string]any) { md["accepted_relations"] = []string{"neighbour"} }},
		{"category", "invalid_client_metadata", "category", func(md map[string]any) { md["category"] = "K9" }},
		{"initiate_login_uri", "invalid_client_metadata", "initiate_login_uri", func(md map[string]any) { md["initiate_login_uri"] = "http://acme.example/start" }},
		{"backchannel_logout_uri", "invalid_client_metadata", "backchannel_logout_uri", func(md map[string]any) { md["backchannel_logout_uri"] = "https://acme.example/bcl#f" }},
		{"client_name", "invalid_client_metadata", "client_name", func(md map[string]any) { md["client_name"] = strings.Repeat("x", 201) }},
		{"policy_uri", "invalid_client_metadata", "policy_uri", func(md map[string]any) { md["policy_uri"] = "ftp://acme.example/p" }},
		{"logo_uri", "invalid_client_metadata", "logo_uri", func(md map[string]any) { md["logo_uri"] = "acme.example/logo.png" }},
		{"private key in jwks", "invalid_client_metadata", "jwks", func(md map[string]any) {
			md["token_endpoint_auth_method"] = "private_key_jwt"
			md["jwks"] = map[string]any{"keys": []any{map[string]any{"kty": "oct", "k": "c2VjcmV0"}}}
		}},
		{"public with secret method", "invalid_client_metadata", "jwks", func(md map[string]any) {
			md["token_endpoint_auth_method"], md["jwks"] = "none", map[string]any{"keys": []any{}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md := webClient()
			tc.edit(md)
			code, got, _ := e.do("POST", "/sandbox/register", tok, md)
			desc, _ := got["error_description"].(string)
			if code != 400 || got["error"] != tc.code || !strings.Contains(desc, tc.field+":") {
				t.Fatalf("%d %v, want 400 %s naming %s", code, got, tc.code, tc.field)
			}
		})
	}
	// A valid private_key_jwt client with an inline public JWK Set.
	md := webClient()
	md["token_endpoint_auth_method"], md["jwks"] = "private_key_jwt", `{"keys":[`+jwk+`]}`
	if code, got, _ := e.do("POST", "/sandbox/register", tok, md); code != 400 || got["error_description"] == nil {
		// jwks given as a string, not an object: the field is named.
		t.Fatalf("jwks as a string: %d %v", code, got)
	}
}

// TestJWKSURIRefusesPrivateHosts: outside dev mode a jwks_uri or
// backchannel_logout_uri naming a loopback, private or link-local
// address is refused at registration (oidcp would call it: SSRF).
func TestJWKSURIRefusesPrivateHosts(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token("acme")
	for _, uri := range []string{
		"https://127.0.0.1/jwks", "https://localhost/jwks", "https://10.1.2.3/jwks",
		"https://169.254.169.254/latest/meta-data", "https://[::1]/jwks", "https://192.168.0.10/jwks",
	} {
		md := webClient()
		md["token_endpoint_auth_method"], md["jwks_uri"] = "private_key_jwt", uri
		code, got, _ := e.do("POST", "/sandbox/register", tok, md)
		if code != 400 || !strings.Contains(got["error_description"].(string), "jwks_uri:") {
			t.Errorf("jwks_uri %s: %d %v, want 400 naming jwks_uri", uri, code, got)
		}
		md = webClient()
		md["backchannel_logout_uri"] = uri
		code, got, _ = e.do("POST", "/sandbox/register", tok, md)
		if code != 400 || !strings.Contains(got["error_description"].(string), "backchannel_logout_uri:") {
			t.Errorf("backchannel_logout_uri %s: %d %v", uri, code, got)
		}
	}
	// Dev mode lets local test clients register.
	dev := newEnv(t, func(c *Config) { c.AllowPrivateHosts = true })
	md := webClient()
	md["token_endpoint_auth_method"], md["jwks_uri"] = "private_key_jwt", "https://127.0.0.1/jwks"
	dev.register(dev.token("acme"), md)
}

// TestPublicClient: token_endpoint_auth_method none registers a public
// client without a secret, PAR and PKCE required.
func TestPublicClient(t *testing.T) {
	e := newEnv(t, nil)
	md := webClient()
	md["token_endpoint_auth_method"] = "none"
	md["redirect_uris"] = []string{"http://127.0.0.1:7777/cb"}
	out := e.register(e.token("acme"), md)
	if out["client_secret"] != nil || out["token_endpoint_auth_method"] != "none" || out["require_pushed_authorization_requests"] != true {
		t.Fatalf("public client: %v", out)
	}
}

// TestPrivateKeyJWTClient: a private_key_jwt client registers with an
// inline public JWK Set and gets no secret.
func TestPrivateKeyJWTClient(t *testing.T) {
	e := newEnv(t, nil)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Use: "sig", Algorithm: "RS256"}}}
	md := webClient()
	md["token_endpoint_auth_method"], md["jwks"] = "private_key_jwt", set
	out := e.register(e.token("acme"), md)
	if out["client_secret"] != nil || out["client_secret_expires_at"] != nil || out["token_endpoint_auth_method"] != "private_key_jwt" || out["jwks"] == nil {
		t.Fatalf("private_key_jwt client: %v", out)
	}
}

// TestDPoPBoundClient: dpop_bound_access_tokens (RFC 9449 §5.2) is kept
// with the client and read back.
func TestDPoPBoundClient(t *testing.T) {
	e := newEnv(t, nil)
	md := webClient()
	md["dpop_bound_access_tokens"] = true
	out := e.register(e.token("acme"), md)
	if out["dpop_bound_access_tokens"] != true {
		t.Fatalf("registration answer: %v", out)
	}
	status, got, _ := e.do(http.MethodGet, "/sandbox/register/"+out["client_id"].(string), out["registration_access_token"].(string), nil)
	if status != http.StatusOK || got["dpop_bound_access_tokens"] != true {
		t.Fatalf("read back: %d %v", status, got)
	}
	if plain := e.register(e.token("acme"), webClient()); plain["dpop_bound_access_tokens"] != nil {
		t.Fatalf("a client without it: %v", plain)
	}
}

// TestFAPI2Registration: in a tenant with the fapi2 profile a secret
// client is refused naming the rule; a private_key_jwt client registers
// with what the profile makes mandatory.
func TestFAPI2Registration(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Profile = "fapi2" })
	tok := e.token("acme")
	code, out, _ := e.do("POST", "/sandbox/register", tok, webClient())
	if desc, _ := out["error_description"].(string); code != http.StatusBadRequest || out["error"] != "invalid_client_metadata" ||
		!strings.Contains(desc, "token_endpoint_auth_method") || !strings.Contains(desc, "FAPI 2.0") {
		t.Fatalf("a secret client: %d %v", code, out)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	md := webClient()
	md["token_endpoint_auth_method"] = "private_key_jwt"
	md["jwks"] = jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Use: "sig", Algorithm: "ES256"}}}
	got := e.register(tok, md)
	if got["dpop_bound_access_tokens"] != true || got["require_pushed_authorization_requests"] != true || got["id_token_signed_response_alg"] != "PS256" {
		t.Fatalf("a private_key_jwt client: %v", got)
	}
}
