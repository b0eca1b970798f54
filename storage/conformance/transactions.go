package conformance

import (
	"testing"

	"github.com/oidcp/oidcp/storage"
)

func testTransactions(t *testing.T, s storage.Storage) {
	t.Run("commit makes writes visible", func(t *testing.T) {
		tx, err := s.BeginTx(ctx(t))
		must(t, err, "BeginTx")
		must(t, s.CreateClient(tx, newClient("main", "tx-commit")), "CreateClient in tx")
		must(t, s.CreateToken(tx, newToken(storage.KindAccessToken, "tx-a", "tx-req")), "CreateToken in tx")
		_, err = s.GetClient(tx, "main", "tx-commit")
		must(t, err, "GetClient inside the tx sees its own write")
		must(t, s.Commit(tx), "Commit")
		_, err = s.GetClient(ctx(t), "main", "tx-commit")
		must(t, err, "GetClient after commit")
		_, err = s.GetToken(ctx(t), "main", storage.KindAccessToken, "tx-a")
		must(t, err, "GetToken after commit")
	})
	t.Run("rollback discards writes", func(t *testing.T) {
		tx, err := s.BeginTx(ctx(t))
		must(t, err, "BeginTx")
		must(t, s.CreateClient(tx, newClient("main", "tx-rollback")), "CreateClient in tx")
		must(t, s.DeactivateToken(tx, "main", storage.KindAccessToken, "tx-a"), "DeactivateToken in tx")
		must(t, s.Rollback(tx), "Rollback")
		_, err = s.GetClient(ctx(t), "main", "tx-rollback")
		wantErr(t, err, storage.ErrNotFound, "GetClient after rollback")
		if !getActive(t, s, storage.KindAccessToken, "tx-a") {
			t.Fatal("deactivation survived rollback")
		}
	})
	t.Run("a failed call inside a tx rolls back everything", func(t *testing.T) {
		tx, err := s.BeginTx(ctx(t))
		must(t, err, "BeginTx")
		must(t, s.CreateToken(tx, newToken(storage.KindRefreshToken, "tx-r", "tx-req2")), "CreateToken in tx")
		// A duplicate: the caller sees ErrConflict and gives up.
		wantErr(t, s.CreateClient(tx, newClient("main", "tx-commit")), storage.ErrConflict, "duplicate in tx")
		must(t, s.Rollback(tx), "Rollback")
		_, err = s.GetToken(ctx(t), "main", storage.KindRefreshToken, "tx-r")
		wantErr(t, err, storage.ErrNotFound, "token from the failed tx")
	})
	t.Run("read-modify-write joins the tx", func(t *testing.T) {
		tx, err := s.BeginTx(ctx(t))
		must(t, err, "BeginTx")
		must(t, s.UpdateClient(tx, "main", "tx-commit", func(c storage.Client) (storage.Client, error) {
			c.Name = "changed in tx"
			return c, nil
		}), "UpdateClient in tx")
		must(t, s.Rollback(tx), "Rollback")
		c, err := s.GetClient(ctx(t), "main", "tx-commit")
		must(t, err, "GetClient")
		if c.Name == "changed in tx" {
			t.Fatal("UpdateClient committed on its own inside a rolled-back tx")
		}
	})
	t.Run("misuse is an error", func(t *testing.T) {
		if err := s.Commit(ctx(t)); err == nil {
			t.Fatal("Commit without a transaction succeeded")
		}
		if err := s.Rollback(ctx(t)); err == nil {
			t.Fatal("Rollback without a transaction succeeded")
		}
		tx, err := s.BeginTx(ctx(t))
		must(t, err, "BeginTx")
		defer s.Rollback(tx)
		if _, err := s.BeginTx(tx); err == nil {
			t.Fatal("nested BeginTx succeeded")
		}
	})
}
