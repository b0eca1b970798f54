package keys

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// KeyInfo describes one key for operators (`oidcp keys list`). It holds no
// key material.
type KeyInfo struct {
	KID   string `json:"kid"`
	Alg   string `json:"alg"`
	State State  `json:"state"`
	// Signing marks the one active key per alg that signs now (others are
	// harmless duplicates from racing nodes; see EnsureKeys).
	Signing     bool      `json:"signing"`
	Published   bool      `json:"published"`
	CreatedAt   time.Time `json:"created_at"`
	ActivatesAt time.Time `json:"activates_at"`
	RetiresAt   time.Time `json:"retires_at,omitzero"`
	UnpublishAt time.Time `json:"unpublish_at,omitzero"`
}

func info(k storage.Key, now time.Time, signing bool) KeyInfo {
	return KeyInfo{
		KID:         k.KID,
		Alg:         k.Alg,
		State:       stateAt(k, now),
		Signing:     signing,
		Published:   published(k, now),
		CreatedAt:   k.CreatedAt,
		ActivatesAt: k.ActivatesAt,
		RetiresAt:   k.RetiresAt,
		UnpublishAt: k.UnpublishAt,
	}
}

// List returns every stored key of the tenant with its state at Now,
// grouped by alg, newest first. It reads the store, not the cache, so an
// operator sees the effect of a rotation at once.
func (m *Manager) List(ctx context.Context, tenant string) ([]KeyInfo, error) {
	rows, err := m.store.ListKeys(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("keys: list keys of tenant %q: %w", tenant, err)
	}
	now := m.opts.Now()
	slices.SortFunc(rows, func(a, b storage.Key) int {
		if c := strings.Compare(a.Alg, b.Alg); c != 0 {
			return c
		}
		return newestFirst(a, b)
	})
	signing := map[string]string{} // alg -> kid
	for _, k := range rows {
		if _, ok := signing[k.Alg]; !ok {
			if s, ok := pick(rows, k.Alg, StateActive, now); ok {
				signing[k.Alg] = s.KID
			}
		}
	}
	out := make([]KeyInfo, 0, len(rows))
	for _, k := range rows {
		out = append(out, info(k, now, signing[k.Alg] == k.KID))
	}
	return out, nil
}
