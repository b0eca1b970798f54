package conformance

import (
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func testDPoPProofs(t *testing.T, s storage.Storage) {
	proof := func(tenant, jkt, jti string, exp time.Duration) storage.DPoPProof {
		return storage.DPoPProof{Tenant: tenant, JKT: jkt, JTI: jti, ExpiresAt: at(exp)}
	}
	t.Run("a proof is recorded once", func(t *testing.T) {
		must(t, s.RecordDPoPProof(ctx(t), proof("t1", "key-a", "jti-1", time.Minute)), "first record")
		wantErr(t, s.RecordDPoPProof(ctx(t), proof("t1", "key-a", "jti-1", 2*time.Minute)), storage.ErrConflict, "same proof again")
	})
	t.Run("the key is tenant, jkt and jti", func(t *testing.T) {
		must(t, s.RecordDPoPProof(ctx(t), proof("t2", "key-a", "jti-1", time.Minute)), "other tenant")
		must(t, s.RecordDPoPProof(ctx(t), proof("t1", "key-b", "jti-1", time.Minute)), "other key")
		must(t, s.RecordDPoPProof(ctx(t), proof("t1", "key-a", "jti-2", 3*time.Minute)), "other jti")
	})
	t.Run("concurrent records: one wins", func(t *testing.T) {
		errs := race(8, func(int) error {
			return s.RecordDPoPProof(ctx(t), proof("t1", "key-a", "jti-race", time.Minute))
		})
		oneWinner(t, errs, storage.ErrConflict, "concurrent RecordDPoPProof")
	})
	t.Run("delete expired", func(t *testing.T) {
		// Expiring at +1m: t1/key-a/jti-1, t2/key-a/jti-1, t1/key-b/jti-1,
		// t1/key-a/jti-race; at +3m: t1/key-a/jti-2.
		n, err := s.DeleteExpiredDPoPProofs(ctx(t), at(2*time.Minute))
		must(t, err, "DeleteExpiredDPoPProofs")
		if n != 4 {
			t.Fatalf("deleted %d proofs, want 4", n)
		}
		must(t, s.RecordDPoPProof(ctx(t), proof("t1", "key-a", "jti-1", time.Minute)), "a deleted proof is recorded anew")
		wantErr(t, s.RecordDPoPProof(ctx(t), proof("t1", "key-a", "jti-2", time.Minute)), storage.ErrConflict, "an unexpired proof stays")
	})
}
