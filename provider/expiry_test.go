package provider

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// expiryStore holds login sessions and records what the sweep does. Its
// transactions undo EndSession on rollback; failRevoke makes
// RevokeBySession fail.
type expiryStore struct {
	storage.Storage // nil: only the methods below are used
	sessions        map[string]storage.LoginSession
	revoked         []string
	events          []storage.Event
	failRevoke      bool
	undo            []storage.LoginSession
}

func (s *expiryStore) BeginTx(ctx context.Context) (context.Context, error) {
	s.undo = nil
	return ctx, nil
}

func (s *expiryStore) Commit(context.Context) error { s.undo = nil; return nil }

func (s *expiryStore) Rollback(context.Context) error {
	for _, ls := range s.undo {
		s.sessions[ls.ID] = ls
	}
	s.undo = nil
	return nil
}

func (s *expiryStore) ListExpiredSessions(_ context.Context, tenant string, idleBefore, now time.Time, limit int) ([]storage.LoginSession, error) {
	var out []storage.LoginSession
	for _, ls := range s.sessions {
		if ls.Tenant == tenant && ls.EndedAt == nil && ls.Subject != "" && (ls.LastSeenAt.Before(idleBefore) || !now.Before(ls.ExpiresAt)) {
			out = append(out, ls)
		}
	}
	slices.SortFunc(out, func(a, b storage.LoginSession) int { return a.LastSeenAt.Compare(b.LastSeenAt) })
	return out, nil
}

func (s *expiryStore) EndSession(_ context.Context, id string, at time.Time) error {
	ls := s.sessions[id]
	if ls.EndedAt != nil {
		return storage.ErrInactive
	}
	s.undo = append(s.undo, ls)
	ls.EndedAt = &at
	s.sessions[id] = ls
	return nil
}

func (s *expiryStore) RevokeBySession(_ context.Context, _, sessionID string) (int64, error) {
	if s.failRevoke {
		return 0, errors.New("database gone")
	}
	s.revoked = append(s.revoked, sessionID)
	return 2, nil
}

func (s *expiryStore) AppendEvent(_ context.Context, e storage.Event) (int64, error) {
	s.events = append(s.events, e)
	return int64(len(s.events)), nil
}

type recordedLogout struct {
	pid, chain, reason string
	clients            []string
}

type logoutRecorder struct{ got []recordedLogout }

func (r *logoutRecorder) SessionEnded(_ context.Context, _, pid, chainID string, clientIDs []string, reason string) error {
	r.got = append(r.got, recordedLogout{pid, chainID, reason, clientIDs})
	return nil
}

// TestEndExpiredSessions: a session that idled past the idle timeout and
// one past its absolute expiry are ended, their tokens revoked and their
// clients told by back-channel logout; a live one is left alone, and a
// second sweep (another node) does nothing again.
func TestEndExpiredSessions(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st := &expiryStore{sessions: map[string]storage.LoginSession{
		"live":     {ID: "live", Tenant: "main", Subject: "01818000010", LastSeenAt: now.Add(-29 * time.Minute), ExpiresAt: now.Add(time.Hour), Clients: []string{"a"}},
		"idle":     {ID: "idle", Tenant: "main", Subject: "01818000010", LastSeenAt: now.Add(-31 * time.Minute), ExpiresAt: now.Add(time.Hour), Clients: []string{"a", "b"}},
		"absolute": {ID: "absolute", Tenant: "main", Subject: "02828500034", LastSeenAt: now.Add(-time.Minute), ExpiresAt: now, Clients: []string{"b"}},
	}}
	rec := &logoutRecorder{}
	p := &Provider{
		store: st, tenants: map[string]*tenant{"main": {name: "main"}}, order: []string{"main"},
		now: func() time.Time { return now }, log: slog.New(slog.DiscardHandler),
		cfg: Config{SessionIdle: 30 * time.Minute, Logouts: rec},
	}
	// A sweep whose revocation fails ends nothing: the sessions stay for
	// the next sweep rather than ended with their tokens live.
	st.failRevoke = true
	if n, err := p.EndExpiredSessions(t.Context()); err == nil || n != 0 {
		t.Fatalf("EndExpiredSessions with the revocation failing = %d, %v; want 0 and an error", n, err)
	}
	if st.sessions["idle"].EndedAt != nil || st.sessions["absolute"].EndedAt != nil || len(rec.got) != 0 || len(st.events) != 0 {
		t.Fatalf("a failed sweep ended sessions or queued logouts (%+v) or events (%+v)", rec.got, st.events)
	}
	st.failRevoke = false
	n, err := p.EndExpiredSessions(t.Context())
	if err != nil || n != 2 {
		t.Fatalf("EndExpiredSessions = %d, %v; want 2 ended", n, err)
	}
	if st.sessions["live"].EndedAt != nil || st.sessions["idle"].EndedAt == nil || st.sessions["absolute"].EndedAt == nil {
		t.Fatal("wrong sessions ended")
	}
	slices.Sort(st.revoked)
	if !slices.Equal(st.revoked, []string{"absolute", "idle"}) {
		t.Fatalf("revoked the tokens of %v", st.revoked)
	}
	if len(rec.got) != 2 {
		t.Fatalf("back-channel logouts queued: %+v", rec.got)
	}
	for _, l := range rec.got {
		if l.reason != "session_expired" || (l.chain == "idle" && !slices.Equal(l.clients, []string{"a", "b"})) {
			t.Fatalf("logout %+v", l)
		}
	}
	if len(st.events) != 2 || st.events[0].Kind != "session_ended" {
		t.Fatalf("usage log %+v", st.events)
	}
	if n, _ := p.EndExpiredSessions(t.Context()); n != 0 || len(rec.got) != 2 {
		t.Fatalf("a second sweep ended %d more and queued %d logouts", n, len(rec.got)-2)
	}
}
