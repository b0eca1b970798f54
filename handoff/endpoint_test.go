package handoff

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/oautherr"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// fakeAuth authenticates Basic credentials "id:secret-of-id".
type fakeAuth struct{}

func (fakeAuth) AuthenticateClient(_ context.Context, _ string, r *http.Request, form url.Values) (string, error) {
	if form.Has("client_id") {
		return "", oautherr.InvalidRequest.WithDescription("the form still names a client")
	}
	id, secret, ok := r.BasicAuth()
	if !ok || secret != "secret-of-"+id {
		return "", (&oautherr.Error{Code: "invalid_client", Status: http.StatusUnauthorized}).WithDescription("bad credentials")
	}
	return id, nil
}

// fakeTokens knows tokens by name.
type fakeTokens map[string]account.Viewer

func (f fakeTokens) VerifyAccessToken(_ context.Context, tenant, token string) (account.AccessToken, error) {
	v, ok := f[token]
	if !ok || tenant != "main" {
		return account.AccessToken{}, account.ErrInvalidToken
	}
	return account.AccessToken{Viewer: v}, nil
}

type fakeClients map[string]storage.Client

func (f fakeClients) GetClient(_ context.Context, tenant, id string) (storage.Client, error) {
	c, ok := f[id]
	if !ok || tenant != "main" {
		return c, storage.ErrNotFound
	}
	return c, nil
}

type endpointEnv struct {
	st  storage.Storage
	srv *httptest.Server
}

func newEndpointEnv(t *testing.T) *endpointEnv {
	st := newStore(t)
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	kariForJonas := account.Viewer{Tenant: "main", Person: pidKari, Subject: pidJonas, Relation: representation.Parent, ClientID: "portal", SessionChain: "chain-1"}
	kariSelf := account.Viewer{Tenant: "main", Person: pidKari, Subject: pidKari, ClientID: "portal", SessionChain: "chain-1"}
	otherClients := kariSelf
	otherClients.ClientID = "tool"
	ep := NewEndpoint(EndpointConfig{
		Tenant: "main", Issuer: "https://op.example/main", Auth: fakeAuth{},
		Tokens: fakeTokens{"at-for-jonas": kariForJonas, "at-self": kariSelf, "at-of-tool": otherClients},
		Clients: fakeClients{
			"portal":   {ID: "portal", Name: "Portalen", HandoffPortal: true},
			"tool":     {ID: "tool", Name: "Verktøyet", InitiateLoginURI: "https://tool.example/initiate?v=1", LaunchURIs: []string{"https://tool.example/"}, AcceptedRelations: []string{"parent"}},
			"selfonly": {ID: "selfonly", InitiateLoginURI: "https://self.example/initiate", LaunchURIs: []string{"https://self.example/"}},
			"nolaunch": {ID: "nolaunch", LaunchURIs: []string{"https://x.example/"}},
		},
		Tickets: NewTickets(st, clk.now, nil),
	})
	srv := httptest.NewServer(ep)
	t.Cleanup(srv.Close)
	return &endpointEnv{st: st, srv: srv}
}

// post calls /handoff as client id (HTTP Basic; none when "") with the
// citizen's token (none when ""): in the form when Basic takes the
// Authorization header (RFC 6750 §2.2), else as Bearer. It returns the
// status and the JSON answer.
func (e *endpointEnv) post(t *testing.T, id, token string, form url.Values) (int, map[string]any) {
	t.Helper()
	form = cloneValues(form)
	if token != "" && id != "" {
		form.Set("access_token", token)
	}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	switch {
	case id != "":
		req.SetBasicAuth(id, "secret-of-"+id)
	case token != "":
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func target(id, link string) url.Values {
	return url.Values{"client_id": {id}, "target_link_uri": {link}}
}

// TestEndpointIssues: the portal gets the tool's initiate_login_uri with
// iss, target_link_uri and a ticket that redeems for the tool with Kari
// acting for Jonas; the usage log says the tool was opened from the
// portal.
func TestEndpointIssues(t *testing.T) {
	e := newEndpointEnv(t)
	code, out := e.post(t, "portal", "at-for-jonas", target("tool", "https://tool.example/"))
	if code != http.StatusOK {
		t.Fatalf("handoff: %d %v", code, out)
	}
	u, err := url.Parse(out["url"].(string))
	if err != nil || u.Host != "tool.example" || u.Path != "/initiate" {
		t.Fatalf("url %v (%v)", out["url"], err)
	}
	q := u.Query()
	if q.Get("v") != "1" || q.Get("iss") != "https://op.example/main" || q.Get("target_link_uri") != "https://tool.example/" || !IsTicket(q.Get("login_hint")) || out["expires_in"] != float64(60) {
		t.Fatalf("query %v, answer %v", q, out)
	}
	tk := NewTickets(e.st, func() time.Time { return time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC) }, nil)
	g, err := tk.Redeem(t.Context(), Redemption{Tenant: "main", Ticket: q.Get("login_hint"), ClientID: "tool", SessionChain: "chain-1", Holder: pidKari})
	if err != nil || g.ActingFor != pidJonas || g.Relation != "parent" || g.PortalClientID != "portal" {
		t.Fatalf("redeem: %+v %v", g, err)
	}
	es := events(t, e.st, audit.HandoffIssued)
	if len(es) != 1 || es[0].ClientID != "tool" || es[0].Actor != pidKari || es[0].Subject != pidJonas ||
		!strings.Contains(string(es[0].Detail), `"portal_client_id":"portal"`) || !strings.Contains(string(es[0].Detail), `"target_client_id":"tool"`) {
		t.Fatalf("issued events: %+v", es)
	}

	// A tool that accepts no relation opens while acting for oneself.
	if code, out = e.post(t, "portal", "at-self", target("selfonly", "https://self.example/")); code != http.StatusOK {
		t.Fatalf("for oneself: %d %v", code, out)
	}
}

// TestEndpointRefuses: every refusal of /handoff, with its error code.
func TestEndpointRefuses(t *testing.T) {
	e := newEndpointEnv(t)
	ok := target("tool", "https://tool.example/")
	for _, tc := range []struct {
		name       string
		client, at string
		form       url.Values
		status     int
		code       string
	}{
		{"no client authentication", "", "at-for-jonas", ok, http.StatusUnauthorized, "invalid_client"},
		{"a non-portal client", "tool", "at-of-tool", ok, http.StatusBadRequest, "unauthorized_client"},
		{"missing token", "portal", "", ok, http.StatusBadRequest, "invalid_request"},
		{"unknown token", "portal", "garbage", ok, http.StatusUnauthorized, "invalid_token"},
		{"token of another client", "portal", "at-of-tool", ok, http.StatusUnauthorized, "invalid_token"},
		{"unregistered target_link_uri", "portal", "at-for-jonas", target("tool", "https://tool.example/other"), http.StatusBadRequest, "invalid_target"},
		{"target_link_uri differing in case", "portal", "at-for-jonas", target("tool", "https://TOOL.example/"), http.StatusBadRequest, "invalid_target"},
		{"unknown tool", "portal", "at-for-jonas", target("nobody", "https://tool.example/"), http.StatusBadRequest, "invalid_target"},
		{"tool without initiate_login_uri", "portal", "at-for-jonas", target("nolaunch", "https://x.example/"), http.StatusBadRequest, "invalid_target"},
		{"relation the tool does not accept", "portal", "at-for-jonas", target("selfonly", "https://self.example/"), http.StatusBadRequest, "invalid_target"},
		{"no target", "portal", "at-for-jonas", url.Values{"target_link_uri": {"https://tool.example/"}}, http.StatusBadRequest, "invalid_request"},
		{"client_secret_post", "portal", "at-for-jonas", url.Values{"client_id": {"tool"}, "target_link_uri": {"https://tool.example/"}, "client_secret": {"x"}}, http.StatusBadRequest, "invalid_request"},
	} {
		code, out := e.post(t, tc.client, tc.at, tc.form)
		if code != tc.status || out["error"] != tc.code || out["error_description"] == "" {
			t.Errorf("%s: %d %v, want %d %s", tc.name, code, out, tc.status, tc.code)
		}
	}
	if es := events(t, e.st, audit.HandoffIssued); len(es) != 0 {
		t.Errorf("refused hand-offs logged as issued: %+v", es)
	}
}
