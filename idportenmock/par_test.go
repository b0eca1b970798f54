package idportenmock_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// push sends a PAR request with client_secret_basic.
func (e *env) push(id, secret string, f url.Values) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/par", strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	var out map[string]any
	_ = json.Unmarshal([]byte(readBody(e.t, resp)), &out)
	return resp.StatusCode, out
}

func TestPARFlow(t *testing.T) {
	e := newEnv(t)
	pid := synthPID(t, "2001-09-09", 600)
	status, par := e.push(clientID, clientSecret, authParams("login_hint", "testid:"+pid+"_idporten-loa-high"))
	if status != http.StatusCreated || par["expires_in"] != float64(60) {
		t.Fatalf("par: %d %v", status, par)
	}
	uri, _ := par["request_uri"].(string)
	if !strings.HasPrefix(uri, "urn:ietf:params:oauth:request_uri:") {
		t.Fatalf("request_uri = %q", uri)
	}
	authz := e.issuer + "/authorize?" + url.Values{"client_id": {clientID}, "request_uri": {uri}}.Encode()
	resp, _ := e.get(authz)
	cb := location(t, resp, redirectURI)
	if cb.Get("state") != "st-123" || cb.Get("code") == "" {
		t.Fatalf("callback %v", cb)
	}
	status, tok := e.tokenRequest(clientID, clientSecret, codeForm(cb.Get("code")))
	if status != http.StatusOK {
		t.Fatalf("token %d %v", status, tok)
	}
	if c := e.verifyIDToken(tok["id_token"].(string)); c["acr"] != "idporten-loa-high" || c["pid"] != pid {
		t.Errorf("claims %v", c)
	}
	// RFC 9126 §4: one-time use.
	resp, _ = e.get(authz)
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("reused request_uri: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestPARErrors(t *testing.T) {
	e := newEnv(t)
	if status, body := e.push(clientID, "wrong", authParams()); status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Errorf("bad secret: %d %v", status, body)
	}
	if status, body := e.push(clientID, clientSecret, authParams("redirect_uri", "https://evil.example/")); status != http.StatusBadRequest || body["error"] != "invalid_request" {
		t.Errorf("bad redirect_uri: %d %v", status, body)
	}
	if status, body := e.push(clientID, clientSecret, authParams("client_id", otherID)); status != http.StatusBadRequest {
		t.Errorf("client_id of another client: %d %v", status, body)
	}
	if status, body := e.push(clientID, clientSecret, authParams("code_challenge", "")); status != http.StatusBadRequest || body["error"] != "invalid_request" {
		t.Errorf("no PKCE: %d %v", status, body)
	}

	t.Run("client_id mismatch at authorize", func(t *testing.T) {
		_, par := e.push(clientID, clientSecret, authParams())
		resp, _ := e.get(e.issuer + "/authorize?" + url.Values{"client_id": {otherID}, "request_uri": {par["request_uri"].(string)}}.Encode())
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("got %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("expired", func(t *testing.T) {
		_, par := e.push(clientID, clientSecret, authParams())
		e.clock.Add(61 * time.Second)
		resp, _ := e.get(e.issuer + "/authorize?" + url.Values{"client_id": {clientID}, "request_uri": {par["request_uri"].(string)}}.Encode())
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("expired request_uri: %d", resp.StatusCode)
		}
	})
}
