package upstream_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oidcp/oidcp/upstream"
)

func TestRoundTripHeadless(t *testing.T) {
	var mu sync.Mutex
	var ops []string
	h := newHarness(t, func(c *upstream.Config) {
		c.Observe = func(op string, d time.Duration, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err == nil && d > 0 {
				ops = append(ops, op)
			}
		}
	})
	p := pid(t, "1990-02-02")
	before := time.Now().Add(-time.Second)
	cb, st := h.login(upstream.AuthParams{LoginHint: "testid:" + p, UILocales: "nn"})

	// The browser carried only client_id and request_uri (RFC 9126 §4).
	if h.count("/par") != 1 {
		t.Errorf("PAR requests = %d, want 1", h.count("/par"))
	}
	if q := h.lastAuthz.Query(); len(q) != 2 || q.Get("client_id") != rpID || !strings.HasPrefix(q.Get("request_uri"), "urn:ietf:params:oauth:request_uri:") {
		t.Errorf("authorize query = %v", q)
	}
	if len(st.State) != 43 || len(st.Nonce) != 43 || len(st.CodeVerifier) != 43 || st.State == st.Nonce {
		t.Errorf("state values not 32 random bytes: %+v", st)
	}

	id, err := h.rp.Exchange(context.Background(), cb, st)
	if err != nil {
		t.Fatal(err)
	}
	if id.PID != p || id.ACR != upstream.ACRSubstantial || !slices.Equal(id.AMR, []string{"TestID"}) {
		t.Errorf("identity = %+v", id)
	}
	if id.Subject == "" || id.Subject == p || id.SID == "" || id.Locale != "nn" || id.IDToken == "" {
		t.Errorf("identity = %+v", id)
	}
	if id.AuthTime.Before(before.Truncate(time.Second)) || id.AuthTime.After(time.Now().Add(time.Second)) {
		t.Errorf("auth_time = %v", id.AuthTime)
	}

	mu.Lock()
	if want := []string{"discovery", "par", "token", "jwks"}; !slices.Equal(ops, want) {
		t.Errorf("observed %v, want %v", ops, want)
	}
	mu.Unlock()

	// A second login reuses the cached discovery and JWKS.
	cb, st = h.login(upstream.AuthParams{LoginHint: "testid:" + p})
	if _, err := h.rp.Exchange(context.Background(), cb, st); err != nil {
		t.Fatal(err)
	}
	if d, j := h.count("/.well-known/openid-configuration"), h.count("/jwks.json"); d != 1 || j != 1 {
		t.Errorf("discovery fetched %d times, jwks %d times; want 1 each", d, j)
	}
}

func TestRoundTripHigh(t *testing.T) {
	h := newHarness(t, nil)
	cb, st := h.login(upstream.AuthParams{LoginHint: "testid:" + pid(t, "1990-02-02") + "_idporten-loa-high"})
	id, err := h.rp.Exchange(context.Background(), cb, st)
	if err != nil {
		t.Fatal(err)
	}
	if id.ACR != upstream.ACRHigh {
		t.Errorf("acr = %q, want high", id.ACR)
	}
}

func TestACRNotAllowed(t *testing.T) {
	h := newHarness(t, func(c *upstream.Config) {
		c.ACRValues = upstream.ACRHigh
		c.AllowedACR = []string{upstream.ACRHigh}
	})
	// The test-login hint yields substantial whatever acr_values asks.
	cb, st := h.login(upstream.AuthParams{LoginHint: "testid:" + pid(t, "1990-02-02")})
	_, err := h.rp.Exchange(context.Background(), cb, st)
	if !errors.Is(err, upstream.ErrACRNotAllowed) {
		t.Fatalf("err = %v, want ErrACRNotAllowed", err)
	}
}

func TestWithoutPARFallsBackToPlainAuthorize(t *testing.T) {
	h := newHarness(t, nil)
	h.mu.Lock()
	h.dropPAR = true
	h.mu.Unlock()
	p := pid(t, "1990-02-02")
	maxAge := 0
	cb, st := h.login(upstream.AuthParams{LoginHint: "testid:" + p, ACRValues: upstream.ACRHigh, MaxAge: &maxAge, UILocales: "en", Prompt: "login"})
	if h.count("/par") != 0 {
		t.Error("PAR used although not advertised")
	}
	q := h.lastAuthz.Query()
	for k, want := range map[string]string{
		"client_id": rpID, "redirect_uri": rpCallback, "response_type": "code", "scope": "openid profile",
		"state": st.State, "nonce": st.Nonce, "code_challenge_method": "S256", "acr_values": upstream.ACRHigh,
		"login_hint": "testid:" + p, "max_age": "0", "ui_locales": "en", "prompt": "login",
	} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	if q.Get("code_challenge") == "" || strings.Contains(q.Encode(), st.CodeVerifier) {
		t.Error("PKCE challenge missing or verifier leaked")
	}
	if _, err := h.rp.Exchange(context.Background(), cb, st); err != nil {
		t.Fatal(err)
	}
}

func TestCallbackChecks(t *testing.T) {
	h := newHarness(t, nil)
	p := pid(t, "1990-02-02")
	tests := []struct {
		name   string
		mutate func(cb map[string][]string, st *upstream.State)
		check  func(error) bool
	}{
		{"state mismatch", func(cb map[string][]string, _ *upstream.State) { cb["state"] = []string{"forged"} },
			func(err error) bool { return errors.Is(err, upstream.ErrStateMismatch) }},
		{"state missing", func(cb map[string][]string, _ *upstream.State) { delete(cb, "state") },
			func(err error) bool { return errors.Is(err, upstream.ErrStateMismatch) }},
		{"empty stored state", func(cb map[string][]string, st *upstream.State) { cb["state"] = []string{""}; st.State = "" },
			func(err error) bool { return errors.Is(err, upstream.ErrStateMismatch) }},
		{"wrong iss", func(cb map[string][]string, _ *upstream.State) { cb["iss"] = []string{"https://evil.example"} },
			func(err error) bool { return errors.Is(err, upstream.ErrIssuerMismatch) }},
		{"iss missing though advertised", func(cb map[string][]string, _ *upstream.State) { delete(cb, "iss") },
			func(err error) bool { return errors.Is(err, upstream.ErrIssuerMismatch) }},
		{"nonce mismatch", func(_ map[string][]string, st *upstream.State) { st.Nonce = "other-nonce" },
			func(err error) bool { return errors.Is(err, upstream.ErrNonceMismatch) }},
		{"wrong PKCE verifier", func(_ map[string][]string, st *upstream.State) { st.CodeVerifier = strings.Repeat("v", 43) },
			func(err error) bool {
				var te *upstream.TokenError
				return errors.As(err, &te) && te.Code == "invalid_grant" && te.Status == http.StatusBadRequest
			}},
		{"error response", func(cb map[string][]string, _ *upstream.State) {
			delete(cb, "code")
			cb["error"] = []string{"access_denied"}
			cb["error_description"] = []string{"cancelled"}
		}, func(err error) bool {
			var ce *upstream.CallbackError
			return errors.As(err, &ce) && ce.Code == "access_denied" && ce.Description == "cancelled"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cb, st := h.login(upstream.AuthParams{LoginHint: "testid:" + p})
			tc.mutate(cb, &st)
			id, err := h.rp.Exchange(context.Background(), cb, st)
			if id != nil || !tc.check(err) {
				t.Errorf("got %v, %v", id, err)
			}
		})
	}
}

// TestUpstreamErrorRedirect: an error the mock sends back (here for an
// invalid test-login number) reaches the caller as a *CallbackError.
func TestUpstreamErrorRedirect(t *testing.T) {
	h := newHarness(t, nil)
	cb, st := h.login(upstream.AuthParams{LoginHint: "testid:12345678901"})
	_, err := h.rp.Exchange(context.Background(), cb, st)
	var ce *upstream.CallbackError
	if !errors.As(err, &ce) || ce.Code != "invalid_request" || ce.Description == "" {
		t.Fatalf("err = %v, want CallbackError invalid_request", err)
	}
}

func TestCodeReuse(t *testing.T) {
	h := newHarness(t, nil)
	cb, st := h.login(upstream.AuthParams{LoginHint: "testid:" + pid(t, "1990-02-02")})
	if _, err := h.rp.Exchange(context.Background(), cb, st); err != nil {
		t.Fatal(err)
	}
	_, err := h.rp.Exchange(context.Background(), cb, st)
	var te *upstream.TokenError
	if !errors.As(err, &te) || te.Code != "invalid_grant" {
		t.Fatalf("replayed callback: %v, want invalid_grant", err)
	}
}

func TestExpiredIDToken(t *testing.T) {
	h := newHarness(t, nil)
	cb, st := h.login(upstream.AuthParams{LoginHint: "testid:" + pid(t, "1990-02-02")})
	// The mock's tokens live 120 s; with 60 s leeway, 181 s later is too late.
	h.advance(181 * time.Second)
	_, err := h.rp.Exchange(context.Background(), cb, st)
	if !errors.Is(err, upstream.ErrInvalidIDToken) || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("err = %v, want expired", err)
	}
}

func TestEndSessionURL(t *testing.T) {
	h := newHarness(t, nil)
	cb, st := h.login(upstream.AuthParams{LoginHint: "testid:" + pid(t, "1990-02-02")})
	id, err := h.rp.Exchange(context.Background(), cb, st)
	if err != nil {
		t.Fatal(err)
	}
	u, err := h.rp.EndSessionURL(context.Background(), id.IDToken, rpLoggedOut, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, h.issuer+"/endsession?") {
		t.Fatalf("url = %s", u)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != rpLoggedOut+"?state=s1" {
		t.Errorf("logout redirect = %d %q", resp.StatusCode, loc)
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  upstream.Config
	}{
		{"no issuer", upstream.Config{ClientID: "a", ClientSecret: "b", RedirectURL: "https://x/cb"}},
		{"relative issuer", upstream.Config{Issuer: "/x", ClientID: "a", ClientSecret: "b", RedirectURL: "https://x/cb"}},
		{"no client", upstream.Config{Issuer: "https://i", ClientSecret: "b", RedirectURL: "https://x/cb"}},
		{"no secret", upstream.Config{Issuer: "https://i", ClientID: "a", RedirectURL: "https://x/cb"}},
		{"no redirect", upstream.Config{Issuer: "https://i", ClientID: "a", ClientSecret: "b"}},
		{"scopes without openid", upstream.Config{Issuer: "https://i", ClientID: "a", ClientSecret: "b", RedirectURL: "https://x/cb", Scopes: []string{"profile"}}},
	}
	for _, tc := range tests {
		if _, err := upstream.New(tc.cfg); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func TestDiscoveryIssuerMismatch(t *testing.T) {
	h := newHarness(t, func(c *upstream.Config) { c.Issuer += "/" })
	if _, _, err := h.rp.Start(context.Background(), upstream.AuthParams{}); err == nil || !strings.Contains(err.Error(), "not the configured") {
		t.Fatalf("err = %v, want discovery issuer mismatch", err)
	}
}
