package keys

import (
	"context"
	"fmt"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// EnsureKeys gives the tenant a signing key for every configured alg that
// has none active or scheduled. The new key signs at once: a tenant without
// a key for the alg has issued nothing with it, so no verifier holds a
// cached JWKS that could miss it.
//
// Two nodes calling it at once may each create a key for the same alg.
// That is harmless and chosen over coordination: both keys are published,
// every node picks the same signer (latest ActivatesAt, then greatest kid)
// once its cache has both, and the next Rotate retires both. Until then a
// node may sign with the other duplicate, which verifies just as well.
func (m *Manager) EnsureKeys(ctx context.Context, tenant string) error {
	rows, err := m.store.ListKeys(ctx, tenant)
	if err != nil {
		return fmt.Errorf("keys: list keys of tenant %q: %w", tenant, err)
	}
	now := m.opts.Now()
	defer m.invalidate(tenant)
	for _, alg := range m.opts.Algs {
		if !supportedAlg(alg) {
			return fmt.Errorf("keys: alg %q: %w", alg, ErrUnsupportedAlg)
		}
		_, active := pick(rows, alg, StateActive, now)
		_, next := pick(rows, alg, StateNext, now)
		if active || next {
			continue
		}
		if _, err := m.createKey(ctx, tenant, alg, now, now); err != nil {
			return err
		}
	}
	return nil
}

// Rotate schedules, for every configured alg, a successor that signs from
// now+PublishLead, and retires the keys it replaces at that instant; they
// leave the JWKS MaxSignedLifetime later, when everything they signed has
// expired. It returns the successors.
//
// Rotate is idempotent within the lead: when a successor is already
// scheduled it is kept (no second key) and the retirement is re-applied,
// which also repairs a Rotate that died between creating the successor and
// retiring its predecessor. For an alg with no active key nothing could be
// missing from verifiers' caches, so its successor signs at once.
func (m *Manager) Rotate(ctx context.Context, tenant string) ([]KeyInfo, error) {
	rows, err := m.store.ListKeys(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("keys: list keys of tenant %q: %w", tenant, err)
	}
	now := m.opts.Now()
	defer m.invalidate(tenant)
	var out []KeyInfo
	for _, alg := range m.opts.Algs {
		if !supportedAlg(alg) {
			return out, fmt.Errorf("keys: alg %q: %w", alg, ErrUnsupportedAlg)
		}
		succ, ok := pick(rows, alg, StateNext, now)
		if !ok {
			at := now.Add(m.opts.PublishLead)
			if _, active := pick(rows, alg, StateActive, now); !active {
				at = now
			}
			// Create before retiring: dying in between leaves an extra
			// key, never a gap with nothing to sign.
			if succ, err = m.createKey(ctx, tenant, alg, now, at); err != nil {
				return out, err
			}
		}
		if err := m.retireBefore(ctx, rows, succ, now); err != nil {
			return out, err
		}
		out = append(out, info(succ, now, stateAt(succ, now) == StateActive))
	}
	return out, nil
}

// createKey generates, seals and stores one key.
func (m *Manager) createKey(ctx context.Context, tenant, alg string, now, activatesAt time.Time) (storage.Key, error) {
	k, err := m.generateKey(tenant, alg, now, activatesAt)
	if err != nil {
		return storage.Key{}, err
	}
	if err := m.store.CreateKey(ctx, k); err != nil {
		return storage.Key{}, fmt.Errorf("keys: store %s key of tenant %q: %w", alg, tenant, err)
	}
	return k, nil
}

// retireBefore makes every other unexpired key of succ's alg stop signing
// when succ starts, and stay published MaxSignedLifetime beyond that.
// Schedules only ever move earlier for RetiresAt and later for
// UnpublishAt, so racing rotations cannot shorten a publication.
func (m *Manager) retireBefore(ctx context.Context, rows []storage.Key, succ storage.Key, now time.Time) error {
	at := succ.ActivatesAt
	for _, k := range rows {
		if k.Alg != succ.Alg || k.KID == succ.KID || stateAt(k, now) == StateExpired {
			continue
		}
		if !k.RetiresAt.IsZero() && !k.RetiresAt.After(at) {
			continue // already stops signing in time
		}
		err := m.store.UpdateKey(ctx, k.Tenant, k.KID, func(cur storage.Key) (storage.Key, error) {
			if cur.RetiresAt.IsZero() || cur.RetiresAt.After(at) {
				cur.RetiresAt = at
			}
			if unpub := cur.RetiresAt.Add(m.opts.MaxSignedLifetime); cur.UnpublishAt.Before(unpub) {
				cur.UnpublishAt = unpub
			}
			return cur, nil
		})
		if err != nil {
			return fmt.Errorf("keys: retire key %s of tenant %q: %w", k.KID, k.Tenant, err)
		}
	}
	return nil
}
