package main

// The dev-server harness with the synthetic population: a server on
// SQLite with an injected clock, tools registered through the CLI, a
// browser that logs in and answers the chooser, and the relying party's
// token, introspection and refresh calls. Most capability files that
// need a represented person or the sandbox registry start one.

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
)

// repServer is a running dev server (ID-porten mock, sandbox population
// seeded into the registry) on SQLite with an injected clock.
type repServer struct {
	base  string
	cli   *cli
	clock *testClock
	pop   population.Population
	// clients counts registered tools (each gets its own sector).
	clients int
}

func startRepServer(t *testing.T, start time.Time, extra ...string) *repServer {
	t.Helper()
	c := newCLI(t)
	clock := &testClock{}
	clock.set(start)
	base := startServing(t, devArgs(t, c, "http", extra...), nil, clock.now).base
	return &repServer{base: base, cli: c, clock: clock, pop: population.Generate(start.In(representation.Oslo))}
}

func (s *repServer) pid(t *testing.T, key string) string {
	t.Helper()
	p, ok := s.pop.Lookup(key)
	if !ok {
		t.Fatalf("population has no %q", key)
	}
	return p.PID
}

// client registers a tool with the CLI and returns its relying party.
func (s *repServer) client(t *testing.T, tenant, id string, flags ...string) *relyingParty {
	t.Helper()
	// Each tool gets its own loopback host, hence its own sector
	// (OIDC Core §8.1), so pairwise subs differ between tools.
	s.clients++
	c := e2eClient{tenant: tenant, id: id, secret: rand.Text() + rand.Text(),
		redirect: fmt.Sprintf("http://127.0.0.%d:9/%s/cb", 1+s.clients, id),
		scopes:   []string{oidc.ScopeOpenID, "profile", "pid", "offline_access"}}
	args := append([]string{"clients", "create", "--tenant", tenant, "--id", id, "--secret", c.secret,
		"--redirect-uri", c.redirect, "--scope", "openid profile pid offline_access",
		"--grant-type", "authorization_code", "--grant-type", "refresh_token"}, flags...)
	s.cli.on(t).ok(args...)
	return newRelyingParty(t, s.base+"/"+tenant, c, s.clock.now)
}

// chooserForm is the parsed chooser page.
type chooserForm struct {
	action, flow, csrf string
	options            map[string]string // value -> label text
	body               string
}

var (
	reHidden = regexp.MustCompile(`<input type="hidden" name="(flow|csrf)" value="([^"]*)">`)
	reOption = regexp.MustCompile(`(?s)<input type="radio" id="(subject-\d+)" name="subject" value="([^"]*)".*?<label for="subject-\d+">(.*?)</label>`)
	reAction = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	reTags   = regexp.MustCompile(`<[^>]+>`)
)

func parseChooser(t *testing.T, body string) *chooserForm {
	t.Helper()
	f := &chooserForm{options: map[string]string{}, body: body}
	m := reAction.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form on the chooser page:\n%.3000s", body)
	}
	f.action = html.UnescapeString(m[1])
	for _, h := range reHidden.FindAllStringSubmatch(body, -1) {
		if h[1] == "flow" {
			f.flow = html.UnescapeString(h[2])
		} else {
			f.csrf = html.UnescapeString(h[2])
		}
	}
	for _, o := range reOption.FindAllStringSubmatch(body, -1) {
		f.options[html.UnescapeString(o[2])] = strings.TrimSpace(html.UnescapeString(reTags.ReplaceAllString(o[3], "")))
	}
	return f
}

// authorize runs the front channel for pid until the redirect URI (the
// code) or the chooser page (returned for the test to act on).
func (b *browser) authorize(t *testing.T, rc *relyingParty, pid string, extra ...oauth2.AuthCodeOption) (code, verifier string, chooser *chooserForm) {
	t.Helper()
	a := rc.authURL(pid, extra...)
	v, err := b.visit(a.url, rc.c.redirect)
	if err != nil {
		t.Fatal(err)
	}
	if v.final == nil {
		if v.status == http.StatusOK && strings.Contains(v.body, `name="subject"`) {
			return "", a.verifier, parseChooser(t, v.body)
		}
		t.Fatalf("neither an authorization response nor the chooser: %s", v)
	}
	q := v.final.Query()
	if q.Get("error") != "" {
		t.Fatalf("authorization error: %s: %s", q.Get("error"), q.Get("error_description"))
	}
	if q.Get("state") != a.state {
		t.Fatalf("state = %q, want %q", q.Get("state"), a.state)
	}
	return q.Get("code"), a.verifier, nil
}

// firstHop sends an authorization request and returns where the first
// response redirects, without following it.
func (b *browser) firstHop(t *testing.T, u string) *url.URL {
	t.Helper()
	resp, err := b.c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("GET %s: %d without redirect", u, resp.StatusCode)
	}
	return loc
}

// choose submits the chooser form and returns the code from the redirect.
func (b *browser) choose(t *testing.T, rc *relyingParty, f *chooserForm, subject string) (code string, status int, body string) {
	t.Helper()
	form := url.Values{"flow": {f.flow}, "csrf": {f.csrf}, "subject": {subject}}
	resp, err := b.c.PostForm(f.action, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	loc, err := resp.Location()
	if err != nil {
		return "", resp.StatusCode, string(raw)
	}
	if !strings.HasPrefix(loc.String(), rc.c.redirect) {
		t.Fatalf("chooser redirected to %s", loc)
	}
	if e := loc.Query().Get("error"); e != "" {
		t.Fatalf("authorization error after choosing: %s", e)
	}
	return loc.Query().Get("code"), resp.StatusCode, ""
}

// tokens exchanges a code, verifies the ID token with go-oidc and
// returns its claims.
func (rp *relyingParty) tokens(t *testing.T, code, verifier string) (*oauth2.Token, map[string]any) {
	t.Helper()
	tk, err := rp.exchangeE(code, verifier)
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	if tk.id == nil {
		t.Fatal("no ID token in the token response")
	}
	var claims map[string]any
	if err := tk.id.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	return tk.oauth, claims
}

// introspect asks the client's tenant about token (RFC 7662); it must
// answer.
func (rp *relyingParty) introspect(t *testing.T, token string) map[string]any {
	t.Helper()
	status, out, _ := postForm(t, rp.issuer+"/introspect", url.Values{"token": {token}}, basicAuth(rp.c.id, rp.c.secret))
	if status != http.StatusOK || len(out) == 0 {
		t.Fatalf("introspect: %d %v", status, out)
	}
	return out
}

// refresh posts a refresh_token grant and returns the status and body.
func (rp *relyingParty) refresh(t *testing.T, refreshToken string) (int, map[string]any) {
	t.Helper()
	status, body, _ := postForm(t, rp.conf.Endpoint.TokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}, basicAuth(rp.c.id, rp.c.secret))
	return status, body
}

func repClaim(t *testing.T, claims map[string]any) map[string]any {
	t.Helper()
	rep, ok := claims["representation"].(map[string]any)
	if !ok {
		t.Fatalf("no representation claim in %v", claimNames(claims))
	}
	return rep
}

const choiceSelfValue = "self"

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return a != nil && string(ja) == string(jb)
}

func claimNames(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
