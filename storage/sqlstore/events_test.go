package sqlstore_test

import (
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/sqlstore"
)

// TestDeleteEventsBeforeBatches: a backlog larger than one batch is
// deleted whole, in several statements, and the count is the total.
func TestDeleteEventsBeforeBatches(t *testing.T) {
	defer sqlstore.SetDeleteEventsBatch(3)()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			s, _ := open(t)
			defer s.Close()
			for i := range 10 {
				for _, tenant := range []string{"main", "other"} {
					if _, err := s.AppendEvent(t.Context(), storage.Event{Tenant: tenant, Time: base.Add(time.Duration(i) * time.Hour), Kind: "login"}); err != nil {
						t.Fatal(err)
					}
				}
			}
			var statements int
			s.SetStatementCounter(func(q string) { statements++ })
			// 7 of main's events are before hour 7: batches of 3, 3, 1.
			n, err := s.DeleteEventsBefore(t.Context(), "main", base.Add(7*time.Hour))
			s.SetStatementCounter(nil)
			if err != nil || n != 7 {
				t.Fatalf("deleted %d, %v; want 7", n, err)
			}
			if statements != 3 {
				t.Errorf("%d statements, want 3 batches", statements)
			}
			for tenant, want := range map[string]int{"main": 3, "other": 10} {
				es, err := s.ListEvents(t.Context(), storage.EventFilter{Tenant: tenant})
				if err != nil || len(es) != want {
					t.Errorf("%s: %d events left, %v; want %d", tenant, len(es), err, want)
				}
			}
			// Exactly a batch: one more statement finds nothing.
			n, err = s.DeleteEventsBefore(t.Context(), "other", base.Add(3*time.Hour))
			if err != nil || n != 3 {
				t.Fatalf("deleted %d, %v; want 3", n, err)
			}
		})
	}
}
