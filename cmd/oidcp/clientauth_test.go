package main

// Client authentication at the token, introspection and revocation
// endpoints (DESIGN: client_secret_basic, client_secret_post,
// private_key_jwt, none). The registered token_endpoint_auth_method binds
// the client to one method (OIDC Registration §2): any other method, even
// with the right secret, is invalid_client (RFC 6749 §5.2). The public
// client's method, none with PAR and PKCE, is proven in testPublicClient.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/storage"
)

func postAuth(id, secret string) clientAuth {
	return func(_ *http.Request, form url.Values) {
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}
}

// assertionAuth authenticates with a ready client assertion (RFC 7523 §2.2).
func assertionAuth(assertion string) clientAuth {
	return func(_ *http.Request, form url.Values) {
		form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		form.Set("client_assertion", assertion)
	}
}

// redeem logs Kari in as c and redeems the code with auth; the answer must
// be tokens whose ID token go-oidc accepts for c.
func (e *e2eEnv) redeem(t *testing.T, c e2eClient, auth func() clientAuth, failFirst ...clientAuth) *tokens {
	t.Helper()
	rp := e.rp(t, c)
	code, a, _, err := rp.loginE(newBrowser(), e.kari)
	if err != nil {
		t.Fatal(err)
	}
	// Failed client authentication must neither redeem nor burn the code.
	for i, bad := range failFirst {
		status, body, _ := e.call(t, c.tenant, "/token", codeForm(c, code, a.verifier), bad)
		wantInvalidClient(t, fmt.Sprintf("bad client authentication #%d", i+1), status, body)
	}
	status, body, _ := e.call(t, c.tenant, "/token", codeForm(c, code, a.verifier), auth())
	if status != http.StatusOK {
		t.Fatalf("token request: %d %v", status, body)
	}
	access, _ := body["access_token"].(string)
	refresh, _ := body["refresh_token"].(string)
	tk, err := rp.verify((&oauth2.Token{AccessToken: access, RefreshToken: refresh}).WithExtra(body))
	if err != nil {
		t.Fatal(err)
	}
	if access == "" || tk.id == nil || tk.claims.Nonce != a.nonce {
		t.Fatalf("token response: access token %t, ID token %t, nonce %q (want %q)", access != "", tk.id != nil, tk.claims.Nonce, a.nonce)
	}
	return tk
}

// assertionKey is a client's signing key and the JWK it registers.
type assertionKey struct {
	priv crypto.Signer
	alg  jose.SignatureAlgorithm
	kid  string
}

func newRSAKey(t *testing.T, kid string) assertionKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return assertionKey{priv: k, alg: jose.RS256, kid: kid}
}

func newECKey(t *testing.T, kid string) assertionKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return assertionKey{priv: k, alg: jose.ES256, kid: kid}
}

// jwks is the public JWK Set of keys as a client registers it. The keys
// carry neither "use" nor "alg": both are optional (RFC 7517 §4.2, §4.4).
func jwks(t *testing.T, keys ...assertionKey) []byte {
	t.Helper()
	var set jose.JSONWebKeySet
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.kid})
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assertionClaims is a client assertion's claim set (RFC 7523 §3).
type assertionClaims struct {
	iss, sub, aud, jti string
	iat, exp           time.Time
}

// claimsFor is a valid assertion for client id at the tenant's token
// endpoint. exp is set by the server's clock, which the suite may have
// moved ahead of real time: the jti must stay remembered as long as the
// assertion is valid.
func (e *e2eEnv) claimsFor(c e2eClient) assertionClaims {
	return assertionClaims{iss: c.id, sub: c.id, aud: e.issuer(c.tenant) + "/token", jti: rand.Text(),
		iat: time.Now(), exp: e.clock.now().Add(time.Minute)}
}

func (k assertionKey) sign(t *testing.T, cl assertionClaims) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if k.kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), k.kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: k.priv}, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(s).Claims(jwt.Claims{
		Issuer: cl.iss, Subject: cl.sub, Audience: jwt.Audience{cl.aud}, ID: cl.jti,
		IssuedAt: jwt.NewNumericDate(cl.iat), Expiry: jwt.NewNumericDate(cl.exp),
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// testClientAuth: every registered authentication method works at /token,
// /introspect and /revoke, and nothing else does.
func (e *e2eEnv) testClientAuth(t *testing.T) {
	t.Run("ClientSecretPost", e.testSecretPost)
	t.Run("MethodBoundToRegistration", e.testMethodBinding)
	t.Run("EitherSecretMethodUnlessPinned", e.testEitherSecretMethod)
	t.Run("PrivateKeyJWT", e.testPrivateKeyJWT)
	t.Run("PrivateKeyJWTViaJWKSURI", e.testPrivateKeyJWTURI)
}

func (e *e2eEnv) testSecretPost(t *testing.T) {
	c := e.register(t, "main", "ca-post", "--auth-method", "client_secret_post")
	post := postAuth(c.id, c.secret)
	tk := e.redeem(t, c, func() clientAuth { return post })

	status, m, _ := e.call(t, "main", "/introspect", url.Values{"token": {tk.access}}, post)
	if status != http.StatusOK || m["active"] != true || m["client_id"] != c.id {
		t.Errorf("introspection with client_secret_post: %d %v", status, m)
	}
	if status, m, _ := e.call(t, "main", "/revoke", url.Values{"token": {tk.refresh}}, post); status != http.StatusOK {
		t.Fatalf("revocation with client_secret_post: %d %v", status, m)
	}
	for _, tok := range []string{tk.access, tk.refresh} {
		if status, m, _ := e.call(t, "main", "/introspect", url.Values{"token": {tok}}, post); status != http.StatusOK || m["active"] != false {
			t.Errorf("introspection after revocation: %d %v", status, m)
		}
	}
	// The wrong secret by post is as bad as by Basic.
	bad := postAuth(c.id, "not-the-secret-"+strings.Repeat("y", 30))
	for _, ep := range []string{"/introspect", "/revoke"} {
		status, body, _ := e.call(t, "main", ep, url.Values{"token": {tk.access}}, bad)
		wantInvalidClient(t, ep+" with the wrong secret by post", status, body)
	}
}

// testMethodBinding: a client registered for one method is refused when
// it authenticates with another, even with the right credentials.
func (e *e2eEnv) testMethodBinding(t *testing.T) {
	basicC := e.register(t, "main", "ca-basic", "--auth-method", "client_secret_basic")
	postC := e.register(t, "main", "ca-post2", "--auth-method", "client_secret_post")
	pkjC, key := e.registerKeyClient(t, "ca-pkj", newRSAKey(t, "ca-pkj-1"))

	tk := e.redeem(t, basicC, func() clientAuth { return basicAuth(basicC.id, basicC.secret) },
		postAuth(basicC.id, basicC.secret))
	e.redeem(t, postC, func() clientAuth { return postAuth(postC.id, postC.secret) },
		basicAuth(postC.id, postC.secret))
	// A private_key_jwt client has no secret to present; a secret-based
	// client cannot switch to an assertion.
	e.redeem(t, pkjC, func() clientAuth { return assertionAuth(key.sign(t, e.claimsFor(pkjC))) },
		basicAuth(pkjC.id, "some-secret-"+strings.Repeat("s", 32)),
		postAuth(pkjC.id, "some-secret-"+strings.Repeat("s", 32)),
		func(_ *http.Request, f url.Values) { f.Set("client_id", pkjC.id) })

	for _, tc := range []struct {
		what string
		auth clientAuth
	}{
		{"basic client by post", postAuth(basicC.id, basicC.secret)},
		{"post client by basic", basicAuth(postC.id, postC.secret)},
		{"private_key_jwt client by basic", basicAuth(pkjC.id, "some-secret-"+strings.Repeat("s", 32))},
		{"basic client with an assertion", assertionAuth(key.sign(t, e.claimsFor(basicC)))},
		{"no authentication", nil},
	} {
		for _, ep := range []string{"/introspect", "/revoke"} {
			status, body, _ := e.call(t, "main", ep, url.Values{"token": {tk.access}}, tc.auth)
			wantInvalidClient(t, tc.what+" at "+ep, status, body)
		}
	}
	// None of those revoked anything.
	if status, m, _ := e.call(t, "main", "/introspect", url.Values{"token": {tk.access}}, basicAuth(basicC.id, basicC.secret)); status != http.StatusOK || m["active"] != true {
		t.Errorf("access token after refused revocations: %d %v", status, m)
	}
	// none: the public client's own flow (PAR + PKCE, no secret) is proven
	// in testPublicClient. Here: it cannot present credentials it did not
	// register, and it cannot introspect (RFC 7662 §2.1: only an
	// authenticated client may).
	pubC := e2eClient{tenant: "main", id: "ca-pub", redirect: "https://ca-pub.example/cb"}
	e.cli.on(t).ok("clients", "create", "--tenant", "main", "--id", pubC.id, "--public",
		"--redirect-uri", pubC.redirect, "--scope", "openid profile")
	for _, tc := range []struct {
		what string
		auth clientAuth
	}{
		{"public client with a secret by post", postAuth(pubC.id, "some-secret-"+strings.Repeat("s", 32))},
		{"public client with a secret by basic", basicAuth(pubC.id, "some-secret-"+strings.Repeat("s", 32))},
		{"public client with an assertion", assertionAuth(key.sign(t, e.claimsFor(pubC)))},
	} {
		status, body, _ := e.call(t, "main", "/token", codeForm(pubC, "some-code", "some-verifier"), tc.auth)
		wantInvalidClient(t, tc.what, status, body)
	}
	status, body, _ := e.call(t, "main", "/introspect", url.Values{"token": {tk.access}, "client_id": {pubC.id}}, nil)
	wantInvalidClient(t, "public client at /introspect", status, body)

	// Basic auth failing gets a challenge (RFC 6749 §5.2).
	_, _, h := e.call(t, "main", "/introspect", url.Values{"token": {tk.access}}, basicAuth(postC.id, postC.secret))
	if !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("invalid_client after Basic without a challenge: %q", h.Get("WWW-Authenticate"))
	}
}

// registerKeyClient registers a private_key_jwt client with the CLI,
// giving its public keys inline as a file (--jwks @FILE).
func (e *e2eEnv) registerKeyClient(t *testing.T, id string, keys ...assertionKey) (e2eClient, assertionKey) {
	t.Helper()
	path := filepath.Join(t.TempDir(), id+".jwks.json")
	if err := os.WriteFile(path, jwks(t, keys...), 0o600); err != nil {
		t.Fatal(err)
	}
	c := e2eClient{tenant: "main", id: id, redirect: "https://" + id + ".example/cb",
		scopes: []string{"openid", "profile", "pid", "offline_access"}}
	out := e.cli.on(t).ok("clients", "create", "--tenant", "main", "--id", id, "--auth-method", "private_key_jwt",
		"--jwks", "@"+path, "--redirect-uri", c.redirect, "--scope", "openid profile pid offline_access")
	if strings.Contains(out, `"client_secret"`) {
		t.Errorf("private_key_jwt client got a secret: %s", out)
	}
	return c, keys[0]
}

func (e *e2eEnv) testPrivateKeyJWT(t *testing.T) {
	rsaC, rsaKey := e.registerKeyClient(t, "ca-rsa", newRSAKey(t, "ca-rsa-1"))
	ecC, ecKey := e.registerKeyClient(t, "ca-ec", newECKey(t, "ca-ec-1"))

	t.Run("RS256", func(t *testing.T) {
		replayed := rsaKey.sign(t, e.claimsFor(rsaC))
		tk := e.redeem(t, rsaC, func() clientAuth { return assertionAuth(replayed) })
		e.keyNegatives(t, rsaC, rsaKey, replayed, tk.access)

		// The same client at introspection and revocation.
		auth := func() clientAuth { return assertionAuth(rsaKey.sign(t, e.claimsFor(rsaC))) }
		status, m, _ := e.call(t, "main", "/introspect", url.Values{"token": {tk.access}}, auth())
		if status != http.StatusOK || m["active"] != true || m["client_id"] != rsaC.id {
			t.Errorf("introspection with private_key_jwt: %d %v", status, m)
		}
		if status, m, _ := e.call(t, "main", "/revoke", url.Values{"token": {tk.access}}, auth()); status != http.StatusOK {
			t.Fatalf("revocation with private_key_jwt: %d %v", status, m)
		}
		if status, m, _ := e.call(t, "main", "/introspect", url.Values{"token": {tk.refresh}}, auth()); status != http.StatusOK || m["active"] != false {
			t.Errorf("refresh token after revocation: %d %v", status, m)
		}
		// RFC 9126 §2 / RFC 7523 §3: the issuer and the PAR endpoint are
		// audiences too, not only the token endpoint.
		for _, aud := range []string{e.issuer("main"), e.issuer("main") + "/par"} {
			cl := e.claimsFor(rsaC)
			cl.aud = aud
			if status, m, _ := e.call(t, "main", "/introspect", url.Values{"token": {tk.refresh}}, assertionAuth(rsaKey.sign(t, cl))); status != http.StatusOK {
				t.Errorf("assertion with aud %s: %d %v", aud, status, m)
			}
		}
		// A replayed assertion is refused there too.
		status, m, _ = e.call(t, "main", "/introspect", url.Values{"token": {tk.access}}, assertionAuth(replayed))
		wantInvalidClient(t, "replayed assertion at /introspect", status, m)

		// And at the PAR endpoint (RFC 9126 §2: the client authenticates
		// as at the token endpoint).
		par := url.Values{"response_type": {"code"}, "client_id": {rsaC.id}, "redirect_uri": {rsaC.redirect},
			"scope": {"openid profile"}, "state": {rand.Text()}, "nonce": {rand.Text()},
			"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}
		status, m, _ = e.call(t, "main", "/par", par, auth())
		if uri, _ := m["request_uri"].(string); status != http.StatusCreated || uri == "" {
			t.Errorf("PAR with private_key_jwt: %d %v", status, m)
		}
		status, m, _ = e.call(t, "main", "/par", par, assertionAuth(replayed))
		wantInvalidClient(t, "replayed assertion at /par", status, m)
	})
	t.Run("ES256", func(t *testing.T) {
		tk := e.redeem(t, ecC, func() clientAuth { return assertionAuth(ecKey.sign(t, e.claimsFor(ecC))) },
			// An RSA assertion for a client whose registered key is EC.
			assertionAuth(newRSAKey(t, "ca-ec-1").sign(t, e.claimsFor(ecC))))
		if status, m, _ := e.call(t, "main", "/introspect", url.Values{"token": {tk.access}},
			assertionAuth(ecKey.sign(t, e.claimsFor(ecC)))); status != http.StatusOK || m["active"] != true {
			t.Errorf("introspection with an ES256 assertion: %d %v", status, m)
		}
	})
}

// keyNegatives: each broken assertion for c is invalid_client at /token
// and at /introspect. replayed has been used once already.
func (e *e2eEnv) keyNegatives(t *testing.T, c e2eClient, key assertionKey, replayed, access string) {
	t.Helper()
	cases := []struct {
		name      string
		assertion string
	}{
		{"Replayed", replayed},
		{"WrongAudience", key.sign(t, func() assertionClaims {
			cl := e.claimsFor(c)
			cl.aud = e.issuer("sandbox") + "/token"
			return cl
		}())},
		{"ForeignAudience", key.sign(t, func() assertionClaims {
			cl := e.claimsFor(c)
			cl.aud = "https://evil.example/token"
			return cl
		}())},
		{"Expired", key.sign(t, func() assertionClaims {
			cl := e.claimsFor(c)
			cl.iat, cl.exp = time.Now().Add(-10*time.Minute), time.Now().Add(-5*time.Minute)
			return cl
		}())},
		// Valid for two hours: longer than a client assertion may live.
		{"ExpiresTooLate", key.sign(t, func() assertionClaims {
			cl := e.claimsFor(c)
			cl.exp = time.Now().Add(2 * time.Hour)
			return cl
		}())},
		{"IssuerNotClient", key.sign(t, func() assertionClaims {
			cl := e.claimsFor(c)
			cl.iss = "someone-else"
			return cl
		}())},
		{"SubjectNotClient", key.sign(t, func() assertionClaims {
			cl := e.claimsFor(c)
			cl.sub = "ca-basic"
			return cl
		}())},
		{"NoJTI", key.sign(t, func() assertionClaims {
			cl := e.claimsFor(c)
			cl.jti = ""
			return cl
		}())},
		// An unregistered key that claims the registered kid, one with a
		// kid of its own, and one without kid.
		{"UnregisteredKeySameKid", newRSAKey(t, key.kid).sign(t, e.claimsFor(c))},
		{"UnregisteredKeyOtherKid", newRSAKey(t, "not-registered").sign(t, e.claimsFor(c))},
		{"UnregisteredKeyNoKid", newRSAKey(t, "").sign(t, e.claimsFor(c))},
		// Registered for RS256 (an RSA key) but signed ES256.
		{"AlgMismatch", newECKey(t, key.kid).sign(t, e.claimsFor(c))},
		{"NotAJWT", "not.a.jwt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rp := e.rp(t, c)
			code, a, _, err := rp.loginE(newBrowser(), e.kari)
			if err != nil {
				t.Fatal(err)
			}
			status, body, _ := e.call(t, c.tenant, "/token", codeForm(c, code, a.verifier), assertionAuth(tc.assertion))
			wantInvalidClient(t, "/token", status, body)
			status, body, _ = e.call(t, c.tenant, "/introspect", url.Values{"token": {access}}, assertionAuth(tc.assertion))
			wantInvalidClient(t, "/introspect", status, body)
		})
	}
}

// testPrivateKeyJWTURI: a client that registered a jwks_uri instead of
// its keys; oidcp fetches the set when it needs it.
func (e *e2eEnv) testPrivateKeyJWTURI(t *testing.T) {
	key := newRSAKey(t, "ca-uri-1")
	set := jwks(t, key)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(set)
	}))
	t.Cleanup(srv.Close)
	c := e2eClient{tenant: "main", id: "ca-uri", redirect: "https://ca-uri.example/cb",
		scopes: []string{"openid", "profile", "pid", "offline_access"}}
	e.cli.on(t).ok("clients", "create", "--tenant", "main", "--id", c.id, "--auth-method", "private_key_jwt",
		"--jwks-uri", srv.URL+"/jwks.json", "--redirect-uri", c.redirect, "--scope", "openid profile pid offline_access")
	tk := e.redeem(t, c, func() clientAuth { return assertionAuth(key.sign(t, e.claimsFor(c))) },
		assertionAuth(newRSAKey(t, "ca-uri-1").sign(t, e.claimsFor(c))))
	if tk.id.Audience[0] != c.id {
		t.Errorf("ID token audience %v", tk.id.Audience)
	}
}

// testPublicClient: a public client needs PAR and PKCE, has no secret,
// and cannot relax PKCE.
func (e *e2eEnv) testPublicClient(t *testing.T) {
	_, errs, code := e.cli.run("clients", "create", "--tenant", "main", "--id", "pub-relaxed", "--public", "--relax-pkce",
		"--redirect-uri", "https://pub.example/cb")
	if code == 0 || !strings.Contains(strings.ToLower(errs), "pkce") {
		t.Errorf("public client with --relax-pkce: exit %d, stderr %q", code, errs)
	}
	out := e.cli.on(t).ok("clients", "create", "--tenant", "main", "--id", "pub", "--public",
		"--redirect-uri", "https://pub.example/cb", "--scope", "openid profile")
	if strings.Contains(out, "client_secret\"") {
		t.Errorf("public client got a secret: %s", out)
	}
	c := e2eClient{tenant: "main", id: "pub", redirect: "https://pub.example/cb", scopes: []string{"openid", "profile"}}
	rp := e.rp(t, c)
	rp.conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams

	// Straight to /authorize without PAR.
	q, _, err := rp.authorizeE(newBrowser(), rp.authURL(e.kari))
	if err != nil {
		t.Fatal(err)
	}
	if q.Get("error") != "invalid_request" || q.Get("code") != "" {
		t.Errorf("public client without PAR: %v", q)
	}

	par := func(params url.Values) (int, map[string]any) {
		params.Set("client_id", "pub")
		return e.postForm(t, e2eClient{tenant: "main"}, "/par", params)
	}
	base := func() (url.Values, authRequest) {
		a := authRequest{state: rand.Text(), nonce: rand.Text(), verifier: oauth2.GenerateVerifier()}
		return url.Values{"response_type": {"code"}, "redirect_uri": {c.redirect}, "scope": {"openid profile"},
			"state": {a.state}, "nonce": {a.nonce}, "code_challenge": {oauth2.S256ChallengeFromVerifier(a.verifier)}, "code_challenge_method": {"S256"},
			"login_hint": {"testid:" + e.kari}}, a
	}
	for _, drop := range []string{"code_challenge", "nonce"} {
		p, _ := base()
		p.Del(drop)
		if status, body := par(p); status != http.StatusBadRequest || body["error"] != "invalid_request" {
			t.Errorf("PAR without %s: %d %v", drop, status, body)
		}
	}

	p, a := base()
	status, body := par(p)
	uri, _ := body["request_uri"].(string)
	if status != http.StatusCreated || !strings.HasPrefix(uri, "urn:ietf:params:oauth:request_uri:") {
		t.Fatalf("PAR: %d %v", status, body)
	}
	a.url = e.issuer("main") + "/authorize?" + url.Values{"client_id": {"pub"}, "request_uri": {uri}}.Encode()
	q, _, err = rp.authorizeE(newBrowser(), a)
	if err != nil || q.Get("code") == "" {
		t.Fatalf("public login via PAR: %v %v", q, err)
	}
	tk, err := rp.exchangeE(q.Get("code"), a.verifier)
	if err != nil {
		t.Fatalf("secret-less token exchange: %v", err)
	}
	if tk.id == nil || tk.claims.Nonce != a.nonce {
		t.Errorf("public client ID token: %+v", tk.claims)
	}
	// The request_uri is one-time (RFC 9126 §2.2).
	if q, _, err := rp.authorizeE(newBrowser(), a); err == nil && q.Get("code") != "" {
		t.Error("request_uri redeemed twice")
	}

	// Even a public client whose stored row says otherwise (written past
	// the registration rules) must use PAR, PKCE and nonce.
	raw := storage.Client{
		Tenant: "main", ID: "pub-raw", Public: true, TokenEndpointAuthMethod: "none",
		RedirectURIs: []string{"https://pub-raw.example/cb"}, GrantTypes: []string{"authorization_code"},
		ResponseTypes: []string{"code"}, Scopes: []string{"openid", "profile"},
		RequirePKCE: false, RequireNonce: false, RequirePAR: false, CreatedAt: time.Now(), UpdatedAt: time.Now(),
	}
	if err := e.store.CreateClient(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	for _, drop := range []string{"code_challenge", "nonce"} {
		p, _ := base()
		p.Set("client_id", "pub-raw")
		p.Set("redirect_uri", raw.RedirectURIs[0])
		p.Del(drop)
		if status, body := e.postForm(t, e2eClient{tenant: "main"}, "/par", p); status != http.StatusBadRequest || body["error"] != "invalid_request" {
			t.Errorf("relaxed public client, PAR without %s: %d %v", drop, status, body)
		}
	}
	rawRP := e.rp(t, e2eClient{tenant: "main", id: "pub-raw", redirect: raw.RedirectURIs[0], scopes: []string{"openid", "profile"}})
	if q, _, err := rawRP.authorizeE(newBrowser(), rawRP.authURL(e.kari)); err != nil || q.Get("error") != "invalid_request" {
		t.Errorf("relaxed public client without PAR: %v %v", q, err)
	}
}
