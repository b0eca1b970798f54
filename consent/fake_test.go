package consent

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"

	"github.com/oidcp/oidcp/storage"
)

// fakeStore is an in-memory Store: grants, token records by signature,
// and the usage log. A transaction is a snapshot that Rollback restores.
type fakeStore struct {
	mu       sync.Mutex
	grants   map[string]storage.Grant
	tokens   map[string]storage.TokenRecord
	events   []storage.Event
	snapshot *fakeState
	failNext error    // returned by the next RevokeGrant
	locked   []string // the grants LockGrant read, in order
}

// fakeTxKey marks a context that carries a fake transaction.
type fakeTxKey struct{}

type fakeState struct {
	grants map[string]storage.Grant
	tokens map[string]storage.TokenRecord
	events []storage.Event
}

var _ Store = (*fakeStore)(nil)

func newFakeStore() *fakeStore {
	return &fakeStore{grants: map[string]storage.Grant{}, tokens: map[string]storage.TokenRecord{}}
}

func (f *fakeStore) BeginTx(ctx context.Context) (context.Context, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snapshot = &fakeState{maps.Clone(f.grants), maps.Clone(f.tokens), slices.Clone(f.events)}
	return context.WithValue(ctx, fakeTxKey{}, true), nil
}

func (f *fakeStore) Commit(context.Context) error { f.snapshot = nil; return nil }

func (f *fakeStore) Rollback(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.snapshot != nil {
		f.grants, f.tokens, f.events = f.snapshot.grants, f.snapshot.tokens, f.snapshot.events
		f.snapshot = nil
	}
	return nil
}

func (f *fakeStore) CreateGrant(_ context.Context, g storage.Grant) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.grants[g.ID]; ok {
		return storage.ErrConflict
	}
	f.grants[g.ID] = g
	return nil
}

func (f *fakeStore) GetGrant(_ context.Context, tenant, id string) (storage.Grant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.grants[id]
	if !ok || g.Tenant != tenant {
		return storage.Grant{}, storage.ErrNotFound
	}
	return g, nil
}

// LockGrant is GetGrant in a transaction, which the fake, holding its
// mutex for every call, has nothing more to do for; it records the read.
func (f *fakeStore) LockGrant(ctx context.Context, tenant, id string) (storage.Grant, error) {
	if ctx.Value(fakeTxKey{}) == nil {
		return storage.Grant{}, errors.New("fake: LockGrant without a transaction")
	}
	g, err := f.GetGrant(ctx, tenant, id)
	f.mu.Lock()
	f.locked = append(f.locked, id)
	f.mu.Unlock()
	return g, err
}

func (f *fakeStore) ListGrants(_ context.Context, fl storage.GrantFilter) ([]storage.Grant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []storage.Grant
	for _, g := range f.grants {
		if (fl.Tenant == "" || g.Tenant == fl.Tenant) && (fl.ClientID == "" || g.ClientID == fl.ClientID) &&
			(fl.Subject == "" || g.Subject == fl.Subject) && (!fl.ActiveOnly || g.RevokedAt == nil) {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b storage.Grant) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

func (f *fakeStore) revokeTokens(match func(storage.TokenRecord) bool) (int64, []storage.TokenSession) {
	var n int64
	var sessions []storage.TokenSession
	for sig, r := range f.tokens {
		if r.Active && match(r) {
			r.Active = false
			f.tokens[sig] = r
			n++
			ts := storage.TokenSession{Subject: r.Subject, SessionID: r.SessionID}
			if !slices.Contains(sessions, ts) {
				sessions = append(sessions, ts)
			}
		}
	}
	return n, sessions
}

func (f *fakeStore) RevokeGrant(_ context.Context, tenant, id string, r storage.Revocation) (storage.RevokedGrants, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failNext; err != nil {
		f.failNext = nil
		return storage.RevokedGrants{}, err
	}
	g, ok := f.grants[id]
	if !ok || g.Tenant != tenant {
		return storage.RevokedGrants{}, storage.ErrNotFound
	}
	if g.RevokedAt != nil {
		return storage.RevokedGrants{}, storage.ErrInactive
	}
	at := r.At
	g.RevokedAt, g.RevokedBy, g.RevokedActor, g.RevokedReason = &at, r.By, r.Actor, r.Reason
	f.grants[id] = g
	n, sessions := f.revokeTokens(func(t storage.TokenRecord) bool { return t.GrantID == id })
	return storage.RevokedGrants{Grants: []storage.Grant{g}, Tokens: n, Sessions: sessions}, nil
}

func (f *fakeStore) RevokeClientGrants(_ context.Context, tenant, clientID string, r storage.Revocation) (storage.RevokedGrants, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var res storage.RevokedGrants
	for id, g := range f.grants {
		if g.Tenant == tenant && g.ClientID == clientID && g.RevokedAt == nil {
			at := r.At
			g.RevokedAt, g.RevokedBy, g.RevokedActor, g.RevokedReason = &at, r.By, r.Actor, r.Reason
			f.grants[id] = g
			res.Grants = append(res.Grants, g)
		}
	}
	res.Tokens, res.Sessions = f.revokeTokens(func(t storage.TokenRecord) bool { return t.ClientID == clientID })
	return res, nil
}

func (f *fakeStore) AppendEvent(_ context.Context, e storage.Event) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
	return int64(len(f.events)), nil
}

func (f *fakeStore) kinds() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, e := range f.events {
		out = append(out, e.Kind)
	}
	return out
}

// recordingNotifier records revocations; err makes it fail.
type recordingNotifier struct {
	got []string
	err error
}

func (n *recordingNotifier) Revoked(_ context.Context, _, clientID string, res storage.RevokedGrants, reason string) error {
	if n.err != nil {
		return n.err
	}
	n.got = append(n.got, clientID+":"+reason)
	return nil
}

// relations says which (actor, subject) pairs hold.
type relations map[[2]string]bool

func (r relations) RelationHolds(_ context.Context, _, actor, subject, _ string) (bool, error) {
	return r[[2]string{actor, subject}], nil
}

var errBoom = errors.New("boom")
