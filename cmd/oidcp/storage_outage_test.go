package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/storage"
)

// outageStore is a storage.Storage whose request-path methods fail as a
// backend does when its database is unreachable (storage.ErrUnavailable
// around a connection error), while down is set. With sessionsOnly, only
// the login-session methods fail.
type outageStore struct {
	storage.Storage
	down, sessionsOnly atomic.Bool
}

var errConnRefused = fmt.Errorf("postgres: get: %w (dial tcp 127.0.0.1:5432: connect: connection refused)", storage.ErrUnavailable)

func (s *outageStore) fail(session bool) error {
	if s.down.Load() && (session || !s.sessionsOnly.Load()) {
		return errConnRefused
	}
	return nil
}

func (s *outageStore) BeginTx(ctx context.Context) (context.Context, error) {
	if err := s.fail(false); err != nil {
		return ctx, err
	}
	return s.Storage.BeginTx(ctx)
}

func (s *outageStore) GetClient(ctx context.Context, tenant, id string) (storage.Client, error) {
	if err := s.fail(false); err != nil {
		return storage.Client{}, err
	}
	return s.Storage.GetClient(ctx, tenant, id)
}

func (s *outageStore) CreateToken(ctx context.Context, t storage.TokenRecord) error {
	if err := s.fail(false); err != nil {
		return err
	}
	return s.Storage.CreateToken(ctx, t)
}

func (s *outageStore) GetToken(ctx context.Context, tenant string, kind storage.TokenKind, sig string) (storage.TokenRecord, error) {
	if err := s.fail(false); err != nil {
		return storage.TokenRecord{}, err
	}
	return s.Storage.GetToken(ctx, tenant, kind, sig)
}

func (s *outageStore) DeactivateToken(ctx context.Context, tenant string, kind storage.TokenKind, sig string) error {
	if err := s.fail(false); err != nil {
		return err
	}
	return s.Storage.DeactivateToken(ctx, tenant, kind, sig)
}

func (s *outageStore) RevokeByRequest(ctx context.Context, tenant, requestID string, kinds ...storage.TokenKind) (int64, error) {
	if err := s.fail(false); err != nil {
		return 0, err
	}
	return s.Storage.RevokeByRequest(ctx, tenant, requestID, kinds...)
}

func (s *outageStore) CreateFlow(ctx context.Context, f storage.Flow) error {
	if err := s.fail(false); err != nil {
		return err
	}
	return s.Storage.CreateFlow(ctx, f)
}

func (s *outageStore) TakeFlow(ctx context.Context, id, purpose string) (storage.Flow, error) {
	if err := s.fail(false); err != nil {
		return storage.Flow{}, err
	}
	return s.Storage.TakeFlow(ctx, id, purpose)
}

func (s *outageStore) GetSession(ctx context.Context, id string) (storage.LoginSession, error) {
	if err := s.fail(true); err != nil {
		return storage.LoginSession{}, err
	}
	return s.Storage.GetSession(ctx, id)
}

func (s *outageStore) CreateSession(ctx context.Context, ls storage.LoginSession) error {
	if err := s.fail(true); err != nil {
		return err
	}
	return s.Storage.CreateSession(ctx, ls)
}

func (s *outageStore) TouchSession(ctx context.Context, id string, at time.Time) error {
	if err := s.fail(true); err != nil {
		return err
	}
	return s.Storage.TouchSession(ctx, id, at)
}

func (s *outageStore) EndSession(ctx context.Context, id string, at time.Time) error {
	if err := s.fail(true); err != nil {
		return err
	}
	return s.Storage.EndSession(ctx, id, at)
}

// TestStorageOutageAnswers503: while storage is unreachable, every
// endpoint answers 503 with Retry-After and temporarily_unavailable;
// nothing reads as an unknown client, an expired login, a logged-out
// person or an inactive token. When storage returns, the tokens issued
// before work again.
func TestStorageOutageAnswers503(t *testing.T) {
	e := newE2EEnv(t, e2eBackends()[0]) // SQLite
	ctx := context.Background()
	inner, err := openStore(ctx, e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inner.Close() }) // after serve has stopped
	st := &outageStore{Storage: inner}
	srv := startServingWith(t, devArgs(t, e.cli, "http", "--kek", e.kek), nil, e.clock.now, serveHooks{store: st})
	e.base, e.admin, e.logs = srv.base, srv.admin, srv.logs
	c := e.register(t, "main", "tool")
	rp := e.rp(t, c)

	// Before the outage: a logged-in browser with tokens, and a second
	// browser back from the eID, about to enter /callback.
	b := newBrowser()
	tk := rp.login(t, b, e.kari)
	half := newBrowser()
	v, err := half.visit(rp.authURL(e.ola).url, e.issuer("main")+"/callback")
	if err != nil || v.final == nil {
		t.Fatalf("login up to the callback: %v %v", err, v)
	}

	want503 := func(t *testing.T, what string, status int, h http.Header, body string) {
		t.Helper()
		if status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || !strings.Contains(body, "temporarily_unavailable") {
			t.Errorf("%s: %d Retry-After=%q, want 503 temporarily_unavailable with Retry-After:\n%.400s", what, status, h.Get("Retry-After"), body)
		}
	}
	get := func(bw *browser, u string) (int, http.Header, string) {
		resp, err := bw.c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(body)
	}
	post := func(endpoint string, form url.Values, auth clientAuth) (int, http.Header, string) {
		status, m, h := postForm(t, e.issuer("main")+endpoint, form, auth)
		return status, h, fmt.Sprint(m)
	}
	auth := basicAuth(c.id, c.secret)

	t.Run("SessionsDown", func(t *testing.T) {
		// The client is cached, the session lookup fails: prompt=none
		// must not answer login_required (nobody logged in).
		st.sessionsOnly.Store(true)
		st.down.Store(true)
		defer st.down.Store(false)
		defer st.sessionsOnly.Store(false)
		v, err := b.visit(rp.authURL("", oauth2.SetAuthURLParam("prompt", "none")).url, c.redirect)
		if err != nil || v.final == nil {
			t.Fatalf("prompt=none: %v %v", err, v)
		}
		if got := v.final.Query().Get("error"); got != "temporarily_unavailable" {
			t.Errorf("prompt=none with the session store down: error=%q, want temporarily_unavailable (%s)", got, v.final)
		}
	})

	st.down.Store(true)
	e.clock.advance(10 * time.Second) // past the client cache
	t.Run("AllDown", func(t *testing.T) {
		s, h, body := get(newBrowser(), rp.authURL(e.kari).url)
		want503(t, "/authorize", s, h, body)
		s, h, body = get(b, rp.authURL(e.kari).url)
		want503(t, "/authorize with a session", s, h, body)
		s, h, body = get(half, v.final.String())
		want503(t, "/callback", s, h, body)
		s, h, body = get(b, e.issuer("main")+"/logout")
		want503(t, "/logout", s, h, body) // not "you are logged out"
		s, h, body = get(b, e.issuer("main")+"/logout?client_id="+c.id+"&post_logout_redirect_uri="+url.QueryEscape(c.logout))
		want503(t, "/logout with a redirect", s, h, body)
		s, h, body = post("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk.refresh}}, auth)
		want503(t, "/token refresh_token", s, h, body)
		s, h, body = post("/introspect", url.Values{"token": {tk.access}}, auth)
		want503(t, "/introspect", s, h, body)
		s, h, body = post("/revoke", url.Values{"token": {tk.refresh}}, auth)
		want503(t, "/revoke", s, h, body)
		s, h, body = post("/userinfo", url.Values{"access_token": {tk.access}}, nil)
		want503(t, "/userinfo", s, h, body)
		par := url.Values{"response_type": {"code"}, "client_id": {c.id}, "redirect_uri": {c.redirect}, "scope": {"openid"},
			"state": {"state-12345678"}, "nonce": {"nonce-12345678"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
		s, h, body = post("/par", par, auth)
		want503(t, "/par", s, h, body)
		// More requests than the failed-authentication limit: an outage
		// is no failed authentication, so none of them may count towards
		// throttling the client once storage returns.
		for i := range 25 {
			s, h, body = post("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk.refresh}}, auth)
			if s != http.StatusServiceUnavailable {
				want503(t, fmt.Sprintf("/token attempt %d", i), s, h, body)
				break
			}
		}
	})

	// The operator sees why: the storage error, once per failed request.
	if logs := e.logs.String(); !strings.Contains(logs, `"msg":"storage unavailable"`) || !strings.Contains(logs, "connection refused") {
		t.Errorf("the log does not name the storage failure:\n%s", tail(logs, 10))
	}

	st.down.Store(false)
	t.Run("Recovered", func(t *testing.T) {
		if ui := rp.userinfoGet(t, tk.access); ui["sub"] == nil {
			t.Errorf("userinfo after the outage: %v", ui)
		}
		e.wantActive(t, c, tk.refresh, true, "refresh token issued before the outage")
		if _, err := rp.refreshE(tk.refresh); err != nil {
			t.Errorf("refresh after the outage: %v", err)
		}
		// The callback that met the outage completes when retried.
		if w, err := half.visit(v.final.String(), c.redirect); err != nil || w.final == nil || w.final.Query().Get("code") == "" {
			t.Errorf("callback retried after the outage: %v %v", err, w)
		}
	})
}
