package idportenmock_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcp/oidcp/idportenmock"
	"github.com/oidcp/oidcp/storage/storetest"
)

// newTwoNodeEnv serves two mock servers built from the same
// configuration behind one address, alternating between them request by
// request (a round-robin load balancer). mod adjusts each node's
// configuration; the nodes share whatever it shares.
func newTwoNodeEnv(t *testing.T, mod func(node int, cfg *idportenmock.Config)) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{t: time.Now()}}
	var nodes [2]http.Handler
	var next atomic.Int64
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nodes[next.Add(1)%2].ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	e.issuer = e.srv.URL + "/idporten-mock"
	for i := range nodes {
		cfg := idportenmock.Config{
			Issuer: e.issuer,
			Clients: []idportenmock.Client{
				{ID: clientID, Secret: clientSecret, RedirectURIs: []string{redirectURI}, PostLogoutRedirectURIs: []string{logoutURI}},
			},
			Persons: func(time.Time) []idportenmock.Person {
				return []idportenmock.Person{{PID: synthPID(t, "1980-03-14", 100), Name: "Kari Nordmann"}}
			},
			Now: e.clock.Now,
		}
		mod(i, &cfg)
		mock, err := idportenmock.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		nodes[i] = http.StripPrefix("/idporten-mock", mock)
	}
	jar, _ := cookiejar.New(nil)
	e.browser = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

// sharedNodes are two nodes on one database: one FlowStore, key and salt.
func sharedNodes(t *testing.T) *env {
	st := storetest.SQLite(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	salt := []byte("0123456789abcdef0123456789abcdef")
	return newTwoNodeEnv(t, func(_ int, c *idportenmock.Config) {
		c.Store, c.SigningKey, c.Salt = idportenmock.NewFlowStore(st), key, salt
	})
}

func (e *env) userinfoStatus(access string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	var out map[string]any
	_ = json.Unmarshal([]byte(readBody(e.t, resp)), &out)
	return resp.StatusCode, out
}

// TestTwoNodesShareState: behind a round-robin balancer, two mock nodes
// on one database serve one login: the page opened on one node is
// submitted to the other, a code issued by one is redeemed at the other,
// the ID token verifies with either node's JWKS, and userinfo, logout and
// code replay act across nodes.
func TestTwoNodesShareState(t *testing.T) {
	e := sharedNodes(t)
	pid := synthPID(t, "1975-12-01", 200)

	// Interactive: page (node A) → form (node B) → code.
	id, csrf, _ := e.loginPage(authParams())
	resp, _ := e.postForm(e.browser, e.issuer+"/login", url.Values{"auth_id": {id}, "csrf": {csrf}, "pid_manual": {pid}, "action": {"manual"}})
	cb := location(t, resp, redirectURI)
	status, tok := e.tokenRequest(clientID, clientSecret, codeForm(cb.Get("code")))
	if status != http.StatusOK {
		t.Fatalf("token at the other node: %d %v", status, tok)
	}
	claims := e.verifyIDToken(tok["id_token"].(string))
	claims2 := e.verifyIDToken(tok["id_token"].(string)) // the JWKS of the other node
	if claims["pid"] != pid || claims2["pid"] != pid {
		t.Fatalf("ID token pid %v / %v", claims["pid"], claims2["pid"])
	}

	// Headless, twice: the same person gets the same pairwise sub on
	// either node.
	subs := map[any]bool{}
	var access string
	for range 2 {
		cb := e.headlessCode(pid)
		status, tok := e.tokenRequest(clientID, clientSecret, codeForm(cb.Get("code")))
		if status != http.StatusOK {
			t.Fatalf("headless token: %d %v", status, tok)
		}
		subs[e.verifyIDToken(tok["id_token"].(string))["sub"]] = true
		access = tok["access_token"].(string)
		for range 2 {
			if code, ui := e.userinfoStatus(access); code != 200 || ui["pid"] != pid {
				t.Fatalf("userinfo: %d %v", code, ui)
			}
		}
	}
	if len(subs) != 1 {
		t.Errorf("pairwise subs differ between nodes: %v", subs)
	}

	// A replayed code (at the other node) revokes its access token on both.
	cb = e.headlessCode(pid)
	_, tok = e.tokenRequest(clientID, clientSecret, codeForm(cb.Get("code")))
	if status, _ := e.tokenRequest(clientID, clientSecret, codeForm(cb.Get("code"))); status != http.StatusBadRequest {
		t.Fatalf("replayed code: %d", status)
	}
	for range 2 {
		if code, _ := e.userinfoStatus(tok["access_token"].(string)); code != http.StatusUnauthorized {
			t.Fatalf("access token of a replayed code: %d, want 401", code)
		}
	}

	// Logout at one node ends the login's access tokens at both.
	cb = e.headlessCode(pid)
	_, tok = e.tokenRequest(clientID, clientSecret, codeForm(cb.Get("code")))
	resp, _ = e.get(e.issuer + "/endsession?" + url.Values{"id_token_hint": {tok["id_token"].(string)}, "post_logout_redirect_uri": {logoutURI}}.Encode())
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("endsession: %d", resp.StatusCode)
	}
	for range 2 {
		if code, _ := e.userinfoStatus(tok["access_token"].(string)); code != http.StatusUnauthorized {
			t.Fatalf("access token after logout: %d, want 401", code)
		}
	}

	// PAR at one node, authorize at the other.
	var par map[string]any
	if status, par = e.push(clientID, clientSecret, authParams("login_hint", "testid:"+pid)); status != http.StatusCreated {
		t.Fatalf("par: %d %v", status, par)
	}
	resp, body := e.get(e.issuer + "/authorize?" + url.Values{"client_id": {clientID}, "request_uri": {par["request_uri"].(string)}}.Encode())
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize with a request_uri pushed to the other node: %d %s", resp.StatusCode, body)
	}
}

// TestTwoNodesInMemoryFail shows why the state must be shared: with each
// node's own memory, a login page opened at one node cannot be submitted
// to the other (this is what broke the sandbox behind a load balancer).
func TestTwoNodesInMemoryFail(t *testing.T) {
	e := newTwoNodeEnv(t, func(int, *idportenmock.Config) {})
	id, csrf, _ := e.loginPage(authParams())
	resp, _ := e.postForm(e.browser, e.issuer+"/login", url.Values{"auth_id": {id}, "csrf": {csrf}, "pid_manual": {synthPID(t, "1975-12-01", 200)}, "action": {"manual"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("separate memories: %d, want 400 (login unknown at the other node)", resp.StatusCode)
	}
}
