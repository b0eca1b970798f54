package backchannel

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// fakeOutbox hands out its messages once and records the results.
type fakeOutbox struct {
	mu      sync.Mutex
	pending []storage.OutboxMessage
	results map[string]storage.OutboxResult
	events  []storage.Event
}

func (f *fakeOutbox) ClaimOutbox(context.Context, time.Time, time.Duration, int) ([]storage.OutboxMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.pending
	f.pending = nil
	return out, nil
}

func (f *fakeOutbox) FinishOutbox(_ context.Context, id, claim string, res storage.OutboxResult) (storage.OutboxMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.results[id] = res
	m := storage.OutboxMessage{ID: id, Attempts: 1, State: storage.OutboxPending}
	if res.Delivered {
		m.State = storage.OutboxDelivered
	}
	return m, nil
}

func (f *fakeOutbox) AppendEvent(_ context.Context, e storage.Event) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
	return 1, nil
}

// claimsMaker "signs" by JSON-encoding the claims, so the test can read them.
type claimsMaker struct{}

func (claimsMaker) Issuer(tenant string) string { return "https://op.example/" + tenant }
func (claimsMaker) LogoutClaims(_ context.Context, _, _, pid, chain string) (string, string, error) {
	return "sub-of-" + pid, "sid-of-" + chain, nil
}
func (claimsMaker) SignLogoutToken(_ context.Context, _, _ string, claims map[string]any) (string, error) {
	b, err := json.Marshal(claims)
	return string(b), err
}

// TestWorkerDeliversAndRetries: a 200 is delivered; a 503 and a client
// that does not answer within the timeout are retried with backoff; the
// slow client does not hold up the others; the token has the claims of
// Back-Channel Logout 1.0 §2.4 and no nonce.
func TestWorkerDeliversAndRetries(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{}
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		switch r.URL.Path {
		case "/ok":
			mu.Lock()
			got["ok"] = r.PostForm.Get("logout_token")
			mu.Unlock()
		case "/down":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/slow":
			<-release
		}
	}))
	defer srv.Close()
	defer close(release)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	msg := func(id, path string) storage.OutboxMessage {
		return storage.OutboxMessage{ID: id, Tenant: "main", ClientID: "tool", URI: srv.URL + path, Subject: "01818000010", SessionID: "chain", Claim: "c", Reason: ReasonLogout}
	}
	st := &fakeOutbox{results: map[string]storage.OutboxResult{}, pending: []storage.OutboxMessage{msg("ok", "/ok"), msg("down", "/down"), msg("slow", "/slow")}}
	w := &Worker{Store: st, Tokens: claimsMaker{}, HTTP: srv.Client(), Now: func() time.Time { return now }, Timeout: 300 * time.Millisecond}
	began := time.Now()
	if n, err := w.RunOnce(t.Context()); err != nil || n != 3 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Fatalf("a round took %v: the slow client held it up beyond its timeout", d)
	}
	if !st.results["ok"].Delivered || st.results["down"].Delivered || st.results["slow"].Delivered {
		t.Fatalf("results %+v", st.results)
	}
	if r := st.results["down"]; r.Error != "HTTP 503" || !r.RetryAt.Equal(now.Add(2*time.Second)) {
		t.Fatalf("503 result %+v, want a retry after 2s", r)
	}
	if r := st.results["slow"]; !strings.Contains(r.Error, "no answer within") || r.RetryAt.IsZero() {
		t.Fatalf("timeout result %+v", r)
	}
	var c map[string]any
	if err := json.Unmarshal([]byte(got["ok"]), &c); err != nil {
		t.Fatal(err)
	}
	ev, _ := c["events"].(map[string]any)
	if c["iss"] != "https://op.example/main" || c["sub"] != "sub-of-01818000010" || c["sid"] != "sid-of-chain" || c["jti"] != "ok" ||
		c["exp"].(float64)-c["iat"].(float64) != 120 || ev[EventBackchannelLogout] == nil || c["nonce"] != nil {
		t.Fatalf("logout token claims %v", c)
	}
	if len(st.events) != 1 || st.events[0].Kind != EventDelivered {
		t.Fatalf("usage log %+v: the delivered outcome must be logged", st.events)
	}
}

func TestDefaultBackoff(t *testing.T) {
	want := []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute}
	var total time.Duration
	for i, d := range want {
		if got := DefaultBackoff(i + 1); got != d {
			t.Fatalf("DefaultBackoff(%d) = %v, want %v", i+1, got, d)
		}
		total += d
	}
	// The retry window is at least 10 minutes of attempts.
	if DefaultRetryWindow < 10*time.Minute {
		t.Fatalf("retry window %v", DefaultRetryWindow)
	}
}

// TestEnqueuer: only clients with a back-channel URI get messages; one
// per person and session of a revocation; a grant without live tokens
// still tells the client about the person who gave it.
func TestEnqueuer(t *testing.T) {
	st := &enqStore{clients: map[string]storage.Client{
		"bcl":  {Tenant: "main", ID: "bcl", BackchannelLogoutURI: "https://bcl.example/logout"},
		"none": {Tenant: "main", ID: "none"},
	}}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e := &Enqueuer{Store: st, Now: func() time.Time { return now }}
	res := storage.RevokedGrants{Grants: []storage.Grant{{ID: "g1", Subject: "child", Actor: "parent"}},
		Sessions: []storage.TokenSession{{Subject: "parent", SessionID: "c1"}, {Subject: "parent", SessionID: "c2"}}}
	if err := e.Revoked(t.Context(), "main", "bcl", res, ReasonGrantRevoked); err != nil {
		t.Fatal(err)
	}
	if err := e.Revoked(t.Context(), "main", "none", res, ReasonGrantRevoked); err != nil {
		t.Fatal(err)
	}
	// A deleted client must not make the revocation fail.
	if err := e.Revoked(t.Context(), "main", "deleted", res, ReasonGrantRevoked); err != nil {
		t.Fatalf("revocation for a deleted client: %v", err)
	}
	if len(st.queued) != 2 || st.queued[0].GrantID != "g1" || st.queued[1].SessionID != "c2" || !st.queued[0].GiveUpAt.Equal(now.Add(DefaultRetryWindow)) {
		t.Fatalf("queued %+v", st.queued)
	}
	st.queued = nil
	res.Sessions = nil
	if err := e.Revoked(t.Context(), "main", "bcl", res, ReasonGrantRevoked); err != nil || len(st.queued) != 1 || st.queued[0].Subject != "parent" {
		t.Fatalf("grant without tokens: %+v %v (want one logout naming the parent, who is signed in)", st.queued, err)
	}
	st.queued = nil
	if err := e.SessionEnded(t.Context(), "main", "p", "chain", []string{"none", "bcl", "gone"}, ReasonLogout); err != nil || len(st.queued) != 1 {
		t.Fatalf("session end: %+v %v", st.queued, err)
	}
}

type enqStore struct {
	clients map[string]storage.Client
	queued  []storage.OutboxMessage
}

func (s *enqStore) GetClient(_ context.Context, _, id string) (storage.Client, error) {
	c, ok := s.clients[id]
	if !ok {
		return c, storage.ErrNotFound
	}
	return c, nil
}

func (s *enqStore) EnqueueOutbox(_ context.Context, ms ...storage.OutboxMessage) error {
	s.queued = append(s.queued, ms...)
	return nil
}
