package conformance

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func testSecrets(t *testing.T, s storage.Storage) {
	first := storage.TenantSecret{Tenant: "main", Name: "hmac", Sealed: []byte("sealed-1"), CreatedAt: at(0)}
	got, err := s.PutSecretIfAbsent(ctx(t), first)
	must(t, err, "PutSecretIfAbsent")
	same(t, got, first, "stored secret")

	second := storage.TenantSecret{Tenant: "main", Name: "hmac", Sealed: []byte("sealed-2"), CreatedAt: at(time.Hour)}
	got, err = s.PutSecretIfAbsent(ctx(t), second)
	must(t, err, "PutSecretIfAbsent again")
	same(t, got, first, "existing secret wins")

	other := storage.TenantSecret{Tenant: "sandbox", Name: "hmac", Sealed: []byte("sealed-3"), CreatedAt: at(0)}
	got, err = s.PutSecretIfAbsent(ctx(t), other)
	must(t, err, "PutSecretIfAbsent other tenant")
	same(t, got, other, "secrets are per tenant")

	got, err = s.GetSecret(ctx(t), "main", "hmac")
	must(t, err, "GetSecret")
	same(t, got, first, "read secret")
	_, err = s.GetSecret(ctx(t), "main", "missing")
	wantErr(t, err, storage.ErrNotFound, "GetSecret missing")
	_, err = s.GetSecret(ctx(t), "other", "hmac")
	wantErr(t, err, storage.ErrNotFound, "GetSecret other tenant")

	t.Run("racing nodes agree", func(t *testing.T) {
		const n = 10
		results := make([]storage.TenantSecret, n)
		errs := race(n, func(i int) error {
			var err error
			results[i], err = s.PutSecretIfAbsent(context.Background(), storage.TenantSecret{
				Tenant: "main", Name: "pairwise-salt", Sealed: fmt.Appendf(nil, "candidate-%d", i), CreatedAt: at(0),
			})
			return err
		})
		for _, err := range errs {
			must(t, err, "racing PutSecretIfAbsent")
		}
		var isCandidate bool
		for i := range n {
			if !bytes.Equal(results[i].Sealed, results[0].Sealed) {
				t.Fatalf("goroutine %d got %q, goroutine 0 got %q", i, results[i].Sealed, results[0].Sealed)
			}
			isCandidate = isCandidate || bytes.Equal(results[0].Sealed, fmt.Appendf(nil, "candidate-%d", i))
		}
		if !isCandidate {
			t.Fatalf("agreed value %q is none of the candidates", results[0].Sealed)
		}
	})
}
