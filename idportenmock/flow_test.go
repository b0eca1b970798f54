package idportenmock_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestDiscoveryAndJWKS(t *testing.T) {
	e := newEnv(t)
	resp, body := e.get(e.issuer + "/.well-known/openid-configuration")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var md map[string]any
	if err := json.Unmarshal([]byte(body), &md); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"issuer":                                e.issuer,
		"authorization_endpoint":                e.issuer + "/authorize",
		"pushed_authorization_request_endpoint": e.issuer + "/par",
		"token_endpoint":                        e.issuer + "/token",
		"userinfo_endpoint":                     e.issuer + "/userinfo",
		"end_session_endpoint":                  e.issuer + "/endsession",
		"jwks_uri":                              e.issuer + "/jwks.json",
	}
	for k, v := range want {
		if md[k] != v {
			t.Errorf("%s = %v, want %s", k, md[k], v)
		}
	}
	if md["authorization_response_iss_parameter_supported"] != true {
		t.Error("RFC 9207 support not advertised")
	}
	_, body = e.get(e.issuer + "/jwks.json")
	if !strings.Contains(body, `"kid":"idportenmock-`) || !strings.Contains(body, `"alg":"RS256"`) || strings.Contains(body, `"d":`) {
		t.Errorf("jwks = %s", body)
	}
}

func TestHeadlessLoginAndToken(t *testing.T) {
	// Taken before newEnv: the env's clock stands still at its creation,
	// and building the server (an RSA key) can take seconds under load.
	before := time.Now().Add(-time.Second)
	e := newEnv(t)
	pid := synthPID(t, "1975-12-01", 200)
	cb := e.headlessCode(pid, "ui_locales", "en")
	if cb.Get("state") != "st-123" || cb.Get("iss") != e.issuer || cb.Get("code") == "" {
		t.Fatalf("callback = %v", cb)
	}
	status, tok := e.tokenRequest(clientID, clientSecret, codeForm(cb.Get("code")))
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, tok)
	}
	if tok["token_type"] != "Bearer" || tok["expires_in"] != float64(120) || tok["access_token"] == "" {
		t.Errorf("token response = %v", tok)
	}
	c := e.verifyIDToken(tok["id_token"].(string))
	checks := map[string]any{
		"iss": e.issuer, "aud": clientID, "pid": pid, "acr": "idporten-loa-substantial",
		"nonce": "n-456", "locale": "en",
	}
	for k, v := range checks {
		if c[k] != v {
			t.Errorf("claim %s = %v, want %v", k, c[k], v)
		}
	}
	if amr, _ := c["amr"].([]any); len(amr) != 1 || amr[0] != "TestID" {
		t.Errorf("amr = %v", c["amr"])
	}
	for _, k := range []string{"sub", "sid", "jti"} {
		if s, _ := c[k].(string); s == "" {
			t.Errorf("claim %s missing", k)
		}
	}
	if c["sub"] == pid {
		t.Error("sub must be pairwise, not the pid")
	}
	at := time.Unix(int64(c["auth_time"].(float64)), 0)
	if at.Before(before.Truncate(time.Second)) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("auth_time = %v", at)
	}
	if exp, iat := c["exp"].(float64), c["iat"].(float64); exp-iat != 120 {
		t.Errorf("exp-iat = %v", exp-iat)
	}

	// userinfo with the access token.
	req, _ := http.NewRequest(http.MethodGet, e.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ui map[string]any
	_ = json.Unmarshal([]byte(readBody(t, resp)), &ui)
	if resp.StatusCode != http.StatusOK || ui["pid"] != pid || ui["sub"] != c["sub"] {
		t.Errorf("userinfo %d %v", resp.StatusCode, ui)
	}
	// Access tokens live 120 s.
	e.clock.Add(121 * time.Second)
	req, _ = http.NewRequest(http.MethodGet, e.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	resp, _ = http.DefaultClient.Do(req)
	readBody(t, resp)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("expired access token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

func TestHeadlessACR(t *testing.T) {
	e := newEnv(t)
	pid := synthPID(t, "1990-01-31", 300)
	tests := []struct {
		name, hint, acrValues, want string
	}{
		{"default substantial", "testid:" + pid, "", "idporten-loa-substantial"},
		{"suffix gives high", "testid:" + pid + "_idporten-loa-high", "", "idporten-loa-high"},
		// Like ID-porten: the hint wins over a higher acr_values.
		{"hint wins over acr_values", "testid:" + pid, "idporten-loa-high", "idporten-loa-substantial"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := authParams("login_hint", tc.hint, "acr_values", tc.acrValues)
			resp, _ := e.get(e.issuer + "/authorize?" + q.Encode())
			cb := location(t, resp, redirectURI)
			status, tok := e.tokenRequest(clientID, clientSecret, codeForm(cb.Get("code")))
			if status != http.StatusOK {
				t.Fatalf("token %d %v", status, tok)
			}
			if got := e.verifyIDToken(tok["id_token"].(string))["acr"]; got != tc.want {
				t.Errorf("acr = %v, want %s", got, tc.want)
			}
		})
	}
}

func TestPairwiseSubject(t *testing.T) {
	e := newEnv(t)
	pid := synthPID(t, "1969-07-20", 50)
	sub := func(id, secret, redir string) string {
		q := authParams("login_hint", "testid:"+pid, "client_id", id, "redirect_uri", redir)
		resp, _ := e.get(e.issuer + "/authorize?" + q.Encode())
		cb := location(t, resp, redir)
		f := codeForm(cb.Get("code"))
		f.Set("redirect_uri", redir)
		status, tok := e.tokenRequest(id, secret, f)
		if status != http.StatusOK {
			t.Fatalf("token %d %v", status, tok)
		}
		return e.verifyIDToken(tok["id_token"].(string))["sub"].(string)
	}
	a1, a2, b := sub(clientID, clientSecret, redirectURI), sub(clientID, clientSecret, redirectURI), sub(otherID, otherSecret, otherRedir)
	if a1 != a2 {
		t.Error("sub not stable for one client")
	}
	if a1 == b {
		t.Error("sub equal across clients; must be pairwise")
	}
}

func TestAuthorizeFatalErrors(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name  string
		extra []string
	}{
		{"unregistered redirect_uri", []string{"redirect_uri", "https://evil.example/callback"}},
		{"redirect_uri prefix only", []string{"redirect_uri", redirectURI + "/x"}},
		{"missing redirect_uri", []string{"redirect_uri", ""}},
		{"unknown client", []string{"client_id", "nobody"}},
		{"redirect_uri of another client", []string{"redirect_uri", otherRedir}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.get(e.issuer + "/authorize?" + authParams(tc.extra...).Encode())
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d Location %q; want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			if !strings.Contains(body, `<html lang="nb">`) {
				t.Errorf("not an error page: %s", body)
			}
		})
	}
}

func TestAuthorizeRedirectErrors(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name      string
		extra     []string
		wantError string
		wantState string
	}{
		{"missing state", []string{"state", ""}, "invalid_request", ""},
		{"missing nonce", []string{"nonce", ""}, "invalid_request", "st-123"},
		{"missing PKCE", []string{"code_challenge", ""}, "invalid_request", "st-123"},
		{"plain PKCE", []string{"code_challenge_method", "plain"}, "invalid_request", "st-123"},
		{"token response type", []string{"response_type", "token"}, "unsupported_response_type", "st-123"},
		{"no openid scope", []string{"scope", "profile"}, "invalid_scope", "st-123"},
		{"unknown acr", []string{"acr_values", "level4"}, "invalid_request", "st-123"},
		{"invalid testid pid", []string{"login_hint", "testid:12345678901"}, "invalid_request", "st-123"},
		{"prompt none without session", []string{"prompt", "none"}, "login_required", "st-123"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := e.get(e.issuer + "/authorize?" + authParams(tc.extra...).Encode())
			cb := location(t, resp, redirectURI)
			if cb.Get("error") != tc.wantError || cb.Get("state") != tc.wantState || cb.Get("iss") != e.issuer || cb.Get("code") != "" {
				t.Errorf("callback = %v", cb)
			}
			if cb.Get("error_description") == "" {
				t.Error("error_description missing")
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	e := newEnv(t)
	pid := synthPID(t, "1985-06-15", 400)
	tests := []struct {
		name       string
		id, secret string
		mutate     func(url.Values)
		wantStatus int
		wantError  string
	}{
		{"wrong verifier", clientID, clientSecret, func(f url.Values) { f.Set("code_verifier", strings.Repeat("x", 43)) }, 400, "invalid_grant"},
		{"missing verifier", clientID, clientSecret, func(f url.Values) { f.Del("code_verifier") }, 400, "invalid_grant"},
		{"wrong redirect_uri", clientID, clientSecret, func(f url.Values) { f.Set("redirect_uri", "https://rp.example/other") }, 400, "invalid_grant"},
		{"code of another client", otherID, otherSecret, func(f url.Values) { f.Set("redirect_uri", otherRedir) }, 400, "invalid_grant"},
		{"wrong secret", clientID, "nope", nil, 401, "invalid_client"},
		{"no client auth", "", "", nil, 401, "invalid_client"},
		{"unsupported grant", clientID, clientSecret, func(f url.Values) { f.Set("grant_type", "password") }, 400, "unsupported_grant_type"},
		{"unknown code", clientID, clientSecret, func(f url.Values) { f.Set("code", "nonsense") }, 400, "invalid_grant"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := codeForm(e.headlessCode(pid).Get("code"))
			if tc.mutate != nil {
				tc.mutate(f)
			}
			status, body := e.tokenRequest(tc.id, tc.secret, f)
			if status != tc.wantStatus || body["error"] != tc.wantError {
				t.Errorf("got %d %v, want %d %s", status, body, tc.wantStatus, tc.wantError)
			}
			if body["id_token"] != nil {
				t.Error("id_token issued on error")
			}
		})
	}
}

func TestClientSecretPost(t *testing.T) {
	e := newEnv(t)
	f := codeForm(e.headlessCode(synthPID(t, "1985-06-15", 401)).Get("code"))
	f.Set("client_id", clientID)
	f.Set("client_secret", clientSecret)
	status, body := e.tokenRequest("", "", f)
	if status != http.StatusOK || body["id_token"] == nil {
		t.Fatalf("client_secret_post: %d %v", status, body)
	}
}

func TestCodeReuseRevokes(t *testing.T) {
	e := newEnv(t)
	f := codeForm(e.headlessCode(synthPID(t, "1985-06-15", 402)).Get("code"))
	status, first := e.tokenRequest(clientID, clientSecret, f)
	if status != http.StatusOK {
		t.Fatalf("first redemption: %d %v", status, first)
	}
	status, second := e.tokenRequest(clientID, clientSecret, f)
	if status != http.StatusBadRequest || second["error"] != "invalid_grant" {
		t.Fatalf("second redemption: %d %v, want invalid_grant", status, second)
	}
	req, _ := http.NewRequest(http.MethodGet, e.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+first["access_token"].(string))
	resp, _ := http.DefaultClient.Do(req)
	readBody(t, resp)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("access token of a replayed code still works: %d", resp.StatusCode)
	}
}

func TestCodeExpires(t *testing.T) {
	e := newEnv(t)
	f := codeForm(e.headlessCode(synthPID(t, "1985-06-15", 403)).Get("code"))
	e.clock.Add(61 * time.Second)
	if status, body := e.tokenRequest(clientID, clientSecret, f); body["error"] != "invalid_grant" {
		t.Errorf("expired code: %d %v", status, body)
	}
}
