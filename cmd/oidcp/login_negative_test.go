package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/storage"
)

// testNegative: each bad request gets its exact error, and nothing is
// issued.
func (e *e2eEnv) testNegative(t *testing.T) {
	c := e.register(t, "main", "neg")
	rp := e.rp(t, c)
	hint := oauth2.SetAuthURLParam("login_hint", "testid:"+e.kari)

	// authError runs an authorization request that must come back to the
	// client with error code want, without visiting the eID.
	authError := func(t *testing.T, a authRequest, want string) {
		t.Helper()
		q, v, err := rp.authorizeE(newBrowser(), a)
		if err != nil {
			t.Fatal(err)
		}
		if q.Get("error") != want || q.Get("code") != "" || v.visitedMock {
			t.Errorf("got %v (visited eID: %v), want error=%s", q, v.visitedMock, want)
		}
	}
	custom := func(state string, opts ...oauth2.AuthCodeOption) authRequest {
		return authRequest{state: state, url: rp.conf.AuthCodeURL(state, append(opts, hint)...)}
	}

	t.Run("MissingPKCE", func(t *testing.T) {
		authError(t, custom("st-nopkce", oidc.Nonce("nonce-nopkce")), "invalid_request")
	})
	t.Run("PlainPKCE", func(t *testing.T) {
		v := oauth2.GenerateVerifier()
		authError(t, custom("st-plain", oidc.Nonce("nonce-plain"),
			oauth2.SetAuthURLParam("code_challenge", v), oauth2.SetAuthURLParam("code_challenge_method", "plain")), "invalid_request")
	})
	t.Run("MissingNonce", func(t *testing.T) {
		authError(t, custom("st-nononce", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), "invalid_request")
		// A confidential client that relaxed nonce logs in without one.
		relaxed := e.register(t, "main", "neg-relaxed", "--relax-nonce")
		rr := e.rp(t, relaxed)
		verifier := oauth2.GenerateVerifier()
		a := authRequest{state: "st-relaxed", verifier: verifier,
			url: rr.conf.AuthCodeURL("st-relaxed", oauth2.S256ChallengeOption(verifier), hint)}
		q, _, err := rr.authorizeE(newBrowser(), a)
		if err != nil || q.Get("code") == "" {
			t.Fatalf("relaxed client without nonce: %v %v", q, err)
		}
		tk, err := rr.exchangeE(q.Get("code"), verifier)
		if err != nil || tk.claims.Nonce != "" {
			t.Fatalf("relaxed client exchange: %v, nonce %q", err, tk.claims.Nonce)
		}
	})
	t.Run("MissingState", func(t *testing.T) {
		// RFC 6749 §4.1.2.1: the error goes to the client, without state.
		authError(t, custom("", oidc.Nonce("nonce-nostate"), oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), "invalid_request")
	})
	t.Run("UnregisteredRedirectURI", func(t *testing.T) {
		a := rp.authURL(e.kari, oauth2.SetAuthURLParam("redirect_uri", "https://evil.example/cb"))
		v, err := newBrowser().visit(a.url, "https://evil.example")
		if err != nil {
			t.Fatal(err)
		}
		// RFC 6749 §4.1.2.1: never redirect to an unverified URI.
		if v.final != nil || v.status != http.StatusBadRequest || v.location != "" || len(v.hops) != 1 ||
			!strings.Contains(v.body, "<html") || strings.Contains(v.body, "evil.example") {
			t.Errorf("unregistered redirect_uri: %s (Location %q)", v, v.location)
		}
	})
	t.Run("WrongVerifier", func(t *testing.T) {
		code, _, _, err := rp.loginE(newBrowser(), e.kari)
		if err != nil {
			t.Fatal(err)
		}
		_, err = rp.exchangeE(code, oauth2.GenerateVerifier())
		if got, status := oauthError(err); got != "invalid_grant" || status != http.StatusBadRequest {
			t.Errorf("wrong code_verifier: %v, want invalid_grant 400", err)
		}
	})
	t.Run("WrongClientSecret", func(t *testing.T) {
		code, a, _, err := rp.loginE(newBrowser(), e.kari)
		if err != nil {
			t.Fatal(err)
		}
		bad := *rp
		bad.conf.ClientSecret = "not-the-secret-" + strings.Repeat("y", 30)
		_, err = bad.exchangeE(code, a.verifier)
		if got, status := oauthError(err); got != "invalid_client" || status != http.StatusUnauthorized {
			t.Errorf("wrong client secret: %v, want invalid_client 401", err)
		}
		// The failed authentication did not burn the code.
		if _, err := rp.exchangeE(code, a.verifier); err != nil {
			t.Errorf("code after a failed client authentication: %v", err)
		}
	})
	t.Run("CodeReuse", func(t *testing.T) {
		code, a, _, err := rp.loginE(newBrowser(), e.kari)
		if err != nil {
			t.Fatal(err)
		}
		tk, err := rp.exchangeE(code, a.verifier)
		if err != nil {
			t.Fatal(err)
		}
		e.wantActive(t, c, tk.access, true, "access token of the first redemption")
		before := len(e.events(t, "main", audit.CodeReuseDetected))
		_, err = rp.exchangeE(code, a.verifier)
		if got, _ := oauthError(err); got != "invalid_grant" {
			t.Errorf("second redemption: %v, want invalid_grant", err)
		}
		// RFC 6749 §4.1.2: what the code yielded is revoked.
		e.wantActive(t, c, tk.access, false, "access token of the first redemption after reuse")
		e.wantActive(t, c, tk.refresh, false, "refresh token of the first redemption after reuse")
		if n := len(e.events(t, "main", audit.CodeReuseDetected)); n != before+1 {
			t.Errorf("usage log has %d code_reuse_detected events, want %d", n, before+1)
		}
	})
	t.Run("ExpiredCode", func(t *testing.T) {
		code, a, _, err := rp.loginE(newBrowser(), e.kari)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.advance(61 * time.Second) // codes live 60 s
		_, err = rp.exchangeE(code, a.verifier)
		if got, status := oauthError(err); got != "invalid_grant" || status != http.StatusBadRequest {
			t.Errorf("expired code: %v, want invalid_grant 400", err)
		}
	})
	t.Run("CrossTenant", func(t *testing.T) {
		tk := rp.login(t, newBrowser(), e.kari)
		sb := e.register(t, "sandbox", "sb-tool")
		if status, body := e.userinfoPost(t, "sandbox", tk.access); status != http.StatusUnauthorized || body["error"] != "invalid_token" {
			t.Errorf("main's token at sandbox userinfo: %d %v", status, body)
		}
		e.wantActive(t, sb, tk.access, false, "main's token introspected by sandbox")
		e.wantActive(t, c, tk.access, true, "main's token introspected by main")
		// A main client's credentials are unknown in sandbox.
		wrong := c
		wrong.tenant = "sandbox"
		if status, body := e.postForm(t, wrong, "/introspect", url.Values{"token": {tk.access}}); status != http.StatusUnauthorized || body["error"] != "invalid_client" {
			t.Errorf("main's client at sandbox introspection: %d %v", status, body)
		}
	})
}

// testUpstreamRejected: an upstream ID token with a tampered signature
// or the wrong nonce ends the login with no code, a counted failure and
// a log line naming the reason.
func (e *e2eEnv) testUpstreamRejected(t *testing.T) {
	cl, err := clients.Build(fakeTenant, clients.Registration{
		ID: "fk", Secret: "secret-fk-" + strings.Repeat("z", 32), RedirectURIs: []string{"https://fk.example/cb"},
		Scopes: []string{"openid profile pid"},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateClient(context.Background(), cl); err != nil {
		t.Fatal(err)
	}
	rp := e.rp(t, e2eClient{tenant: fakeTenant, id: "fk", secret: "secret-fk-" + strings.Repeat("z", 32),
		redirect: "https://fk.example/cb", scopes: []string{"openid", "profile", "pid"}})

	// The fake behaves: the login works, so what follows fails for the
	// tampering alone.
	e.fake.setMode(fakeGood)
	if tk := rp.login(t, newBrowser(), e.kari); tk.claims.PID != e.kari {
		t.Fatalf("login through the fake upstream: pid %q", tk.claims.PID)
	}

	for _, tc := range []struct{ mode, logged string }{
		{fakeTamper, "signature does not verify"},
		{fakeNonce, "nonce mismatch"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			calls := e.fake.setMode(tc.mode)
			failed := loginsFailed(t, e, fakeTenant)
			a := rp.authURL(e.kari)
			q, v, err := rp.authorizeE(newBrowser(), a)
			if err != nil {
				t.Fatal(err)
			}
			// OIDC Core §3.1.2.6: the client learns the login failed;
			// no code is issued.
			if q.Get("error") != "access_denied" || q.Get("code") != "" {
				t.Errorf("authorization response: %s", v)
			}
			if e.fake.calls() != calls+1 {
				t.Errorf("upstream token endpoint called %d times, want 1", e.fake.calls()-calls)
			}
			if got := loginsFailed(t, e, fakeTenant); got != failed+1 {
				t.Errorf("oidcp_logins_total{result=failed} = %v, want %v", got, failed+1)
			}
			if !strings.Contains(e.logs.String(), tc.logged) {
				t.Errorf("logs do not say %q", tc.logged)
			}
		})
	}
	e.fake.setMode(fakeGood)
}

// loginsFailed reads oidcp_logins_total{result="failed",tenant=…}.
func loginsFailed(t *testing.T, e *e2eEnv, tenant string) float64 {
	t.Helper()
	prefix := `oidcp_logins_total{result="failed",tenant="` + tenant + `"} `
	for _, line := range strings.Split(e.metrics(t), "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			var f float64
			_ = json.Unmarshal([]byte(v), &f)
			return f
		}
	}
	return 0
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
