package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	josev4 "github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/keys"
	"github.com/oidcp/oidcp/population"
)

// fapiHarness is a harness whose tenant main follows the FAPI 2.0
// profile, with PS256 and ES256 keys, and a private_key_jwt client
// "bank" with an ES256 key.
type fapiHarness struct {
	*harness
	key *ecdsa.PrivateKey
}

func newFAPIHarness(t *testing.T, edits ...func(*Config)) *fapiHarness {
	t.Helper()
	db := openSQLite(t)
	if err := keys.New(db, make([]byte, 32), keys.Options{}).EnsureKeys(t.Context(), "main"); err != nil {
		t.Fatal(err)
	}
	h := newHarnessOn(t, db, nil, append([]func(*Config){func(c *Config) { c.Tenants[0].Profile = "fapi2" }}, edits...)...)
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	set, _ := json.Marshal(josev4.JSONWebKeySet{Keys: []josev4.JSONWebKey{{Key: k.Public(), KeyID: "bank-1", Algorithm: "ES256", Use: "sig"}}})
	h.client("bank", func(r *clients.Registration) {
		r.Profile, r.AuthMethod, r.Secret, r.JWKS = "fapi2", clients.AuthPrivateKeyJWT, "", set
	})
	return &fapiHarness{harness: h, key: k}
}

// assertion is a client assertion of bank; edit changes its claims.
func (f *fapiHarness) assertion(edit func(map[string]any)) string {
	f.t.Helper()
	now := time.Now()
	cl := map[string]any{"iss": "bank", "sub": "bank", "aud": f.srv.URL + "/main", "jti": rand.Text(), "iat": now.Unix(), "exp": now.Add(50 * time.Second).Unix()}
	if edit != nil {
		edit(cl)
	}
	s, err := josev4.NewSigner(josev4.SigningKey{Algorithm: josev4.ES256, Key: f.key}, (&josev4.SignerOptions{}).WithType("JWT").WithHeader("kid", "bank-1"))
	if err != nil {
		f.t.Fatal(err)
	}
	b, _ := json.Marshal(cl)
	jws, err := s.Sign(b)
	if err != nil {
		f.t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

// post sends form to the tenant's path with bank's assertion (unless
// the form has its own authentication) and a DPoP proof, if any.
func (f *fapiHarness) post(path string, form url.Values, proof string) dpopResp {
	f.t.Helper()
	if form.Get("client_assertion") == "" && form.Get("client_secret") == "" {
		form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		form.Set("client_assertion", f.assertion(nil))
	}
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/main"+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	return f.send(req)
}

func (f *fapiHarness) pushed() url.Values {
	v := authParams("bank", f.pid(population.KeyKari))
	return v
}

// TestFAPI2Flow: PAR, code, token, userinfo and refresh in a fapi2
// tenant: private_key_jwt, DPoP-bound tokens, PS256 ID tokens, iss in the
// authorization response.
func TestFAPI2Flow(t *testing.T) {
	f := newFAPIHarness(t)
	key := newDPoPKey(t)
	base := f.srv.URL + "/main"
	par := f.post("/par", f.pushed(), key.proof("POST", base+"/par", "", ""))
	if par.status != http.StatusCreated {
		t.Fatalf("PAR: %d %v", par.status, par.body)
	}
	res := f.browser().authorize(url.Values{"client_id": {"bank"}, "request_uri": {par.body["request_uri"].(string)}})
	if res.location == nil || res.location.Query().Get("code") == "" || res.location.Query().Get("iss") != base {
		t.Fatalf("authorize: %d %v", res.status, res.location)
	}
	tok := f.post("/token", codeForm(res.location.Query().Get("code")), key.proof("POST", base+"/token", "", ""))
	if tok.status != http.StatusOK || tok.body["token_type"] != "DPoP" {
		t.Fatalf("token: %d %v", tok.status, tok.body)
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok.body["id_token"].(string), ".")[0])
	var h struct{ Alg string }
	_ = json.Unmarshal(hdr, &h)
	if h.Alg != "PS256" {
		t.Errorf("ID token alg %s, want PS256", h.Alg)
	}
	at := tok.body["access_token"].(string)
	if r := f.userinfoWith("DPoP", at, key.proof("GET", base+"/userinfo", at, "")); r.status != http.StatusOK {
		t.Fatalf("userinfo: %d %v", r.status, r.body)
	}
	ref := f.post("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.body["refresh_token"].(string)}}, key.proof("POST", base+"/token", "", ""))
	if ref.status != http.StatusOK || ref.body["token_type"] != "DPoP" || ref.body["refresh_token"] == tok.body["refresh_token"] {
		t.Fatalf("refresh: %d %v", ref.status, ref.body)
	}
}

// TestFAPI2Refusals: one refusal per rule of the profile, each naming it.
func TestFAPI2Refusals(t *testing.T) {
	f := newFAPIHarness(t, func(c *Config) { c.AuthCodeLifespan, c.PARLifespan = 5*time.Minute, time.Hour })
	key := newDPoPKey(t)
	base := f.srv.URL + "/main"
	want := func(what string, r dpopResp, status int, code, frag string) {
		t.Helper()
		desc, _ := r.body["error_description"].(string)
		if r.status != status || r.body["error"] != code || !strings.Contains(desc, frag) {
			t.Errorf("%s: %d %v, want %d %s mentioning %q", what, r.status, r.body, status, code, frag)
		}
	}

	res := f.browser().authorize(f.pushed())
	if res.location == nil || res.location.Query().Get("error") != "invalid_request" || !strings.Contains(res.location.Query().Get("error_description"), "FAPI 2.0") {
		t.Errorf("authorize without PAR: %d %v", res.status, res.location)
	}
	noPKCE := f.pushed()
	noPKCE.Del("code_challenge")
	noPKCE.Del("code_challenge_method")
	want("PAR without PKCE", f.post("/par", noPKCE, ""), 400, "invalid_request", "S256")

	withAssertion := func(edit func(map[string]any)) url.Values {
		v := f.pushed()
		v.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		v.Set("client_assertion", f.assertion(edit))
		return v
	}
	want("assertion for the token endpoint", f.post("/par", withAssertion(func(c map[string]any) { c["aud"] = base + "/token" }), ""), 401, "invalid_client", "aud must be the issuer")
	want("assertion living 2 min", f.post("/par", withAssertion(func(c map[string]any) { c["exp"] = time.Now().Add(2 * time.Minute).Unix() }), ""), 401, "invalid_client", "at most 1m0s")
	rs := withAssertion(nil)
	parts := strings.Split(rs.Get("client_assertion"), ".")
	hb, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": "bank-1"})
	rs.Set("client_assertion", base64.RawURLEncoding.EncodeToString(hb)+"."+parts[1]+"."+parts[2])
	want("RS256 assertion", f.post("/par", rs, ""), 401, "invalid_client", "PS256 or ES256")

	// A client registered before the tenant took the profile.
	f.client("legacy", nil)
	secret := f.pushed()
	secret.Set("client_id", "legacy")
	secret.Set("client_secret", "tool-secret-0123456789abcdef")
	want("client secret", f.post("/par", secret, ""), 401, "invalid_client", "private_key_jwt only")

	par := f.post("/par", f.pushed(), "")
	if par.status != http.StatusCreated {
		t.Fatalf("PAR: %d %v", par.status, par.body)
	}
	res = f.browser().authorize(url.Values{"client_id": {"bank"}, "request_uri": {par.body["request_uri"].(string)}})
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %v", res.status, res.location)
	}
	want("token without DPoP", f.post("/token", codeForm(res.location.Query().Get("code")), ""), 400, "invalid_dpop_proof", "FAPI 2.0")
	if r := f.post("/token", codeForm(res.location.Query().Get("code")), key.proof("POST", base+"/token", "", "")); r.status != http.StatusOK {
		t.Errorf("the same code with DPoP: %d %v", r.status, r.body)
	}

	tn := f.p.tenants["main"]
	if tn.fcfg.AuthorizeCodeLifespan != 60*time.Second || tn.fstore.codeTTL != 60*time.Second || tn.fcfg.PushedAuthorizeContextLifespan != 600*time.Second {
		t.Errorf("lifetimes under FAPI 2.0: code %v/%v, request_uri %v", tn.fcfg.AuthorizeCodeLifespan, tn.fstore.codeTTL, tn.fcfg.PushedAuthorizeContextLifespan)
	}
}

func TestFAPI2Discovery(t *testing.T) {
	f := newFAPIHarness(t)
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/main/.well-known/openid-configuration", nil)
	_, md := f.jsonDo(req)
	str := func(k string) string {
		var out []string
		for _, v := range md[k].([]any) {
			out = append(out, v.(string))
		}
		return strings.Join(out, " ")
	}
	for k, v := range map[string]string{
		"token_endpoint_auth_methods_supported":            "private_key_jwt",
		"introspection_endpoint_auth_methods_supported":    "private_key_jwt",
		"token_endpoint_auth_signing_alg_values_supported": "PS256 ES256",
		"id_token_signing_alg_values_supported":            "ES256 PS256",
		"dpop_signing_alg_values_supported":                "ES256 PS256 EdDSA",
	} {
		if got := str(k); got != v {
			t.Errorf("%s: %s, want %s", k, got, v)
		}
	}
	if md["require_pushed_authorization_requests"] != true || md["authorization_response_iss_parameter_supported"] != true {
		t.Errorf("PAR required %v, iss %v", md["require_pushed_authorization_requests"], md["authorization_response_iss_parameter_supported"])
	}
}

// TestFAPI2FirstPartyClient: oidcp's own pages (FirstPartyClients) log
// in at a fapi2 tenant as the public client they are, without DPoP; any
// other public client is refused.
func TestFAPI2FirstPartyClient(t *testing.T) {
	f := newFAPIHarness(t, func(c *Config) { c.Tenants[0].FirstPartyClients = []string{"pages"} })
	for _, id := range []string{"pages", "spa"} {
		f.client(id, func(r *clients.Registration) { r.Public, r.Secret, r.AuthMethod = true, "", "none" })
	}
	push := func(id string) dpopResp {
		v := authParams(id, f.pid(population.KeyKari))
		req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/main/par", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return f.send(req)
	}
	if r := push("spa"); r.status != http.StatusUnauthorized || r.body["error"] != "invalid_client" {
		t.Fatalf("another public client: %d %v", r.status, r.body)
	}
	par := push("pages")
	if par.status != http.StatusCreated {
		t.Fatalf("PAR of the first-party client: %d %v", par.status, par.body)
	}
	res := f.browser().authorize(url.Values{"client_id": {"pages"}, "request_uri": {par.body["request_uri"].(string)}})
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %v", res.status, res.location)
	}
	form := codeForm(res.location.Query().Get("code"))
	form.Set("client_id", "pages")
	if tok := f.tokenDPoP("", form, ""); tok.status != http.StatusOK || tok.body["token_type"] != "Bearer" {
		t.Fatalf("token: %d %v", tok.status, tok.body)
	}
}
