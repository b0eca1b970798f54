package keys

import (
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func TestStateAndPick(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := time.Hour
	key := func(kid string, act, ret, unpub time.Duration) storage.Key {
		k := storage.Key{KID: kid, Alg: ES256, CreatedAt: t0.Add(-48 * h), ActivatesAt: t0.Add(act)}
		if ret != 0 {
			k.RetiresAt = t0.Add(ret)
		}
		if unpub != 0 {
			k.UnpublishAt = t0.Add(unpub)
		}
		return k
	}
	states := []struct {
		k    storage.Key
		want State
		pub  bool
	}{
		{key("a", -h, 0, 0), StateActive, true},
		{key("b", 0, 0, 0), StateActive, true}, // ActivatesAt == now signs
		{key("c", time.Second, 0, 0), StateNext, true},
		{key("d", -2*h, 0, h), StateRetired, true}, // RetiresAt == now no longer signs
		{key("e", -2*h, -h, time.Nanosecond), StateRetired, true},
		{key("f", -2*h, -h, 0), StateExpired, false}, // UnpublishAt == now is gone
	}
	states[3].k.RetiresAt = t0
	states[5].k.UnpublishAt = t0
	for _, s := range states {
		if got := stateAt(s.k, t0); got != s.want {
			t.Errorf("%s: state %s, want %s", s.k.KID, got, s.want)
		}
		if got := published(s.k, t0); got != s.pub {
			t.Errorf("%s: published %v, want %v", s.k.KID, got, s.pub)
		}
	}
	future := key("z", h, 0, 0)
	future.CreatedAt = t0.Add(time.Second)
	if published(future, t0) {
		t.Error("key created in the future is published")
	}

	picks := []struct {
		name string
		rows []storage.Key
		want string
	}{
		{"latest activation wins", []storage.Key{key("m", -2*h, 0, 0), key("a", -h, 0, 0), key("x", -3*h, 0, 0)}, "a"},
		{"tie broken by greater kid", []storage.Key{key("k1", -h, 0, 0), key("k3", -h, 0, 0), key("k2", -h, 0, 0)}, "k3"},
		{"next and retired ignored", []storage.Key{key("n", h, 0, 0), key("r", -3*h, -h, 0), key("a", -2*h, 0, 0)}, "a"},
		{"none", []storage.Key{key("n", h, 0, 0)}, ""},
	}
	for _, p := range picks {
		t.Run(p.name, func(t *testing.T) {
			got, ok := pick(p.rows, ES256, StateActive, t0)
			if got.KID != p.want || ok != (p.want != "") {
				t.Fatalf("pick = %q %v, want %q", got.KID, ok, p.want)
			}
		})
	}
}
