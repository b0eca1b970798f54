package idportenmock

import (
	"context"
	"errors"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// Tenant is the tenant column of the mock's records (its flows here, its
// secrets in cmd/oidcp): the mock is no tenant of oidcp's, and this is a
// name no tenant may take.
const Tenant = "idporten-mock"

// FlowStores is the slice of the storage contract NewFlowStore needs.
type FlowStores interface {
	CreateFlow(ctx context.Context, f storage.Flow) error
	GetFlow(ctx context.Context, id, purpose string) (storage.Flow, error)
	TakeFlow(ctx context.Context, id, purpose string) (storage.Flow, error)
}

// NewFlowStore keeps the mock's state as flows in oidcp's database, so
// every node on that database serves the same logins and refuses the same
// replays (with the same salt, every node opens the others' codes and
// tokens: seal.go).
// Each record is bound to the purpose "idporten-mock/<kind>" and its id
// carries the kind too, so it never meets one of the provider's flows.
// The janitor's DeleteExpiredFlows removes them after they expire.
func NewFlowStore(s FlowStores) Store { return flowStore{s} }

type flowStore struct{ s FlowStores }

// Interface guard: every storage backend can hold the mock's state.
var _ FlowStores = (storage.Storage)(nil)

func flowID(kind, key string) string { return Tenant + "/" + kind + "/" + key }
func flowPurpose(kind string) string { return Tenant + "/" + kind }

// Put implements Store. Keys are random, so a conflict is a repeated
// put (an end of session sent twice): the earlier record is replaced.
func (f flowStore) Put(ctx context.Context, kind, key string, value []byte, expires time.Time) error {
	rec := storage.Flow{ID: flowID(kind, key), Tenant: Tenant, Purpose: flowPurpose(kind), Data: value,
		CreatedAt: time.Now().UTC(), ExpiresAt: expires.UTC()}
	err := f.s.CreateFlow(ctx, rec)
	if errors.Is(err, storage.ErrConflict) {
		if _, err := f.s.TakeFlow(ctx, rec.ID, rec.Purpose); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		err = f.s.CreateFlow(ctx, rec)
	}
	return err
}

// Add implements Store: the insert's primary key decides between
// concurrent callers on every node, and an existing record, expired or
// not, is never replaced (the janitor removes expired ones).
func (f flowStore) Add(ctx context.Context, kind, key string, value []byte, _, expires time.Time) (bool, error) {
	err := f.s.CreateFlow(ctx, storage.Flow{ID: flowID(kind, key), Tenant: Tenant, Purpose: flowPurpose(kind), Data: value,
		CreatedAt: time.Now().UTC(), ExpiresAt: expires.UTC()})
	if errors.Is(err, storage.ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

// Get implements Store.
func (f flowStore) Get(ctx context.Context, kind, key string, now time.Time) ([]byte, error) {
	rec, err := f.s.GetFlow(ctx, flowID(kind, key), flowPurpose(kind))
	return live(rec, err, now)
}

// Take implements Store.
func (f flowStore) Take(ctx context.Context, kind, key string, now time.Time) ([]byte, error) {
	rec, err := f.s.TakeFlow(ctx, flowID(kind, key), flowPurpose(kind))
	return live(rec, err, now)
}

// live turns a flow lookup into the value it holds at now.
func live(rec storage.Flow, err error, now time.Time) ([]byte, error) {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, ErrNotFound
	case err != nil:
		return nil, err
	case !now.Before(rec.ExpiresAt):
		return nil, ErrNotFound
	}
	return rec.Data, nil
}
