package main

import (
	"context"
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
