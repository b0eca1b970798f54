package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// fakeOP is a deliberately small OP used to prove the modules can fail:
// each knob breaks one rule.
type fakeOP struct {
	t    *testing.T
	srv  *httptest.Server
	keys *testKeys
	mu   sync.Mutex
	// codes maps a code to its request; used marks redeemed codes.
	codes map[string]url.Values
	used  map[string]bool
	n     int

	allowCodeReuse    bool // breaks oidcc-codereuse
	redirectAnywhere  bool // breaks oidcc-ensure-registered-redirect-uri
	promptNoneLogsIn  bool // breaks oidcc-prompt-none-not-logged-in
	noCacheControl    bool // breaks every token response
	wrongIssuerInIDTk bool // breaks oidcc-server

	hints []string // login_hint of each authorization request
}

const (
	fakeClient   = "client-1"
	fakeSecret   = "secret-1"
	fakeRedirect = "https://rp.example.test/cb"
)

func newFakeOP(t *testing.T) *fakeOP {
	op := &fakeOP{t: t, keys: newTestKeys(t), codes: map[string]url.Values{}, used: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", op.discovery)
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(op.keys.jwks)
	})
	mux.HandleFunc("/authorize", op.authorize)
	mux.HandleFunc("/login", op.login)
	mux.HandleFunc("/token", op.token)
	mux.HandleFunc("/userinfo", op.userinfo)
	op.srv = httptest.NewTLSServer(mux)
	t.Cleanup(op.srv.Close)
	return op
}

func (op *fakeOP) issuer() string { return op.srv.URL }

func (op *fakeOP) discovery(w http.ResponseWriter, _ *http.Request) {
	iss := op.issuer()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"issuer": iss, "authorization_endpoint": iss + "/authorize", "token_endpoint": iss + "/token",
		"userinfo_endpoint": iss + "/userinfo", "jwks_uri": iss + "/jwks",
		"scopes_supported": []string{"openid"}, "claims_supported": []string{"sub"},
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
}

func (op *fakeOP) authorize(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	q := r.Form
	ru := q.Get("redirect_uri")
	op.mu.Lock()
	op.hints = append(op.hints, q.Get("login_hint"))
	op.mu.Unlock()
	if q.Get("client_id") != fakeClient || (ru != fakeRedirect && !op.redirectAnywhere) {
		http.Error(w, "invalid client or redirect_uri", http.StatusBadRequest)
		return
	}
	back := func(v url.Values) {
		v.Set("state", q.Get("state"))
		http.Redirect(w, r, ru+"?"+v.Encode(), http.StatusFound)
	}
	if q.Get("response_type") != "code" {
		back(url.Values{"error": {"invalid_request"}})
		return
	}
	_, err := r.Cookie("session")
	if err != nil && q.Get("prompt") == "none" && !op.promptNoneLogsIn {
		back(url.Values{"error": {"login_required"}})
		return
	}
	if err != nil && q.Get("prompt") != "none" {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<html><body><form method="post" action="/login"><input type="hidden" name="return" value="%s">
<input name="login"><input type="password" name="password"><button type="submit">Sign in</button></form></body></html>`,
			"/authorize?"+q.Encode())
		return
	}
	op.mu.Lock()
	op.n++
	code := fmt.Sprintf("code-%d", op.n)
	op.codes[code] = q
	op.mu.Unlock()
	back(url.Values{"code": {code}})
}

func (op *fakeOP) login(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	http.SetCookie(w, &http.Cookie{Name: "session", Value: r.Form.Get("login"), Path: "/", Secure: true})
	http.Redirect(w, r, r.Form.Get("return"), http.StatusFound)
}

func (op *fakeOP) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	w.Header().Set("Content-Type", "application/json")
	if !op.noCacheControl {
		w.Header().Set("Cache-Control", "no-store")
	}
	id, secret, _ := r.BasicAuth()
	if id != fakeClient || secret != fakeSecret {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
		return
	}
	code := r.Form.Get("code")
	op.mu.Lock()
	req, ok := op.codes[code]
	reused := op.used[code]
	op.used[code] = true
	op.mu.Unlock()
	if !ok || (reused && !op.allowCodeReuse) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
		return
	}
	iss := op.issuer()
	if op.wrongIssuerInIDTk {
		iss = "https://someone-else.example.test"
	}
	now := time.Now()
	claims := map[string]any{"iss": iss, "aud": fakeClient, "sub": "user-1", "iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "auth_time": now.Unix()}
	if n := req.Get("nonce"); n != "" {
		claims["nonce"] = n
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": "at-" + code, "token_type": "Bearer", "expires_in": 3600,
		"id_token": op.keys.sign(op.t, claims, jose.RS256, "rsa-1", nil),
	})
}

func (op *fakeOP) userinfo(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer at-") {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"sub":"user-1"}`))
}

func (op *fakeOP) run(t *testing.T, modules ...string) *Report {
	t.Helper()
	return op.runWith(t, FormDriver{Username: "user-1", Password: "pw"}, modules...)
}

func (op *fakeOP) runWith(t *testing.T, d LoginDriver, modules ...string) *Report {
	t.Helper()
	rep, err := Run(t.Context(), Options{
		Issuer: op.issuer(),
		Client: ClientConfig{Client: Client{ClientID: fakeClient, ClientSecret: fakeSecret, RedirectURI: fakeRedirect}},
		Driver: d, HTTPClient: op.srv.Client(),
		Modules: modules, Sleep: func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func resultOf(t *testing.T, rep *Report, name string) ModuleResult {
	t.Helper()
	for _, m := range rep.Modules {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("module %s not in report", name)
	return ModuleResult{}
}

func TestModulesAgainstFakeOP(t *testing.T) {
	tests := []struct {
		module string
		breakf func(op *fakeOP)
		want   Result
	}{
		{"oidcc-server", nil, Passed},
		{"oidcc-server", func(op *fakeOP) { op.wrongIssuerInIDTk = true }, Failed},
		{"oidcc-server", func(op *fakeOP) { op.noCacheControl = true }, Failed},
		{"oidcc-codereuse", nil, Warning}, // the fake OP does not revoke on reuse
		{"oidcc-codereuse", func(op *fakeOP) { op.allowCodeReuse = true }, Failed},
		{"oidcc-ensure-registered-redirect-uri", nil, Passed},
		{"oidcc-ensure-registered-redirect-uri", func(op *fakeOP) { op.redirectAnywhere = true }, Failed},
		{"oidcc-prompt-none-not-logged-in", nil, Passed},
		{"oidcc-prompt-none-not-logged-in", func(op *fakeOP) { op.promptNoneLogsIn = true }, Failed},
		{"oidcc-prompt-none-logged-in", nil, Passed},
		{"oidcc-response-type-missing", nil, Passed},
		{"oidcc-discovery-endpoint-verification", nil, Passed},
		{"oidcp-par", nil, Skipped},
		{"oidcp-backchannel-logout", nil, Skipped},
		{"oidcp-dpop", nil, Skipped},
		{"oidcp-fapi2", nil, Skipped},
		{"oidcc-idtoken-unsigned", nil, Skipped},
	}
	for _, tc := range tests {
		name := tc.module
		if tc.breakf != nil {
			name += "/broken"
		}
		t.Run(name, func(t *testing.T) {
			op := newFakeOP(t)
			if tc.breakf != nil {
				tc.breakf(op)
			}
			m := resultOf(t, op.run(t, tc.module), tc.module)
			if m.Result != tc.want {
				var b strings.Builder
				_ = (&Report{Modules: []ModuleResult{m}}).WriteDetails(&b)
				t.Fatalf("result %s, want %s\n%s", m.Result, tc.want, b.String())
			}
		})
	}
}

func TestReportOutput(t *testing.T) {
	op := newFakeOP(t)
	rep := op.run(t, "oidcc-server", "oidcp-par")
	var b strings.Builder
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"oidcc-server", "PASSED", "oidcp-par", "SKIPPED", "1 PASSED", "1 SKIPPED"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js, &back); err != nil || len(back.Modules) != 2 || back.Summary.Passed != 1 {
		t.Fatalf("JSON round trip: %v %+v", err, back.Summary)
	}
	if strings.Contains(string(js), "code-1") {
		t.Error("report leaks an authorization code")
	}
}

func TestHeadlessDriverSendsTestIDHint(t *testing.T) {
	op := newFakeOP(t)
	rep := op.runWith(t, HeadlessHintDriver{PID: "01017012345"}, "oidcc-server", "oidcc-prompt-none-not-logged-in")
	for _, m := range rep.Modules {
		if m.Result != Passed {
			t.Errorf("%s: %s (%s)", m.Name, m.Result, m.Reason)
		}
	}
	if len(op.hints) < 2 || op.hints[0] != "testid:01017012345" {
		t.Fatalf("login hints %q, want testid:<pid> first", op.hints)
	}
	if last := op.hints[len(op.hints)-1]; last != "" {
		t.Fatalf("prompt=none request carried login_hint %q", last)
	}
}
