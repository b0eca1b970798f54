package keys

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/oidcp/oidcp/storage"
)

func TestEnsureKeysOnePerAlgIdempotent(t *testing.T) {
	ctx := context.Background()
	st, c := newMemStore(), newClock()
	m := newTestManager(st, c) // default algs

	if err := m.EnsureKeys(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	if err := m.EnsureKeys(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	list, err := m.List(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	var algs []string
	for _, k := range list {
		algs = append(algs, k.Alg)
		if k.State != StateActive || !k.Signing || !k.Published {
			t.Errorf("%s key %s: state=%s signing=%v published=%v, want active, signing, published", k.Alg, k.KID, k.State, k.Signing, k.Published)
		}
	}
	if want := sorted(DefaultAlgs...); !slices.Equal(sorted(algs...), want) {
		t.Fatalf("keys per alg = %v, want exactly one of each of %v", algs, want)
	}
	for _, alg := range DefaultAlgs {
		sk, err := m.Signer(ctx, "main", alg)
		if err != nil {
			t.Fatalf("Signer(%s): %v", alg, err)
		}
		if sk.Alg != alg {
			t.Errorf("Signer(%s).Alg = %s", alg, sk.Alg)
		}
	}
	if other, _ := m.List(ctx, "sandbox"); len(other) != 0 {
		t.Fatalf("other tenant has %d keys", len(other))
	}
}

func TestEnsureKeysConcurrentManagers(t *testing.T) {
	ctx := context.Background()
	st, c := newMemStore(), newClock()
	a, b := newTestManager(st, c), newTestManager(st, c)

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, m := range []*Manager{a, b} {
		wg.Go(func() { errs[i] = m.EnsureKeys(ctx, "main") })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for _, alg := range DefaultAlgs {
		for name, m := range map[string]*Manager{"a": a, "b": b} {
			sk, err := m.Signer(ctx, "main", alg)
			if err != nil {
				t.Fatalf("%s.Signer(%s): %v", name, alg, err)
			}
			// Whatever either node signs with, the other node publishes.
			tok := signJWT(t, sk, jwt.Claims{Subject: "s"})
			for other, om := range map[string]*Manager{"a": a, "b": b} {
				set, err := om.JWKS(ctx, "main")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := verifyWithJWKS(tok, set, alg); err != nil {
					t.Errorf("%s token (%s) does not verify with %s's JWKS: %v", name, alg, other, err)
				}
			}
		}
		if ka, kb := signerKID(t, a, "main", alg), signerKID(t, b, "main", alg); ka != kb {
			t.Errorf("%s: nodes sign with different keys %s and %s after both reloaded", alg, ka, kb)
		}
	}
}

// TestRotateTimeline walks one rotation through DESIGN "Keys": the next key
// is published before it signs, and the retired key stays published until
// everything it signed has expired. Node b shares the store but loaded its
// cache before the rotation, as another node of the cluster would.
func TestRotateTimeline(t *testing.T) {
	ctx := context.Background()
	st, c := newMemStore(), newClock()
	a, b := newTestManager(st, c, ES256), newTestManager(st, c, ES256)
	t0 := c.Now()

	c.Set(t0.Add(-24 * time.Hour))
	if err := a.EnsureKeys(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	c.Set(t0.Add(-time.Second))
	oldKID := signerKID(t, b, "main", ES256) // b caches here
	oldSK, _ := a.Signer(ctx, "main", ES256)
	oldTok := signJWT(t, oldSK, jwt.Claims{Subject: "s", Expiry: jwt.NewNumericDate(t0.Add(testMax))})

	c.Set(t0)
	next, err := a.Rotate(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	if len(next) != 1 || next[0].State != StateNext || next[0].Signing || !next[0].ActivatesAt.Equal(t0.Add(testLead)) {
		t.Fatalf("Rotate = %+v, want one next key activating at t0+lead", next)
	}
	newKID := next[0].KID
	retire := t0.Add(testLead)

	steps := []struct {
		name         string
		at           time.Time
		signer       string
		jwks         []string
		jwksB        []string // nil: same as jwks
		oldState     State
		newState     State
		oldPublished bool
	}{
		{"at rotation", t0, oldKID, sorted(oldKID, newKID), []string{oldKID}, StateActive, StateNext, true},
		{"b's cache expired", t0.Add(testTTL), oldKID, sorted(oldKID, newKID), nil, StateActive, StateNext, true},
		{"just before activation", retire.Add(-time.Second), oldKID, sorted(oldKID, newKID), nil, StateActive, StateNext, true},
		{"activation", retire, newKID, sorted(oldKID, newKID), nil, StateRetired, StateActive, true},
		{"just before unpublish", retire.Add(testMax - time.Second), newKID, sorted(oldKID, newKID), nil, StateRetired, StateActive, true},
		{"unpublished", retire.Add(testMax), newKID, []string{newKID}, nil, StateExpired, StateActive, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			c.Set(s.at)
			for name, m := range map[string]*Manager{"a": a, "b": b} {
				if got := signerKID(t, m, "main", ES256); got != s.signer {
					t.Errorf("%s signer = %s, want %s", name, got, s.signer)
				}
				want := s.jwks
				if name == "b" && s.jwksB != nil {
					want = s.jwksB
				}
				if got := jwksKIDs(t, m, "main"); !slices.Equal(got, want) {
					t.Errorf("%s JWKS kids = %v, want %v", name, got, want)
				}
				_, pkErr := m.PublicKey(ctx, "main", oldKID)
				if s.oldPublished != (pkErr == nil) {
					t.Errorf("%s PublicKey(old) err = %v, want found=%v", name, pkErr, s.oldPublished)
				}
			}
			set, err := a.JWKS(ctx, "main")
			if err != nil {
				t.Fatal(err)
			}
			// jwt.Claims.Validate is not called: the token's own expiry is
			// not the point; publication of its key is.
			if _, err := verifyWithJWKS(oldTok, set, ES256); (err == nil) != s.oldPublished {
				t.Errorf("token signed before rotation verifies = %v (%v), want %v", err == nil, err, s.oldPublished)
			}
			states := map[string]State{}
			list, err := a.List(ctx, "main")
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range list {
				states[k.KID] = k.State
				if k.Signing != (k.KID == s.signer) {
					t.Errorf("List: %s signing=%v", k.KID, k.Signing)
				}
			}
			if states[oldKID] != s.oldState || states[newKID] != s.newState {
				t.Errorf("states old=%s new=%s, want %s %s", states[oldKID], states[newKID], s.oldState, s.newState)
			}
		})
	}

	old := findRow(t, st, "main", oldKID)
	if !old.RetiresAt.Equal(retire) || !old.UnpublishAt.Equal(retire.Add(testMax)) {
		t.Errorf("old key retires %v unpublishes %v, want %v and %v", old.RetiresAt, old.UnpublishAt, retire, retire.Add(testMax))
	}
}

func findRow(t testing.TB, st *memStore, tenant, kid string) storage.Key {
	t.Helper()
	rows, _ := st.ListKeys(context.Background(), tenant)
	for _, k := range rows {
		if k.KID == kid {
			return k
		}
	}
	t.Fatalf("kid %s not stored", kid)
	return storage.Key{}
}

func TestRotateIdempotentWithinLead(t *testing.T) {
	ctx := context.Background()
	st, c := newMemStore(), newClock()
	m := newTestManager(st, c, ES256)
	if err := m.EnsureKeys(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	first, err := m.Rotate(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(testLead / 2)
	second, err := m.Rotate(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	if first[0].KID != second[0].KID || !second[0].ActivatesAt.Equal(first[0].ActivatesAt) {
		t.Fatalf("second Rotate within lead = %+v, want the scheduled %+v", second, first)
	}
	if list, _ := m.List(ctx, "main"); len(list) != 2 {
		t.Fatalf("%d keys after two rotations within the lead, want 2", len(list))
	}
}

// TestRotateRepairsHalfDoneRotation: a node died after creating the next
// key but before retiring the old one; Rotate finishes the job.
func TestRotateRepairsHalfDoneRotation(t *testing.T) {
	ctx := context.Background()
	st, c := newMemStore(), newClock()
	m := newTestManager(st, c, ES256)
	if err := m.EnsureKeys(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	oldKID := signerKID(t, m, "main", ES256)
	at := c.Now().Add(testLead)
	if _, err := m.createKey(ctx, "main", ES256, c.Now(), at); err != nil {
		t.Fatal(err)
	}
	if !findRow(t, st, "main", oldKID).RetiresAt.IsZero() {
		t.Fatal("setup: old key already retiring")
	}
	c.Advance(time.Minute)
	if _, err := m.Rotate(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	old := findRow(t, st, "main", oldKID)
	if !old.RetiresAt.Equal(at) || !old.UnpublishAt.Equal(at.Add(testMax)) {
		t.Fatalf("old key retires %v unpublishes %v, want %v and %v", old.RetiresAt, old.UnpublishAt, at, at.Add(testMax))
	}
	if list, _ := m.List(ctx, "main"); len(list) != 2 {
		t.Fatalf("%d keys, want 2 (no extra successor)", len(list))
	}
}

// TestRotateRetiresDuplicates: two active keys (from racing EnsureKeys)
// both stop signing when the successor starts.
func TestRotateRetiresDuplicates(t *testing.T) {
	ctx := context.Background()
	st, c := newMemStore(), newClock()
	m := newTestManager(st, c, ES256)
	for range 2 {
		if _, err := m.createKey(ctx, "main", ES256, c.Now(), c.Now()); err != nil {
			t.Fatal(err)
		}
	}
	next, err := m.Rotate(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(testLead)
	list, _ := m.List(ctx, "main")
	for _, k := range list {
		want := StateRetired
		if k.KID == next[0].KID {
			want = StateActive
		}
		if k.State != want {
			t.Errorf("%s state %s, want %s", k.KID, k.State, want)
		}
	}
}

func TestRotateWithoutActiveKeySignsAtOnce(t *testing.T) {
	ctx := context.Background()
	st, c := newMemStore(), newClock()
	m := newTestManager(st, c, ES256)
	next, err := m.Rotate(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	if len(next) != 1 || next[0].State != StateActive || !next[0].Signing {
		t.Fatalf("Rotate on an empty tenant = %+v, want an active signing key", next)
	}
	if got := signerKID(t, m, "main", ES256); got != next[0].KID {
		t.Fatalf("signer %s, want %s", got, next[0].KID)
	}
}

func TestUniqueKIDs(t *testing.T) {
	ctx := context.Background()
	st, c := newMemStore(), newClock()
	m := newTestManager(st, c, ES256)
	if err := m.EnsureKeys(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	for range 49 {
		if _, err := m.Rotate(ctx, "main"); err != nil {
			t.Fatal(err)
		}
		c.Advance(testLead)
	}
	list, err := m.List(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 50 {
		t.Fatalf("%d keys, want 50", len(list))
	}
	seen := map[string]bool{}
	for _, k := range list {
		if seen[k.KID] {
			t.Fatalf("duplicate kid %s", k.KID)
		}
		seen[k.KID] = true
	}
	// Every stored kid is the RFC 7638 thumbprint of its key.
	rows, _ := st.ListKeys(ctx, "main")
	for _, r := range rows {
		ok, err := m.openRow(r)
		if err != nil {
			t.Fatal(err)
		}
		if kid, _ := thumbprintKID(ok.signer.Public()); kid != r.KID {
			t.Fatalf("kid %s is not the thumbprint %s", r.KID, kid)
		}
	}
	// Exactly one key signs, the latest; 48 retired ones expired or not.
	var signing int
	for _, k := range list {
		if k.Signing {
			signing++
		}
	}
	if signing != 1 {
		t.Fatalf("%d signing keys, want 1", signing)
	}
}
