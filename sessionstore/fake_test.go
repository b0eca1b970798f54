package sessionstore

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// fakeBackend is an in-memory Backend that counts writes, following the
// contract in storage.SessionStore. Like the SQL backends it keeps times to
// the microsecond.
type fakeBackend struct {
	mu                              sync.Mutex
	rows                            map[string]storage.LoginSession
	creates, updates, touches, ends int
	// casAdds and casMisses count AddSessionClient calls whose known
	// list was current (the one-statement path) and stale.
	casAdds, casMisses int
	// failGet, when set, is returned by GetSession.
	failGet error
}

var _ Backend = (*fakeBackend)(nil)

func newFake() *fakeBackend { return &fakeBackend{rows: map[string]storage.LoginSession{}} }

func cloneRec(s storage.LoginSession) storage.LoginSession {
	s.AMR = slices.Clone(s.AMR)
	s.Clients = slices.Clone(s.Clients)
	s.Values = slices.Clone(s.Values)
	if s.EndedAt != nil {
		t := *s.EndedAt
		s.EndedAt = &t
	}
	return s
}

// stored is s as the backend keeps it.
func stored(s storage.LoginSession) storage.LoginSession {
	s = cloneRec(s)
	for _, t := range []*time.Time{&s.AuthTime, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, s.EndedAt} {
		if t != nil {
			*t = t.Truncate(time.Microsecond)
		}
	}
	return s
}

func (f *fakeBackend) CreateSession(_ context.Context, s storage.LoginSession) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.rows[s.ID]; ok {
		return fmt.Errorf("fake: %w", storage.ErrConflict)
	}
	f.creates++
	f.rows[s.ID] = stored(s)
	return nil
}

func (f *fakeBackend) GetSession(_ context.Context, id string) (storage.LoginSession, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failGet != nil {
		return storage.LoginSession{}, f.failGet
	}
	s, ok := f.rows[id]
	if !ok {
		return storage.LoginSession{}, fmt.Errorf("fake: %w", storage.ErrNotFound)
	}
	return cloneRec(s), nil
}

func (f *fakeBackend) UpdateSession(_ context.Context, id string, fn func(storage.LoginSession) (storage.LoginSession, error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.rows[id]
	if !ok {
		return fmt.Errorf("fake: %w", storage.ErrNotFound)
	}
	n, err := fn(cloneRec(s))
	if err != nil {
		return err
	}
	if n.ID != id {
		return fmt.Errorf("fake: id changed")
	}
	f.updates++
	f.rows[id] = stored(n)
	return nil
}

func (f *fakeBackend) AddSessionClient(_ context.Context, tenant, id string, known []string, clientID string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if slices.Contains(known, clientID) {
		return known, nil
	}
	s, ok := f.rows[id]
	if ok && s.EndedAt == nil && s.Tenant == tenant && slices.Equal(s.Clients, known) && (s.Clients == nil) == (known == nil) {
		f.casAdds++
	} else {
		f.casMisses++
	}
	switch {
	case !ok:
		return nil, fmt.Errorf("fake: %w", storage.ErrNotFound)
	case s.EndedAt != nil || s.Tenant != tenant:
		return nil, fmt.Errorf("fake: %w", storage.ErrInactive)
	}
	if !slices.Contains(s.Clients, clientID) {
		s.Clients = append(slices.Clone(s.Clients), clientID)
		f.rows[id] = s
	}
	return slices.Clone(s.Clients), nil
}

func (f *fakeBackend) TouchSession(_ context.Context, id string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.rows[id]
	if !ok {
		return fmt.Errorf("fake: %w", storage.ErrNotFound)
	}
	if s.EndedAt != nil {
		return fmt.Errorf("fake: %w", storage.ErrInactive)
	}
	f.touches++
	s.LastSeenAt = at.Truncate(time.Microsecond)
	f.rows[id] = s
	return nil
}

func (f *fakeBackend) EndSession(_ context.Context, id string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.rows[id]
	if !ok {
		return fmt.Errorf("fake: %w", storage.ErrNotFound)
	}
	if s.EndedAt != nil {
		return fmt.Errorf("fake: %w", storage.ErrInactive)
	}
	f.ends++
	at = at.Truncate(time.Microsecond)
	s.EndedAt = &at
	f.rows[id] = s
	return nil
}

// row returns the stored record, failing the test if absent.
func (f *fakeBackend) row(t *testing.T, id string) storage.LoginSession {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.rows[id]
	if !ok {
		t.Fatalf("no stored session %q", id)
	}
	return cloneRec(s)
}

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)} }

const cookieName = "oidcp_session"

var (
	testKey  = []byte("0123456789abcdef0123456789abcdef")
	otherKey = []byte("fedcba9876543210fedcba9876543210")
)

func testOptions(c *clock) Options {
	return Options{
		Tenant:     "main",
		CookieName: cookieName,
		Path:       "/main",
		Secure:     true,
		HashKey:    testKey,
		Now:        c.Now,
	}
}

// browser carries the session cookie from one response to the next
// request, as a browser would.
type browser struct {
	cookie *http.Cookie
}

// request builds a request carrying the browser's cookie.
func (b *browser) request() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://op.example/main/authorize", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Test/1.0")
	if b.cookie != nil {
		r.AddCookie(&http.Cookie{Name: b.cookie.Name, Value: b.cookie.Value})
	}
	return r
}

// keep stores the session cookie the response set, if any; a deleted
// cookie is dropped.
func (b *browser) keep(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name != cookieName {
			continue
		}
		if c.MaxAge < 0 {
			b.cookie = nil
		} else {
			b.cookie = c
		}
	}
}

// get loads the session for the browser's current cookie.
func get(t *testing.T, s *Store, b *browser) (*sessions.Session, *http.Request) {
	t.Helper()
	r := b.request()
	sess, err := s.Get(r, cookieName)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return sess, r
}

// startSession saves a new session with one value and returns its id.
func startSession(t *testing.T, s *Store, b *browser) string {
	t.Helper()
	sess, r := get(t, s, b)
	if !sess.IsNew {
		t.Fatalf("expected a new session")
	}
	sess.Values["flow"] = "pending"
	w := httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil {
		t.Fatalf("Save: %v", err)
	}
	b.keep(t, w)
	return s.ID(sess)
}

func testPID(t *testing.T, day int) string {
	t.Helper()
	pid, err := representation.SyntheticPID(time.Date(1985, 6, day, 0, 0, 0, 0, time.UTC), 100)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}
