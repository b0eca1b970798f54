package conformance

import (
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func newFlow(id, purpose string, exp time.Duration) storage.Flow {
	return storage.Flow{ID: id, Tenant: "main", Purpose: purpose, Data: []byte("sealed state"), CreatedAt: at(0),
		ExpiresAt: at(exp)}
}

func testFlows(t *testing.T, s storage.Storage) {
	f := newFlow("flow-1", "upstream_login", 10*time.Minute)
	must(t, s.CreateFlow(ctx(t), f), "CreateFlow")
	wantErr(t, s.CreateFlow(ctx(t), f), storage.ErrConflict, "duplicate CreateFlow")

	t.Run("get is bound to purpose", func(t *testing.T) {
		got, err := s.GetFlow(ctx(t), "flow-1", "upstream_login")
		must(t, err, "GetFlow")
		same(t, got, f, "flow")
		_, err = s.GetFlow(ctx(t), "flow-1", "consent")
		wantErr(t, err, storage.ErrNotFound, "GetFlow other purpose")
	})
	t.Run("take once", func(t *testing.T) {
		_, err := s.TakeFlow(ctx(t), "flow-1", "consent")
		wantErr(t, err, storage.ErrNotFound, "TakeFlow other purpose")
		got, err := s.TakeFlow(ctx(t), "flow-1", "upstream_login")
		must(t, err, "TakeFlow (the wrong purpose must not have consumed it)")
		same(t, got, f, "taken flow")
		_, err = s.TakeFlow(ctx(t), "flow-1", "upstream_login")
		wantErr(t, err, storage.ErrNotFound, "TakeFlow twice")
		_, err = s.GetFlow(ctx(t), "flow-1", "upstream_login")
		wantErr(t, err, storage.ErrNotFound, "GetFlow after take")
	})
	t.Run("concurrent take: one wins", func(t *testing.T) {
		for round := range 20 {
			fid := id("flow-race", round)
			must(t, s.CreateFlow(ctx(t), newFlow(fid, "handoff", time.Minute)), "CreateFlow")
			got := make([]storage.Flow, 2)
			errs := race(2, func(i int) error {
				var err error
				got[i], err = s.TakeFlow(ctx(t), fid, "handoff")
				return err
			})
			oneWinner(t, errs, storage.ErrNotFound, "TakeFlow race")
			for i, err := range errs {
				if err == nil && got[i].ID != fid {
					t.Fatalf("winner got flow %q, want %q", got[i].ID, fid)
				}
			}
		}
	})
	t.Run("delete expired", func(t *testing.T) {
		must(t, s.CreateFlow(ctx(t), newFlow("old", "x", time.Minute)), "CreateFlow old")
		must(t, s.CreateFlow(ctx(t), newFlow("new", "x", time.Hour)), "CreateFlow new")
		n, err := s.DeleteExpiredFlows(ctx(t), at(30*time.Minute))
		must(t, err, "DeleteExpiredFlows")
		if n != 1 {
			t.Fatalf("DeleteExpiredFlows removed %d, want 1", n)
		}
		_, err = s.GetFlow(ctx(t), "old", "x")
		wantErr(t, err, storage.ErrNotFound, "expired flow")
		_, err = s.GetFlow(ctx(t), "new", "x")
		must(t, err, "unexpired flow")
	})
}
