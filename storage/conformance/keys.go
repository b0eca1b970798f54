package conformance

import (
	"errors"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func testKeys(t *testing.T, s storage.Storage) {
	k1 := storage.Key{
		Tenant: "main", KID: "k1", Alg: "RS256",
		PrivateSealed: []byte("sealed-private-1"), PublicJWK: []byte(`{"kty":"RSA","kid":"k1"}`),
		CreatedAt: at(0), ActivatesAt: at(time.Hour),
	}
	k2 := k1
	k2.KID, k2.Alg, k2.CreatedAt = "k2", "ES256", at(time.Minute)
	k2.PrivateSealed, k2.PublicJWK = []byte("sealed-private-2"), []byte(`{"kty":"EC","kid":"k2"}`)
	must(t, s.CreateKey(ctx(t), k2), "CreateKey k2")
	must(t, s.CreateKey(ctx(t), k1), "CreateKey k1")
	other := k1
	other.Tenant = "sandbox"
	must(t, s.CreateKey(ctx(t), other), "same kid, other tenant")
	wantErr(t, s.CreateKey(ctx(t), k1), storage.ErrConflict, "duplicate CreateKey")

	ks, err := s.ListKeys(ctx(t), "main")
	must(t, err, "ListKeys")
	same(t, ks, []storage.Key{k1, k2}, "keys oldest first, zero times kept zero")

	must(t, s.UpdateKey(ctx(t), "main", "k1", func(k storage.Key) (storage.Key, error) {
		k.RetiresAt, k.UnpublishAt = at(2*time.Hour), at(5*time.Hour)
		return k, nil
	}), "UpdateKey")
	ks, err = s.ListKeys(ctx(t), "main")
	must(t, err, "ListKeys")
	want := k1
	want.RetiresAt, want.UnpublishAt = at(2*time.Hour), at(5*time.Hour)
	same(t, ks[0], want, "retired key")

	boom := errors.New("boom")
	wantErr(t, s.UpdateKey(ctx(t), "main", "k2", func(k storage.Key) (storage.Key, error) { return k, boom }), boom,
		"UpdateKey failing fn")
	wantErr(t, s.UpdateKey(ctx(t), "main", "nope", func(k storage.Key) (storage.Key, error) { return k, nil }),
		storage.ErrNotFound, "UpdateKey missing")
	ks, err = s.ListKeys(ctx(t), "none")
	must(t, err, "ListKeys empty tenant")
	if len(ks) != 0 {
		t.Fatalf("empty tenant has %d keys", len(ks))
	}
}
