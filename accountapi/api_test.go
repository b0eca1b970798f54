package accountapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/accountapi/apispec"
	"github.com/oidcp/oidcp/ratelimit"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/router"
	"github.com/oidcp/oidcp/storage"
)

// Synthetic fødselsnummer of the test persons (never real people).
const (
	kariPID  = "17458512485"
	jonasPID = "24921050034"
)

// fakeService records what the API asked and answers what the test set.
type fakeService struct {
	mu       sync.Mutex
	page     account.EventPage
	sessions []account.Session
	grants   []account.Grant
	err      error // returned by every method when set

	viewer  account.Viewer
	query   account.EventQuery
	ended   string
	revoked string
}

func (f *fakeService) Events(_ context.Context, v account.Viewer, q account.EventQuery) (account.EventPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.viewer, f.query = v, q
	return f.page, f.err
}

func (f *fakeService) Sessions(_ context.Context, v account.Viewer) ([]account.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.viewer = v
	return f.sessions, f.err
}

func (f *fakeService) EndSession(_ context.Context, v account.Viewer, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.viewer, f.ended = v, id
	return f.err
}

func (f *fakeService) Grants(_ context.Context, v account.Viewer) ([]account.Grant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.viewer = v
	return f.grants, f.err
}

func (f *fakeService) RevokeGrant(_ context.Context, v account.Viewer, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.viewer, f.revoked = v, id
	return f.err
}

var _ Service = (*fakeService)(nil)

// fakeTokens knows a few tokens; "down" cannot be checked.
type fakeTokens map[string]account.AccessToken

func (f fakeTokens) VerifyAccessToken(_ context.Context, tenant, token string) (account.AccessToken, error) {
	if token == "down" {
		return account.AccessToken{}, fmt.Errorf("verify: %w", storage.ErrUnavailable)
	}
	at, ok := f[token]
	if !ok || at.Viewer.Tenant != tenant {
		return account.AccessToken{}, account.ErrInvalidToken
	}
	return at, nil
}

var (
	kariSelf = account.Viewer{Tenant: "sandbox", Person: kariPID, Subject: kariPID, ClientID: "portal"}
	kariForJ = account.Viewer{Tenant: "sandbox", Person: kariPID, Subject: jonasPID, Relation: representation.Parent, ClientID: "portal"}
	tokens   = fakeTokens{
		"kari":       {Viewer: kariSelf, Scopes: []string{"openid", "account"}},
		"kari-for-j": {Viewer: kariForJ, Scopes: []string{"openid", "account", "offline_access"}},
		"kari-pid":   {Viewer: kariSelf, Scopes: []string{"openid", "account", "pid"}, MaySeePID: true},
		// pid granted, but to a client that may not see it (pseudonymous).
		"kari-pid-k3": {Viewer: kariSelf, Scopes: []string{"openid", "account", "pid"}},
		"kari-tool2":  {Viewer: account.Viewer{Tenant: "sandbox", Person: kariPID, Subject: kariPID, ClientID: "tool2"}, Scopes: []string{"account"}},
		"no-scope":    {Viewer: kariSelf, Scopes: []string{"openid", "profile"}},
		"other-place": {Viewer: account.Viewer{Tenant: "main", Person: kariPID, Subject: kariPID}, Scopes: []string{"account"}},
	}
)

// testPersonKey is every tenant's person id secret in the tests.
func testPersonKey(_ context.Context, tenant string) ([]byte, error) {
	return []byte("person id secret of " + tenant), nil
}

// personID is the opaque id the API gives pid in tenant to client.
func personID(t *testing.T, tenant, client, pid string) string {
	t.Helper()
	key, _ := testPersonKey(t.Context(), tenant)
	ids, err := newPersonIDs(key, tenant, client)
	if err != nil {
		t.Fatal(err)
	}
	return ids.seal(pid)
}

// env is the API mounted on a router, as cmd/oidcp mounts it, with the
// OpenAPI document checking every answer.
type env struct {
	svc  *fakeService
	srv  *httptest.Server
	spec *apispec.Spec
	// header is sent with every request (e.g. Accept-Language).
	header http.Header
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{svc: &fakeService{}}
	rt := router.New(router.Options{})
	rt.Mount(New(Config{Tenants: []string{"sandbox", "main"}, Service: e.svc, Tokens: tokens, PersonKey: testPersonKey}))
	e.srv = httptest.NewServer(rt)
	t.Cleanup(e.srv.Close)
	spec, err := apispec.Load("../docs/openapi.yaml", e.srv.URL+"/sandbox/api/v1/me", e.srv.URL+"/main/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	e.spec = spec
	return e
}

// answer is one response, read.
type answer struct {
	status int
	h      http.Header
	body   []byte
}

func (a answer) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, a.body)
	}
}

// do sends method path with the bearer token (none when ""), checks the
// headers every answer carries, and the answer against the OpenAPI
// document when the path is one of its operations (checked is false for
// the paths and methods outside it).
func (e *env) do(t *testing.T, method, path, token string, checked bool) answer {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, nil)
	for k, v := range e.header {
		req.Header[k] = v
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s %s: Cache-Control %q, want no-store", method, path, cc)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("%s %s: router's headers missing or CORS allowed: %v", method, path, resp.Header)
	}
	if checked {
		if err := e.spec.Check(req, resp.StatusCode, resp.Header, body); err != nil {
			t.Error(err)
		}
	}
	return answer{resp.StatusCode, resp.Header, body}
}

// wantProblem asserts an RFC 9457 problem of status and kind.
func wantProblem(t *testing.T, a answer, status int, kind string) problem {
	t.Helper()
	var p problem
	if a.h.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json (%d %s)", a.h.Get("Content-Type"), a.status, a.body)
	}
	a.json(t, &p)
	if a.status != status || p.Status != status || p.Type != ProblemPrefix+kind || p.Title == "" || p.Detail == "" {
		t.Fatalf("answer %d %+v, want %d %s with title and detail", a.status, p, status, kind)
	}
	return p
}

// TestAuthorization: no token, another scheme, an unknown token and one
// of another tenant get 401 with the RFC 6750 challenge; a token without
// the scope account 403 insufficient_scope; a check that cannot be made
// 503. The Service is never reached.
func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	send := func(hdr ...string) answer {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/sandbox/api/v1/me/grants", nil)
		for _, h := range hdr {
			req.Header.Add("Authorization", h)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := e.spec.Check(req, resp.StatusCode, resp.Header, body); err != nil {
			t.Error(err)
		}
		return answer{resp.StatusCode, resp.Header, body}
	}
	for _, tc := range []struct {
		name      string
		hdr       []string
		status    int
		kind, www string
	}{
		{"no token", nil, 401, "unauthorized", `Bearer scope="account"`},
		{"basic", []string{"Basic a2FyaTpwdw=="}, 401, "unauthorized", `Bearer scope="account"`},
		{"empty bearer", []string{"Bearer "}, 401, "unauthorized", `Bearer scope="account"`},
		{"not a b64token", []string{"Bearer kari kari"}, 401, "unauthorized", `Bearer scope="account"`},
		{"two headers", []string{"Bearer kari", "Bearer kari"}, 401, "unauthorized", `Bearer scope="account"`},
		{"unknown token", []string{"Bearer nope"}, 401, "invalid-token", `Bearer error="invalid_token"`},
		{"another tenant's token", []string{"Bearer other-place"}, 401, "invalid-token", `Bearer error="invalid_token"`},
		{"without the scope", []string{"Bearer no-scope"}, 403, "insufficient-scope", `Bearer error="insufficient_scope", scope="account"`},
		{"storage down", []string{"Bearer down"}, 503, "unavailable", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := send(tc.hdr...)
			wantProblem(t, a, tc.status, tc.kind)
			if www := a.h.Get("WWW-Authenticate"); !strings.HasPrefix(www, tc.www) || (tc.www == "") != (www == "") {
				t.Errorf("WWW-Authenticate %q, want %q…", www, tc.www)
			}
			if tc.status == 503 && a.h.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			if e.svc.viewer != (account.Viewer{}) {
				t.Errorf("the Service was called with %+v", e.svc.viewer)
			}
		})
	}
	// The scheme is case-insensitive (RFC 9110 §11.1).
	if a := send("bearer kari"); a.status != 200 {
		t.Errorf("lower-case bearer: %d %s", a.status, a.body)
	}
}

// TestLists: each list answers its items under its plural key with next,
// empty lists as [] (never null), and the viewer of the token (acting for
// the child when the token carries that representation) reaches the
// Service.
func TestLists(t *testing.T) {
	e := newEnv(t)
	at := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	kari := account.Party{ID: kariPID, Name: "Kari Nordmann"}
	jonas := account.Party{ID: jonasPID, Name: "Jonas Nordmann"}
	tool := account.Party{ID: "measure", Name: "Målearkiv"}
	e.svc.page = account.EventPage{Events: []account.Event{
		{ID: "e2", Time: at.Add(time.Hour), Kind: "consent_given", Client: tool, Subject: jonas, Actor: kari, Relation: "parent"},
		{ID: "e1", Time: at, Kind: "login", Client: tool, Subject: jonas, Actor: jonas, SelfUse: true},
	}, Next: "cursor-2"}
	e.svc.sessions = []account.Session{{ID: "s1", Device: "Chrome på Windows", UserAgent: "Mozilla/5.0 secret-ish", CreatedAt: at, LastSeenAt: at, Clients: []account.Party{tool}, Current: true}}
	e.svc.grants = []account.Grant{{ID: "g1", Client: tool, Vendor: "Acme AS", Scopes: []string{"health:measurements"}, Subject: jonas, Actor: kari, Relation: "parent", CreatedAt: at}}

	var events struct {
		Events []account.Event `json:"events"`
		Next   *string         `json:"next"`
	}
	a := e.do(t, "GET", "/sandbox/api/v1/me/events", "kari-for-j", true)
	a.json(t, &events)
	kariOut := account.Party{ID: personID(t, "sandbox", "portal", kariPID), Name: kari.Name}
	jonasOut := account.Party{ID: personID(t, "sandbox", "portal", jonasPID), Name: jonas.Name}
	if a.status != 200 || a.h.Get("Content-Type") != "application/json" || len(events.Events) != 2 || events.Events[0].ID != "e2" || !reflect.DeepEqual(events.Events[0].Actor, kariOut) || !reflect.DeepEqual(events.Events[1].Subject, jonasOut) || !reflect.DeepEqual(events.Events[0].Client, tool) || events.Next == nil || *events.Next != "cursor-2" {
		t.Fatalf("events: %d %s", a.status, a.body)
	}
	if e.svc.viewer != kariForJ {
		t.Errorf("the Service saw %+v, want Kari acting for Jonas", e.svc.viewer)
	}

	var sessions map[string]any
	a = e.do(t, "GET", "/sandbox/api/v1/me/sessions", "kari", true)
	a.json(t, &sessions)
	if ss, _ := sessions["sessions"].([]any); a.status != 200 || len(ss) != 1 || sessions["next"] != "" || strings.Contains(string(a.body), "secret-ish") {
		t.Fatalf("sessions: %d %s", a.status, a.body)
	}
	if e.svc.viewer != kariSelf {
		t.Errorf("the Service saw %+v, want Kari herself", e.svc.viewer)
	}

	var grants map[string]any
	a = e.do(t, "GET", "/sandbox/api/v1/me/grants", "kari-for-j", true)
	a.json(t, &grants)
	if gs, _ := grants["grants"].([]any); a.status != 200 || len(gs) != 1 || grants["next"] != "" || gs[0].(map[string]any)["id"] != "g1" {
		t.Fatalf("grants: %d %s", a.status, a.body)
	}

	// Nothing to show: [] and "".
	e.svc.page, e.svc.sessions, e.svc.grants = account.EventPage{}, nil, nil
	for _, list := range []string{"events", "sessions", "grants"} {
		a := e.do(t, "GET", "/sandbox/api/v1/me/"+list, "kari", true)
		if want := `{"` + list + `":[],"next":""}`; strings.TrimSpace(string(a.body)) != want {
			t.Errorf("empty %s: %s, want %s", list, a.body, want)
		}
	}
}

// TestToolNamesInLanguage: every list names a tool in the language
// Accept-Language asks for (client_name#en, #nn; bokmål by default),
// says which in Content-Language, and a tool deleted since keeps only
// its id.
func TestToolNamesInLanguage(t *testing.T) {
	e := newEnv(t)
	at := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	tool := account.Party{ID: "measure", Name: "Measure", Names: map[string]string{"nb": "Målearkivet", "nn": "Målearkiv", "en": "Measurement archive"}}
	gone := account.Party{ID: "old-tool", Deleted: true}
	kari := account.Party{ID: kariPID, Name: "Kari Nordmann"}
	e.svc.page = account.EventPage{Events: []account.Event{
		{ID: "e2", Time: at.Add(time.Hour), Kind: "login", Client: gone, Subject: kari, Actor: kari, SelfUse: true},
		{ID: "e1", Time: at, Kind: "handoff_issued", Client: tool, Via: &tool, Subject: kari, Actor: kari, SelfUse: true},
	}}
	e.svc.sessions = []account.Session{{ID: "s1", Device: "x", CreatedAt: at, LastSeenAt: at, Clients: []account.Party{tool, gone}}}
	e.svc.grants = []account.Grant{{ID: "g1", Client: tool, Scopes: []string{"health:measurements"}, Subject: kari, Actor: kari, CreatedAt: at}}
	for _, tc := range []struct{ accept, lang, want string }{
		{"", "nb", "Målearkivet"},
		{"nn-NO, en;q=0.5", "nn", "Målearkiv"},
		{"en", "en", "Measurement archive"},
	} {
		e.header = http.Header{}
		if tc.accept != "" {
			e.header.Set("Accept-Language", tc.accept)
		}
		var events struct{ Events []account.Event }
		a := e.do(t, "GET", "/sandbox/api/v1/me/events", "kari", true)
		a.json(t, &events)
		if a.h.Get("Content-Language") != tc.lang || len(events.Events) != 2 ||
			!reflect.DeepEqual(events.Events[0].Client, account.Party{ID: "old-tool"}) ||
			events.Events[1].Client.Name != tc.want || events.Events[1].Via == nil || events.Events[1].Via.Name != tc.want {
			t.Errorf("events, Accept-Language %q: %s %s, want %q", tc.accept, a.h.Get("Content-Language"), a.body, tc.want)
		}
		var sessions struct{ Sessions []account.Session }
		a = e.do(t, "GET", "/sandbox/api/v1/me/sessions", "kari", true)
		a.json(t, &sessions)
		if a.h.Get("Content-Language") != tc.lang || len(sessions.Sessions) != 1 ||
			!reflect.DeepEqual(sessions.Sessions[0].Clients, []account.Party{{ID: "measure", Name: tc.want}, {ID: "old-tool"}}) {
			t.Errorf("sessions, Accept-Language %q: %s %s, want %q", tc.accept, a.h.Get("Content-Language"), a.body, tc.want)
		}
		var grants struct{ Grants []account.Grant }
		a = e.do(t, "GET", "/sandbox/api/v1/me/grants", "kari", true)
		a.json(t, &grants)
		if a.h.Get("Content-Language") != tc.lang || len(grants.Grants) != 1 || grants.Grants[0].Client.Name != tc.want {
			t.Errorf("grants, Accept-Language %q: %s %s, want %q", tc.accept, a.h.Get("Content-Language"), a.body, tc.want)
		}
	}
}

// TestEventFilters: the query parameters reach the Service as an
// EventQuery (dates in Europe/Oslo, until a date through its end, the
// cursor passed through unchanged); a bad one is a 400 problem naming it
// and never reaches the Service.
func TestEventFilters(t *testing.T) {
	e := newEnv(t)
	oslo := representation.Oslo
	for _, tc := range []struct {
		query string
		want  account.EventQuery
	}{
		{"", account.EventQuery{}},
		{"since=2026-01-05&until=2026-01-05", account.EventQuery{
			Since: time.Date(2026, 1, 5, 0, 0, 0, 0, oslo), Until: time.Date(2026, 1, 6, 0, 0, 0, 0, oslo)}},
		{"since=2026-07-01T08:00:00%2B02:00&until=2026-07-01T09:30:00Z", account.EventQuery{
			Since: time.Date(2026, 7, 1, 6, 0, 0, 0, time.UTC), Until: time.Date(2026, 7, 1, 9, 30, 0, 0, time.UTC)}},
		{"client_id=measure&who=self&limit=200", account.EventQuery{ClientID: "measure", Who: "self", Limit: 200}},
		{"who=" + personID(t, "sandbox", "portal", kariPID) + "&cursor=opaque%2Bcursor%3D%3D&limit=1", account.EventQuery{Who: kariPID, Cursor: "opaque+cursor==", Limit: 1}},
	} {
		e.svc.query = account.EventQuery{Limit: -1}
		a := e.do(t, "GET", "/sandbox/api/v1/me/events?"+tc.query, "kari", true)
		got := e.svc.query
		if a.status != 200 || !got.Since.Equal(tc.want.Since) || !got.Until.Equal(tc.want.Until) || got.ClientID != tc.want.ClientID || got.Who != tc.want.Who || got.Cursor != tc.want.Cursor || got.Limit != tc.want.Limit {
			t.Errorf("?%s: %d, Service got %+v, want %+v", tc.query, a.status, got, tc.want)
		}
	}

	for _, tc := range []struct{ query, mention string }{
		{"since=2026-13-01", "since"},
		{"since=yesterday", "since"},
		{"until=2026-02-30", "until"},
		{"until=2026-01-05T25:00:00Z", "until"},
		{"since=2026-01-06&until=2026-01-05", "must be before"},
		{"since=2026-01-05T10:00:00Z&until=2026-01-05T10:00:00Z", "must be before"},
		{"limit=0", "limit"},
		{"limit=201", "limit"},
		{"limit=ten", "limit"},
		{"from=2026-01-01", `unknown query parameter "from"`},
		{"who=self&who=" + kariPID, "given 2 times"},
		// A fødselsnummer is never taken in a URL, nor another client's
		// or tenant's id, nor a changed one.
		{"who=" + kariPID, "who is neither"},
		{"who=" + personID(t, "sandbox", "tool2", kariPID), "who is neither"},
		{"who=" + personID(t, "main", "portal", kariPID), "who is neither"},
		{"who=" + flipLast(personID(t, "sandbox", "portal", kariPID)), "who is neither"},
		{"cursor=" + strings.Repeat("x", 600), "cursor is longer"},
	} {
		e.svc.query = account.EventQuery{Cursor: "untouched"}
		a := e.do(t, "GET", "/sandbox/api/v1/me/events?"+tc.query, "kari", true)
		if p := wantProblem(t, a, 400, "invalid-request"); !strings.Contains(p.Detail, tc.mention) {
			t.Errorf("?%.60s: detail %q does not mention %q", tc.query, p.Detail, tc.mention)
		}
		if e.svc.query.Cursor != "untouched" {
			t.Errorf("?%.60s reached the Service", tc.query)
		}
	}
	// The lists returned whole take no parameters.
	for _, list := range []string{"sessions", "grants"} {
		wantProblem(t, e.do(t, "GET", "/sandbox/api/v1/me/"+list+"?cursor=x", "kari", true), 400, "invalid-request")
	}
}

// TestServiceErrors: each error of the Service maps to its status, as a
// problem; ErrInvalid's own words reach the caller.
func TestServiceErrors(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		err    error
		status int
		kind   string
	}{
		{fmt.Errorf("cursor from another filter: %w", account.ErrInvalid), 400, "invalid-request"},
		{account.ErrForbidden, 403, "forbidden"},
		{account.ErrNotFound, 404, "not-found"},
		{fmt.Errorf("list grants: %w", storage.ErrUnavailable), 503, "unavailable"},
		{errors.New("a bug"), 500, "server-error"},
	} {
		e.svc.err = tc.err
		for _, op := range []struct{ method, path string }{
			{"GET", "/sandbox/api/v1/me/events?cursor=c1"},
			{"GET", "/sandbox/api/v1/me/sessions"},
			{"DELETE", "/sandbox/api/v1/me/sessions/s1"},
			{"GET", "/sandbox/api/v1/me/grants"},
			{"DELETE", "/sandbox/api/v1/me/grants/g1"},
		} {
			if tc.status == 404 && op.method == "GET" {
				continue // a list is never "not found"; the document has no 404 for it
			}
			a := e.do(t, op.method, op.path, "kari-for-j", true)
			p := wantProblem(t, a, tc.status, tc.kind)
			if tc.status == 503 && a.h.Get("Retry-After") == "" {
				t.Errorf("%s %s: 503 without Retry-After", op.method, op.path)
			}
			if tc.status == 400 && p.Detail != "cursor from another filter" {
				t.Errorf("detail %q, want the Service's words", p.Detail)
			}
			if tc.status == 500 && strings.Contains(p.Detail, "a bug") {
				t.Errorf("an internal error's text reached the caller: %q", p.Detail)
			}
		}
	}
}

// TestDelete: ending a session and withdrawing a grant answer 204 with no
// body, for the id in the path and the token's viewer.
func TestDelete(t *testing.T) {
	e := newEnv(t)
	a := e.do(t, "DELETE", "/sandbox/api/v1/me/sessions/s-1", "kari", true)
	if a.status != 204 || len(a.body) != 0 || e.svc.ended != "s-1" || e.svc.viewer != kariSelf {
		t.Fatalf("end session: %d %q, ended %q by %+v", a.status, a.body, e.svc.ended, e.svc.viewer)
	}
	a = e.do(t, "DELETE", "/sandbox/api/v1/me/grants/g-7", "kari-for-j", true)
	if a.status != 204 || len(a.body) != 0 || e.svc.revoked != "g-7" || e.svc.viewer != kariForJ {
		t.Fatalf("revoke grant: %d %q, revoked %q by %+v", a.status, a.body, e.svc.revoked, e.svc.viewer)
	}
}

// TestUnrouted: another method on an operation's path is 405 with Allow,
// another path under the prefix 404, both as problems.
func TestUnrouted(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"POST", "/sandbox/api/v1/me/events", 405, "GET, HEAD"},
		{"DELETE", "/sandbox/api/v1/me/grants", 405, "GET, HEAD"},
		{"GET", "/sandbox/api/v1/me/grants/g1", 405, "DELETE"},
		{"PUT", "/main/api/v1/me/sessions/s1", 405, "DELETE"},
		{"GET", "/sandbox/api/v1/me/profile", 404, ""},
		{"DELETE", "/sandbox/api/v1/me/grants/", 404, ""},
		{"GET", "/sandbox/api/v1/me/", 404, ""},
	} {
		a := e.do(t, tc.method, tc.path, "kari", false)
		kind := map[int]string{404: "not-found", 405: "method-not-allowed"}[tc.status]
		wantProblem(t, a, tc.status, kind)
		if a.h.Get("Allow") != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, a.h.Get("Allow"), tc.allow)
		}
	}
}

// memCounter is a shared rate counter in memory.
type memCounter struct {
	mu sync.Mutex
	n  map[string]int64
}

func (c *memCounter) AddHits(_ context.Context, key string, _, _ time.Time, n int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[key] += n
	return c.n[key], nil
}

// TestRateLimit: past the per-source limit a request gets 429 with
// Retry-After as a problem, before its token is looked up; another
// source address is not affected.
func TestRateLimit(t *testing.T) {
	svc := &fakeService{}
	lim := ratelimit.New(&memCounter{n: map[string]int64{}}, time.Now)
	api := New(Config{Tenants: []string{"sandbox"}, Service: svc, Tokens: tokens, PersonKey: testPersonKey,
		Limit: &RateLimit{Limiter: lim, Rule: ratelimit.Rule{Name: "account-api-source", Limit: 2, Window: time.Minute}}})
	rt := router.New(router.Options{})
	rt.Mount(api)
	spec, err := apispec.Load("../docs/openapi.yaml", "http://oidcp.test/sandbox/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	call := func(from string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "http://oidcp.test/sandbox/api/v1/me/grants", nil)
		req.RemoteAddr = from + ":40000"
		req.Header.Set("Authorization", "Bearer kari")
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, req)
		if err := spec.Check(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Error(err)
		}
		return rec
	}
	for i := range 2 {
		if rec := call("192.0.2.1"); rec.Code != 200 {
			t.Fatalf("request %d: %d", i+1, rec.Code)
		}
	}
	svc.viewer = account.Viewer{}
	rec := call("192.0.2.1")
	wantProblem(t, answer{rec.Code, rec.Header(), rec.Body.Bytes()}, 429, "too-many-requests")
	if ra := rec.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	if svc.viewer != (account.Viewer{}) {
		t.Error("a request over the limit reached the Service")
	}
	if rec := call("192.0.2.2"); rec.Code != 200 {
		t.Fatalf("another source: %d", rec.Code)
	}
}

// flipLast changes the last character of a base64url id.
func flipLast(id string) string {
	if strings.HasSuffix(id, "A") {
		return id[:len(id)-1] + "Q"
	}
	return id[:len(id)-1] + "A"
}

// TestNoPIDWithoutScope: persons are named by an opaque id, stable for
// a (tenant, client), different for another client; no fødselsnummer
// appears in any answer unless the token carries the scope pid and its
// client may see it (claims.ShowsPID), and then only as pid beside the
// opaque id. Security review of issue 12, finding 2.
func TestNoPIDWithoutScope(t *testing.T) {
	e := newEnv(t)
	at := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	kari := account.Party{ID: kariPID, Name: "Kari Nordmann"}
	jonas := account.Party{ID: jonasPID, Name: "Jonas Nordmann"}
	tool := account.Party{ID: "measure", Name: "Målearkiv"}
	e.svc.page = account.EventPage{Events: []account.Event{
		{ID: "e1", Time: at, Kind: "consent_given", Client: tool, Subject: jonas, Actor: kari, Relation: "parent"},
	}}
	e.svc.sessions = []account.Session{{ID: "s1", Device: "iPhone", CreatedAt: at, LastSeenAt: at, Clients: []account.Party{tool}, Subject: kari, Actor: kari}}
	e.svc.grants = []account.Grant{{ID: "g1", Client: tool, Scopes: []string{"health:measurements"}, Subject: jonas, Actor: kari, Relation: "parent", CreatedAt: at}}

	ids := map[string]map[string]bool{} // token → opaque ids seen
	for _, token := range []string{"kari", "kari-pid-k3", "kari-tool2", "kari-pid"} {
		ids[token] = map[string]bool{}
		for _, list := range []string{"events", "sessions", "grants"} {
			a := e.do(t, "GET", "/sandbox/api/v1/me/"+list, token, true)
			if a.status != 200 {
				t.Fatalf("%s %s: %d %s", token, list, a.status, a.body)
			}
			var body map[string][]map[string]any
			_ = json.Unmarshal(a.body, &body)
			for _, item := range body[list] {
				for _, role := range []string{"subject", "actor"} {
					p, _ := item[role].(map[string]any)
					id, _ := p["id"].(string)
					if len(id) != 22 || id == kariPID || id == jonasPID {
						t.Errorf("%s %s: %s id %q is not an opaque id", token, list, role, id)
					}
					ids[token][id] = true
					if pid, ok := p["pid"]; ok != (token == "kari-pid") || ok && pid != kariPID && pid != jonasPID {
						t.Errorf("%s %s: %s pid %v (present %v)", token, list, role, pid, ok)
					}
				}
			}
			if token != "kari-pid" && (strings.Contains(string(a.body), kariPID) || strings.Contains(string(a.body), jonasPID)) {
				t.Errorf("%s %s: a fødselsnummer in the answer: %s", token, list, a.body)
			}
		}
	}
	want := map[string]bool{personID(t, "sandbox", "portal", kariPID): true, personID(t, "sandbox", "portal", jonasPID): true}
	for _, token := range []string{"kari", "kari-pid", "kari-pid-k3"} {
		if len(ids[token]) != 2 || !ids[token][personID(t, "sandbox", "portal", kariPID)] || !ids[token][personID(t, "sandbox", "portal", jonasPID)] {
			t.Errorf("%s: ids %v, want the same two, stable across lists: %v", token, ids[token], want)
		}
	}
	for id := range ids["kari-tool2"] {
		if want[id] {
			t.Errorf("another client got the same id %q for a person: tools could correlate", id)
		}
	}
}

// TestPersonIDs: an id opens to its pid under the same key only; a
// changed, truncated or non-canonical one, or one of another client,
// does not.
func TestPersonIDs(t *testing.T) {
	ids, err := newPersonIDs([]byte("k"), "sandbox", "portal")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := newPersonIDs([]byte("k"), "sandbox", "tool2")
	id := ids.seal(kariPID)
	if pid, err := ids.open(id); err != nil || pid != kariPID || ids.seal(kariPID) != id {
		t.Fatalf("open(seal) = %q, %v", pid, err)
	}
	if ids.seal("") != "" || ids.seal("123") != "" {
		t.Error("seal of nobody or a non-pid is not empty")
	}
	for name, bad := range map[string]string{
		"another client's": other.seal(kariPID), "changed": flipLast(id), "truncated": id[:21],
		"padded": id + "=", "a pid": kariPID, "empty": "", "not base64": strings.Repeat("*", 22),
		"an invalid number": ids.seal("12345678901"),
	} {
		if pid, err := ids.open(bad); err == nil {
			t.Errorf("%s id %q opened to %q", name, bad, pid)
		}
	}
}

// TestSessionsDeviceLanguage: a session's device is in words in the
// language the caller's Accept-Language asks for (nb by default), and the
// answer says which.
func TestSessionsDeviceLanguage(t *testing.T) {
	e := newEnv(t)
	at := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	const chromeWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	e.svc.sessions = []account.Session{
		{ID: "s1", Device: "Chrome på Windows", UserAgent: chromeWindows, CreatedAt: at, LastSeenAt: at, Clients: []account.Party{}},
		{ID: "s2", Device: "Ukjent enhet", CreatedAt: at, LastSeenAt: at, Clients: []account.Party{}},
	}
	for _, c := range []struct{ accept, lang, device, unknown string }{
		{"", "nb", "Chrome på Windows", "Ukjent enhet"},
		{"en-GB,en;q=0.9", "en", "Chrome on Windows", "Unknown device"},
		{"nn-NO", "nn", "Chrome på Windows", "Ukjend eining"},
		{"de", "nb", "Chrome på Windows", "Ukjent enhet"},
	} {
		e.header = http.Header{}
		if c.accept != "" {
			e.header.Set("Accept-Language", c.accept)
		}
		var got struct {
			Sessions []struct {
				Device string `json:"device"`
			} `json:"sessions"`
		}
		a := e.do(t, "GET", "/sandbox/api/v1/me/sessions", "kari", true)
		a.json(t, &got)
		if len(got.Sessions) != 2 || got.Sessions[0].Device != c.device || got.Sessions[1].Device != c.unknown {
			t.Errorf("Accept-Language %q: %s", c.accept, a.body)
		}
		if a.h.Get("Content-Language") != c.lang || !strings.Contains(a.h.Get("Vary"), "Accept-Language") {
			t.Errorf("Accept-Language %q: Content-Language %q, Vary %q", c.accept, a.h.Get("Content-Language"), a.h.Get("Vary"))
		}
	}
}
