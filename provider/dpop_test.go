package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	josev4 "github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/dpop"
	"github.com/oidcp/oidcp/exchange"
	"github.com/oidcp/oidcp/keys"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/router"
)

// dpopKey is a client's DPoP key pair.
type dpopKey struct {
	t   *testing.T
	key *ecdsa.PrivateKey
	jkt string
}

func newDPoPKey(t *testing.T) *dpopKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(josev4.JSONWebKey{Key: k.Public()})
	jkt, err := dpop.Thumbprint(b)
	if err != nil {
		t.Fatal(err)
	}
	return &dpopKey{t: t, key: k, jkt: jkt}
}

// proof is a fresh proof for method and URL, with ath when token is set
// and the server nonce when nonce is.
func (k *dpopKey) proof(method, u, token, nonce string) string {
	k.t.Helper()
	s, err := josev4.NewSigner(josev4.SigningKey{Algorithm: josev4.ES256, Key: k.key},
		(&josev4.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
	if err != nil {
		k.t.Fatal(err)
	}
	cl := map[string]any{"jti": rand.Text(), "htm": method, "htu": u, "iat": time.Now().Unix()}
	if token != "" {
		cl["ath"] = dpop.AccessTokenHash(token)
	}
	if nonce != "" {
		cl["nonce"] = nonce
	}
	b, _ := json.Marshal(cl)
	jws, err := s.Sign(b)
	if err != nil {
		k.t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

// dpopResp is an answer with its headers.
type dpopResp struct {
	status int
	body   map[string]any
	header http.Header
}

func (h *harness) send(req *http.Request) dpopResp {
	h.t.Helper()
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	return dpopResp{status: resp.StatusCode, body: body, header: resp.Header}
}

// tokenAt posts a token request to base's tenant main with the tool's
// secret (none for a public client) and proof in the DPoP header, if any.
func (h *harness) tokenAt(base, id string, form url.Values, proof string) dpopResp {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/main/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(id, "tool-secret-0123456789abcdef")
	}
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	return h.send(req)
}

func (h *harness) tokenDPoP(id string, form url.Values, proof string) dpopResp {
	h.t.Helper()
	return h.tokenAt(h.srv.URL, id, form, proof)
}

// userinfoWith calls userinfo with the Authorization scheme and proof.
func (h *harness) userinfoWith(scheme, token, proof string) dpopResp {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/main/userinfo", nil)
	req.Header.Set("Authorization", scheme+" "+token)
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	return h.send(req)
}

// codeFor runs a login of Kari for tool id with the extra parameters.
func (h *harness) codeFor(id string, extra url.Values) string {
	h.t.Helper()
	v := authParams(id, h.pid(population.KeyKari))
	for k, vs := range extra {
		v[k] = vs
	}
	res := h.browser().authorize(v)
	if res.location == nil || res.location.Query().Get("code") == "" {
		h.t.Fatalf("no code: %d %v %.300s", res.status, res.location, res.body)
	}
	return res.location.Query().Get("code")
}

func codeForm(code string) url.Values {
	return url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {toolRedirect},
		"code_verifier": {"verifier-0123456789-0123456789-0123456789-0123456789"},
	}
}

func wantDPoPError(t *testing.T, what string, r dpopResp, status int, code string) {
	t.Helper()
	if r.status != status || r.body["error"] != code {
		t.Fatalf("%s: %d %v, want %d %s", what, r.status, r.body, status, code)
	}
}

// wantChallenge: a 401 with a DPoP challenge of code.
func wantChallenge(t *testing.T, what string, r dpopResp, code string) {
	t.Helper()
	ch := r.header.Get("WWW-Authenticate")
	if r.status != http.StatusUnauthorized || !strings.HasPrefix(ch, `DPoP error="`+code+`"`) || !strings.Contains(ch, `algs="ES256 PS256 RS256 EdDSA"`) {
		t.Fatalf("%s: %d %q %v, want 401 with a DPoP %s challenge", what, r.status, ch, r.body, code)
	}
}

// TestDPoPCodeRefreshUserinfo: a confidential tool's code, refresh and
// userinfo, all DPoP-bound; the bound token is worthless without a proof
// by its key.
func TestDPoPCodeRefreshUserinfo(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testDPoPCodeRefreshUserinfo(t, newHarness(t)) })
	t.Run("postgres", func(t *testing.T) { testDPoPCodeRefreshUserinfo(t, newHarnessOn(t, openPostgres(t), nil)) })
}

func testDPoPCodeRefreshUserinfo(t *testing.T, h *harness) {
	h.client("tool", nil)
	key, other := newDPoPKey(t), newDPoPKey(t)
	tokenURL, userinfoURL := h.srv.URL+"/main/token", h.srv.URL+"/main/userinfo"

	code := h.codeFor("tool", nil)
	// An invalid proof is refused before anything is issued, and the
	// code survives it.
	bad := h.tokenDPoP("tool", codeForm(code), key.proof("POST", userinfoURL, "", ""))
	wantDPoPError(t, "proof for another URL", bad, http.StatusBadRequest, "invalid_dpop_proof")
	tok := h.tokenDPoP("tool", codeForm(code), key.proof("POST", tokenURL, "", ""))
	if tok.status != http.StatusOK || tok.body["token_type"] != "DPoP" {
		t.Fatalf("token with a proof: %d %v", tok.status, tok.body)
	}
	at := tok.body["access_token"].(string)

	if got := h.introspect("tool", at); got["active"] != true || got["token_type"] != "DPoP" ||
		got["cnf"] == nil || got["cnf"].(map[string]any)["jkt"] != key.jkt {
		t.Fatalf("introspection of a bound token: %v", got)
	}
	ui := h.userinfoWith("DPoP", at, key.proof("GET", userinfoURL, at, ""))
	if ui.status != http.StatusOK || ui.body["pid"] != h.pid(population.KeyKari) {
		t.Fatalf("userinfo with a proof: %d %v", ui.status, ui.body)
	}
	wantChallenge(t, "bound token as Bearer", h.userinfoWith("Bearer", at, ""), "invalid_token")
	wantChallenge(t, "bound token as Bearer with a proof", h.userinfoWith("Bearer", at, key.proof("GET", userinfoURL, at, "")), "invalid_token")
	wantChallenge(t, "no proof", h.userinfoWith("DPoP", at, ""), "invalid_token")
	wantChallenge(t, "another key's proof", h.userinfoWith("DPoP", at, other.proof("GET", userinfoURL, at, "")), "invalid_dpop_proof")
	wantChallenge(t, "proof without ath", h.userinfoWith("DPoP", at, key.proof("GET", userinfoURL, "", "")), "invalid_dpop_proof")
	wantChallenge(t, "proof for POST", h.userinfoWith("DPoP", at, key.proof("POST", userinfoURL, at, "")), "invalid_dpop_proof")
	p := key.proof("GET", userinfoURL, at, "")
	if r := h.userinfoWith("DPoP", at, p); r.status != http.StatusOK {
		t.Fatalf("userinfo: %d %v", r.status, r.body)
	}
	wantChallenge(t, "reused jti", h.userinfoWith("DPoP", at, p), "invalid_dpop_proof")

	// Refresh with a proof: a new bound token. A confidential client's
	// refresh token is not bound to the key (RFC 9449 §5), so it may move.
	rt := tok.body["refresh_token"].(string)
	ref := h.tokenDPoP("tool", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, other.proof("POST", tokenURL, "", ""))
	if ref.status != http.StatusOK || ref.body["token_type"] != "DPoP" {
		t.Fatalf("refresh with a proof: %d %v", ref.status, ref.body)
	}
	at2 := ref.body["access_token"].(string)
	if got := h.introspect("tool", at2); got["cnf"].(map[string]any)["jkt"] != other.jkt {
		t.Fatalf("refreshed token bound to %v, want the new key %s", got["cnf"], other.jkt)
	}
	if got := h.introspect("tool", ref.body["refresh_token"].(string)); got["active"] != true || got["cnf"] != nil {
		t.Fatalf("a confidential client's refresh token at introspection: %v", got)
	}
	if r := h.userinfoWith("DPoP", at2, other.proof("GET", userinfoURL, at2, "")); r.status != http.StatusOK {
		t.Fatalf("userinfo with the refreshed token: %d %v", r.status, r.body)
	}
	// Without a proof the refresh yields a bearer token again.
	ref = h.tokenDPoP("tool", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {ref.body["refresh_token"].(string)}}, "")
	if ref.status != http.StatusOK || ref.body["token_type"] != "Bearer" {
		t.Fatalf("refresh without a proof: %d %v", ref.status, ref.body)
	}
	at3 := ref.body["access_token"].(string)
	if r := h.userinfoWith("Bearer", at3, ""); r.status != http.StatusOK {
		t.Fatalf("bearer userinfo: %d %v", r.status, r.body)
	}
	wantChallenge(t, "an unbound token with the DPoP scheme", h.userinfoWith("DPoP", at3, key.proof("GET", userinfoURL, at3, "")), "invalid_token")
	if got := h.introspect("tool", at3); got["token_type"] != "Bearer" || got["cnf"] != nil {
		t.Fatalf("introspection of a bearer token: %v", got)
	}
}

// TestDPoPPublicClientRefreshBound: a public client's refresh token is
// bound to its key: a refresh with another key's proof, or none, is
// refused (RFC 9449 §5); PAR with a proof binds the code (§10.1).
func TestDPoPPublicClientRefreshBound(t *testing.T) {
	h := newHarness(t)
	h.client("spa", func(r *clients.Registration) { r.Public, r.Secret, r.AuthMethod = true, "", "none" })
	key, other := newDPoPKey(t), newDPoPKey(t)
	tokenURL, parURL := h.srv.URL+"/main/token", h.srv.URL+"/main/par"
	push := func(proof string, extra url.Values) dpopResp {
		v := authParams("spa", h.pid(population.KeyKari))
		for k, vs := range extra {
			v[k] = vs
		}
		req, _ := http.NewRequest(http.MethodPost, parURL, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if proof != "" {
			req.Header.Set("DPoP", proof)
		}
		return h.send(req)
	}
	wantDPoPError(t, "PAR with a bad proof", push(key.proof("POST", tokenURL, "", ""), nil), http.StatusBadRequest, "invalid_dpop_proof")
	wantDPoPError(t, "PAR whose proof and dpop_jkt disagree", push(key.proof("POST", parURL, "", ""), url.Values{"dpop_jkt": {other.jkt}}), http.StatusBadRequest, "invalid_dpop_proof")
	pushed := push(key.proof("POST", parURL, "", ""), nil)
	if pushed.status != http.StatusCreated {
		t.Fatalf("PAR: %d %v", pushed.status, pushed.body)
	}
	res := h.browser().authorize(url.Values{"client_id": {"spa"}, "request_uri": {pushed.body["request_uri"].(string)}})
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %v", res.status, res.location)
	}
	form := codeForm(res.location.Query().Get("code"))
	form.Set("client_id", "spa")
	// The code is bound to the key of the PAR proof.
	wantDPoPError(t, "code without a proof", h.tokenDPoP("", form, ""), http.StatusBadRequest, "invalid_grant")
	wantDPoPError(t, "code with another key", h.tokenDPoP("", form, other.proof("POST", tokenURL, "", "")), http.StatusBadRequest, "invalid_grant")
	tok := h.tokenDPoP("", form, key.proof("POST", tokenURL, "", ""))
	if tok.status != http.StatusOK || tok.body["token_type"] != "DPoP" || tok.body["refresh_token"] == nil {
		t.Fatalf("token: %d %v", tok.status, tok.body)
	}
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.body["refresh_token"].(string)}, "client_id": {"spa"}}
	wantDPoPError(t, "refresh without a proof", h.tokenDPoP("", refresh, ""), http.StatusBadRequest, "invalid_grant")
	wantDPoPError(t, "refresh with another key", h.tokenDPoP("", refresh, other.proof("POST", tokenURL, "", "")), http.StatusBadRequest, "invalid_grant")
	ref := h.tokenDPoP("", refresh, key.proof("POST", tokenURL, "", ""))
	if ref.status != http.StatusOK || ref.body["token_type"] != "DPoP" {
		t.Fatalf("refresh with the key: %d %v", ref.status, ref.body)
	}
	// The rotated refresh token is bound too.
	refresh.Set("refresh_token", ref.body["refresh_token"].(string))
	wantDPoPError(t, "rotated refresh with another key", h.tokenDPoP("", refresh, other.proof("POST", tokenURL, "", "")), http.StatusBadRequest, "invalid_grant")
}

// TestDPoPJKTBindsCode: dpop_jkt in the authorization request binds the
// code to that key (RFC 9449 §10).
func TestDPoPJKTBindsCode(t *testing.T) {
	h := newHarness(t)
	h.client("tool", nil)
	key, other := newDPoPKey(t), newDPoPKey(t)
	tokenURL := h.srv.URL + "/main/token"
	res := h.browser().authorize(func() url.Values {
		v := authParams("tool", h.pid(population.KeyKari))
		v.Set("dpop_jkt", "not-a-thumbprint")
		return v
	}())
	if res.location == nil || res.location.Query().Get("error") != "invalid_request" || !strings.Contains(res.location.Query().Get("error_description"), "dpop_jkt") {
		t.Fatalf("malformed dpop_jkt: %d %v", res.status, res.location)
	}
	code := h.codeFor("tool", url.Values{"dpop_jkt": {key.jkt}})
	wantDPoPError(t, "no proof", h.tokenDPoP("tool", codeForm(code), ""), http.StatusBadRequest, "invalid_grant")
	wantDPoPError(t, "another key", h.tokenDPoP("tool", codeForm(code), other.proof("POST", tokenURL, "", "")), http.StatusBadRequest, "invalid_grant")
	if tok := h.tokenDPoP("tool", codeForm(code), key.proof("POST", tokenURL, "", "")); tok.status != http.StatusOK || tok.body["token_type"] != "DPoP" {
		t.Fatalf("the named key: %d %v", tok.status, tok.body)
	}
}

// TestDPoPBoundClient: a client registered with dpop_bound_access_tokens
// gets nothing without a proof (RFC 9449 §5.2); client_credentials
// tokens are bound too, with cnf.jkt in a JWT access token.
func TestDPoPBoundClient(t *testing.T) {
	h := newHarness(t)
	h.client("machine", func(r *clients.Registration) {
		r.DPoPBoundAccessTokens = true
		r.GrantTypes = []string{clients.GrantClientCredentials}
		r.Scopes = []string{"profile"}
		r.RedirectURIs = nil
		r.PostLogoutRedirectURIs = nil
		r.AccessTokenFormat = clients.AccessTokenJWT
	})
	key := newDPoPKey(t)
	form := url.Values{"grant_type": {"client_credentials"}}
	r := h.tokenDPoP("machine", form, "")
	wantDPoPError(t, "no proof", r, http.StatusBadRequest, "invalid_dpop_proof")
	if !strings.Contains(r.body["error_description"].(string), "dpop_bound_access_tokens") {
		t.Fatalf("the refusal does not name the rule: %v", r.body)
	}
	tok := h.tokenDPoP("machine", form, key.proof("POST", h.srv.URL+"/main/token", "", ""))
	if tok.status != http.StatusOK || tok.body["token_type"] != "DPoP" {
		t.Fatalf("with a proof: %d %v", tok.status, tok.body)
	}
	cnf, _ := jwtClaims(t, tok.body["access_token"])["cnf"].(map[string]any)
	if cnf["jkt"] != key.jkt {
		t.Fatalf("JWT access token cnf %v, want jkt %s", cnf, key.jkt)
	}
}

// TestDPoPNonce: a tenant that requires server nonces answers a proof
// without one with use_dpop_nonce and the nonce to use (RFC 9449 §8).
func TestDPoPNonce(t *testing.T) {
	h := newHarnessOn(t, openSQLite(t), nil, func(c *Config) { c.Tenants[0].DPoPNonce = true })
	h.client("tool", nil)
	key := newDPoPKey(t)
	tokenURL := h.srv.URL + "/main/token"
	code := h.codeFor("tool", nil)
	r := h.tokenDPoP("tool", codeForm(code), key.proof("POST", tokenURL, "", ""))
	wantDPoPError(t, "no nonce", r, http.StatusBadRequest, "use_dpop_nonce")
	nonce := r.header.Get("DPoP-Nonce")
	if nonce == "" {
		t.Fatal("use_dpop_nonce without a DPoP-Nonce header")
	}
	wantDPoPError(t, "a wrong nonce", h.tokenDPoP("tool", codeForm(code), key.proof("POST", tokenURL, "", "made-up")), http.StatusBadRequest, "use_dpop_nonce")
	tok := h.tokenDPoP("tool", codeForm(code), key.proof("POST", tokenURL, "", nonce))
	if tok.status != http.StatusOK || tok.body["token_type"] != "DPoP" || tok.header.Get("DPoP-Nonce") == "" {
		t.Fatalf("with the nonce: %d %v %v", tok.status, tok.body, tok.header)
	}
	at := tok.body["access_token"].(string)
	ui := h.userinfoWith("DPoP", at, key.proof("GET", h.srv.URL+"/main/userinfo", at, ""))
	wantChallenge(t, "userinfo without a nonce", ui, "use_dpop_nonce")
	if ui.header.Get("DPoP-Nonce") == "" {
		t.Fatal("userinfo's use_dpop_nonce without a DPoP-Nonce header")
	}
	if r := h.userinfoWith("DPoP", at, key.proof("GET", h.srv.URL+"/main/userinfo", at, ui.header.Get("DPoP-Nonce"))); r.status != http.StatusOK {
		t.Fatalf("userinfo with the nonce: %d %v", r.status, r.body)
	}
}

func TestDPoPDiscovery(t *testing.T) {
	h := newHarness(t)
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/main/.well-known/openid-configuration", nil)
	_, md := h.jsonDo(req)
	algs, _ := md["dpop_signing_alg_values_supported"].([]any)
	if len(algs) == 0 || algs[0] != "ES256" {
		t.Fatalf("dpop_signing_alg_values_supported %v", md["dpop_signing_alg_values_supported"])
	}
}

// TestDPoPJTIAcrossNodes: two provider instances on one PostgreSQL
// database, behind one issuer URL as in a cluster, accept a proof once.
func TestDPoPJTIAcrossNodes(t *testing.T) {
	db := openPostgres(t)
	var cfg Config
	h := newHarnessOn(t, db, nil, func(c *Config) { cfg = *c })
	h.client("machine", func(r *clients.Registration) {
		r.GrantTypes = []string{clients.GrantClientCredentials}
		r.Scopes = []string{"profile"}
		r.RedirectURIs, r.PostLogoutRedirectURIs = nil, nil
	})
	km := keys.New(db, make([]byte, 32), keys.Options{Now: cfg.Now, Algs: []string{keys.RS256}})
	p2, err := New(t.Context(), cfg, db, km)
	if err != nil {
		t.Fatal(err)
	}
	rt := router.New(router.Options{NotFound: p2.NotFound})
	rt.Mount(p2)
	node2 := httptest.NewServer(rt)
	t.Cleanup(node2.Close)

	key := newDPoPKey(t)
	issuerToken := h.srv.URL + "/main/token" // both nodes serve this issuer
	form := url.Values{"grant_type": {"client_credentials"}}
	p := key.proof("POST", issuerToken, "", "")
	if r := h.tokenAt(h.srv.URL, "machine", form, p); r.status != http.StatusOK || r.body["token_type"] != "DPoP" {
		t.Fatalf("node 1: %d %v", r.status, r.body)
	}
	r := h.tokenAt(node2.URL, "machine", form, p)
	wantDPoPError(t, "the same proof at node 2", r, http.StatusBadRequest, "invalid_dpop_proof")
	if !strings.Contains(r.body["error_description"].(string), "jti was used before") {
		t.Fatalf("node 2 refused for another reason: %v", r.body)
	}
	if r := h.tokenAt(node2.URL, "machine", form, key.proof("POST", issuerToken, "", "")); r.status != http.StatusOK {
		t.Fatalf("node 2 with a fresh proof: %d %v", r.status, r.body)
	}
}

// TestVerifyRequestToken: the citizen API's check of a presented token.
// A DPoP-bound token passes only with the DPoP scheme and a proof for
// the API's URL; VerifyAccessToken, which sees no request, refuses it.
func TestVerifyRequestToken(t *testing.T) {
	h := newHarness(t)
	h.client("tool", nil)
	key, other := newDPoPKey(t), newDPoPKey(t)
	tok := h.tokenDPoP("tool", codeForm(h.codeFor("tool", nil)), key.proof("POST", h.srv.URL+"/main/token", "", ""))
	at := tok.body["access_token"].(string)
	api := "https://oidcp.example/main/api/me"
	req := func(scheme, proof string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/main/api/me?x=1", nil)
		r.Header.Set("Authorization", scheme+" "+at)
		if proof != "" {
			r.Header.Set("DPoP", proof)
		}
		return r
	}
	if _, err := h.p.VerifyAccessToken(t.Context(), "main", at); !errors.Is(err, account.ErrInvalidToken) {
		t.Fatalf("VerifyAccessToken of a bound token: %v, want ErrInvalidToken", err)
	}
	got, err := h.p.VerifyRequestToken(req("DPoP", key.proof("GET", api, at, "")), "main", api)
	if err != nil || got.Viewer.Person != h.pid(population.KeyKari) {
		t.Fatalf("with a proof: %+v %v", got, err)
	}
	for name, tc := range map[string]struct {
		r    *http.Request
		code string
	}{
		"as Bearer":            {req("Bearer", ""), "invalid_token"},
		"no proof":             {req("DPoP", ""), "invalid_token"},
		"another key's proof":  {req("DPoP", other.proof("GET", api, at, "")), "invalid_dpop_proof"},
		"a proof for userinfo": {req("DPoP", key.proof("GET", h.srv.URL+"/main/userinfo", at, "")), "invalid_dpop_proof"},
	} {
		_, err := h.p.VerifyRequestToken(tc.r, "main", api)
		var tr *TokenRefusal
		if !errors.Is(err, account.ErrInvalidToken) || !errors.As(err, &tr) || tr.Code != tc.code ||
			!strings.HasPrefix(tr.Challenge(), `DPoP error="`+tc.code+`"`) {
			t.Errorf("%s: %v, want a %s refusal with a DPoP challenge", name, err, tc.code)
		}
	}
	// A bearer token still passes as Bearer, and not as DPoP.
	bearer := h.exchange("tool", h.codeFor("tool", nil))["access_token"].(string)
	r := httptest.NewRequest(http.MethodGet, "/main/api/me", nil)
	r.Header.Set("Authorization", "Bearer "+bearer)
	if _, err := h.p.VerifyRequestToken(r, "main", api); err != nil {
		t.Fatalf("a bearer token: %v", err)
	}
	r.Header.Set("Authorization", "DPoP "+bearer)
	if _, err := h.p.VerifyRequestToken(r, "main", api); !errors.Is(err, account.ErrInvalidToken) {
		t.Fatalf("a bearer token with the DPoP scheme: %v", err)
	}
}

// TestDiscoverySigningAlgs: discovery lists, per field, the algorithms
// the tenant really has: ID tokens those it keeps keys for.
func TestDiscoverySigningAlgs(t *testing.T) {
	h := newHarness(t) // RS256 keys only
	get := func() map[string]any {
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/main/.well-known/openid-configuration", nil)
		_, md := h.jsonDo(req)
		return md
	}
	list := func(v any) string {
		var out []string
		for _, a := range v.([]any) {
			out = append(out, a.(string))
		}
		return strings.Join(out, " ")
	}
	md := get()
	if got := list(md["id_token_signing_alg_values_supported"]); got != "RS256" {
		t.Errorf("ID token algs with RS256 keys only: %s", got)
	}
	for _, f := range []string{"token_endpoint_auth_signing_alg_values_supported", "revocation_endpoint_auth_signing_alg_values_supported", "introspection_endpoint_auth_signing_alg_values_supported"} {
		if got := list(md[f]); got != "RS256 ES256 PS256" {
			t.Errorf("%s: %s", f, got)
		}
	}
	km := keys.New(h.store, make([]byte, 32), keys.Options{Now: time.Now})
	if err := km.EnsureKeys(t.Context(), "main"); err != nil {
		t.Fatal(err)
	}
	h.p.keys = km
	if got := list(get()["id_token_signing_alg_values_supported"]); got != "RS256 ES256 PS256" {
		t.Errorf("ID token algs with every key: %s", got)
	}
}

// TestDPoPTokenExchange: token exchange (RFC 8693) passes the same DPoP
// step as every grant: a proof binds the exchanged token to its key.
func TestDPoPTokenExchange(t *testing.T) {
	h := newExchangeHarness(t)
	key := newDPoPKey(t)
	tok := h.loginFor("measure", h.pid(population.KeyKari), "self")
	form := url.Values{
		"grant_type": {exchange.GrantType}, "subject_token": {tok["access_token"].(string)},
		"subject_token_type": {exchange.TokenTypeAccessToken}, "audience": {apiAudience},
	}
	r := h.tokenDPoP("measure", form, key.proof("POST", h.srv.URL+"/main/token", "", ""))
	if r.status != http.StatusOK || r.body["token_type"] != "DPoP" {
		t.Fatalf("exchange with a proof: %d %v", r.status, r.body)
	}
	got := h.introspect(apiAudience, r.body["access_token"].(string))
	if cnf, _ := got["cnf"].(map[string]any); got["active"] != true || cnf["jkt"] != key.jkt || got["token_type"] != "DPoP" {
		t.Fatalf("the exchanged token at introspection: %v", got)
	}
	wantDPoPError(t, "exchange with a bad proof", h.tokenDPoP("measure", form, key.proof("GET", h.srv.URL+"/main/token", "", "")), http.StatusBadRequest, "invalid_dpop_proof")
}

// TestDPoPBoundSubjectTokenStaysBound: a DPoP-bound access token is
// exchanged only with a proof (by its own key when its own client
// exchanges it) and the exchanged token is bound to the proof's key; an
// exchange never turns a bound token into a bearer token. An API in the
// token's audience exchanging onward proves its own key.
func TestDPoPBoundSubjectTokenStaysBound(t *testing.T) {
	h := newExchangeHarness(t)
	key, other := newDPoPKey(t), newDPoPKey(t)
	v := authParams("measure", h.pid(population.KeyKari))
	v.Set("scope", v.Get("scope")+" "+measurements)
	v.Set("testid_consent", "allow")
	v.Set("testid_acting_for", "self")
	res := h.browser().authorize(v)
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("login: %d %v %.300s", res.status, res.location, res.body)
	}
	tokenURL := h.srv.URL + "/main/token"
	r := h.tokenDPoP("measure", url.Values{"grant_type": {"authorization_code"}, "code": {res.location.Query().Get("code")},
		"redirect_uri": {toolRedirect}, "code_verifier": {"verifier-0123456789-0123456789-0123456789-0123456789"}}, key.proof("POST", tokenURL, "", ""))
	if r.status != http.StatusOK || r.body["token_type"] != "DPoP" {
		t.Fatalf("code with a proof: %d %v", r.status, r.body)
	}
	form := func(subject, audience string) url.Values {
		return url.Values{"grant_type": {exchange.GrantType}, "subject_token": {subject},
			"subject_token_type": {exchange.TokenTypeAccessToken}, "audience": {audience}}
	}
	bound := r.body["access_token"].(string)

	wantDPoPError(t, "no proof", h.tokenDPoP("measure", form(bound, apiAudience), ""), http.StatusBadRequest, "invalid_grant")
	wantDPoPError(t, "another key's proof", h.tokenDPoP("measure", form(bound, apiAudience), other.proof("POST", tokenURL, "", "")), http.StatusBadRequest, "invalid_grant")

	r = h.tokenDPoP("measure", form(bound, apiAudience), key.proof("POST", tokenURL, "", ""))
	if r.status != http.StatusOK || r.body["token_type"] != "DPoP" {
		t.Fatalf("exchange with the token's key: %d %v", r.status, r.body)
	}
	exchanged := r.body["access_token"].(string)
	if cnf, _ := h.introspect(apiAudience, exchanged)["cnf"].(map[string]any); cnf["jkt"] != key.jkt {
		t.Fatalf("the exchanged token's cnf %v, want the subject's key", cnf)
	}

	// The API the token is for exchanges it onward with its own key.
	wantDPoPError(t, "onward, no proof", h.tokenDPoP(apiAudience, form(exchanged, journalAudience), ""), http.StatusBadRequest, "invalid_grant")
	r = h.tokenDPoP(apiAudience, form(exchanged, journalAudience), other.proof("POST", tokenURL, "", ""))
	if r.status != http.StatusOK || r.body["token_type"] != "DPoP" {
		t.Fatalf("onward exchange with the API's own key: %d %v", r.status, r.body)
	}
	if cnf, _ := h.introspect(apiAudience, r.body["access_token"].(string))["cnf"].(map[string]any); cnf["jkt"] != other.jkt {
		t.Fatalf("the onward token's cnf %v, want the API's key", cnf)
	}
}
