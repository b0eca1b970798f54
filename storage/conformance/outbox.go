package conformance

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func newMessage(id string, due time.Time) storage.OutboxMessage {
	return storage.OutboxMessage{
		ID: id, Tenant: "main", ClientID: "tool", URI: "https://tool.example/bcl", Subject: pidAlice,
		SessionID: "chain-1", GrantID: "g-1", Reason: "grant_revoked", State: storage.OutboxPending,
		CreatedAt: due, NextAttemptAt: due, GiveUpAt: due.Add(15 * time.Minute),
	}
}

func testOutbox(t *testing.T, s storage.Storage) {
	t.Run("claim leases due messages once; retry, delivery and giving up", func(t *testing.T) {
		must(t, s.EnqueueOutbox(ctx(t), newMessage("m-1", at(0)), newMessage("m-2", at(time.Second)), newMessage("m-later", at(time.Hour))), "EnqueueOutbox")
		got, err := s.ClaimOutbox(ctx(t), at(2*time.Second), 30*time.Second, 10)
		must(t, err, "ClaimOutbox")
		if len(got) != 2 {
			t.Fatalf("claimed %d messages, want the 2 due ones", len(got))
		}
		again, err := s.ClaimOutbox(ctx(t), at(3*time.Second), 30*time.Second, 10)
		must(t, err, "ClaimOutbox again")
		if len(again) != 0 {
			t.Fatalf("claimed %d leased messages again", len(again))
		}
		var m1 storage.OutboxMessage
		for _, m := range got {
			if m.ID == "m-1" {
				m1 = m
			}
		}
		_, err = s.FinishOutbox(ctx(t), "m-1", "not-the-claim", storage.OutboxResult{At: at(4 * time.Second), Delivered: true})
		wantErr(t, err, storage.ErrInactive, "FinishOutbox with a foreign claim")
		res, err := s.FinishOutbox(ctx(t), "m-1", m1.Claim, storage.OutboxResult{At: at(4 * time.Second), Error: "connection refused", RetryAt: at(10 * time.Second)})
		must(t, err, "FinishOutbox retry")
		if res.State != storage.OutboxPending || res.Attempts != 1 || res.LastError != "connection refused" {
			t.Fatalf("after a failed attempt: %+v", res)
		}
		// The lease was released, but the retry is not due yet.
		none, err := s.ClaimOutbox(ctx(t), at(5*time.Second), 30*time.Second, 10)
		must(t, err, "ClaimOutbox before retry")
		if len(none) != 0 {
			t.Fatalf("claimed %d messages before their retry time", len(none))
		}
		retry, err := s.ClaimOutbox(ctx(t), at(10*time.Second), 30*time.Second, 10)
		must(t, err, "ClaimOutbox at retry")
		if len(retry) != 1 || retry[0].ID != "m-1" {
			t.Fatalf("claimed %+v at the retry time, want m-1", retry)
		}
		done, err := s.FinishOutbox(ctx(t), "m-1", retry[0].Claim, storage.OutboxResult{At: at(11 * time.Second), Delivered: true})
		must(t, err, "FinishOutbox delivered")
		if done.State != storage.OutboxDelivered || done.Attempts != 2 || done.DoneAt == nil {
			t.Fatalf("delivered message: %+v", done)
		}
		_, err = s.FinishOutbox(ctx(t), "m-1", retry[0].Claim, storage.OutboxResult{At: at(12 * time.Second), Delivered: true})
		wantErr(t, err, storage.ErrInactive, "FinishOutbox after delivery")

		// m-2's lease runs out (its node died): it is handed out again.
		var m2 storage.OutboxMessage
		for _, m := range got {
			if m.ID == "m-2" {
				m2 = m
			}
		}
		reclaimed, err := s.ClaimOutbox(ctx(t), at(40*time.Second), 30*time.Second, 10)
		must(t, err, "ClaimOutbox after lease")
		if len(reclaimed) != 1 || reclaimed[0].ID != "m-2" || reclaimed[0].Claim == m2.Claim {
			t.Fatalf("reclaimed %+v, want m-2 under a new claim", reclaimed)
		}
		_, err = s.FinishOutbox(ctx(t), "m-2", m2.Claim, storage.OutboxResult{At: at(41 * time.Second), Delivered: true})
		wantErr(t, err, storage.ErrInactive, "FinishOutbox with the expired claim")
		failed, err := s.FinishOutbox(ctx(t), "m-2", reclaimed[0].Claim, storage.OutboxResult{At: at(41 * time.Second), Error: "503", RetryAt: at(time.Hour)})
		must(t, err, "FinishOutbox past give-up")
		if failed.State != storage.OutboxFailed || failed.DoneAt == nil {
			t.Fatalf("a retry after GiveUpAt must fail the message: %+v", failed)
		}
		list, err := s.ListOutbox(ctx(t), "main", "tool")
		must(t, err, "ListOutbox")
		if len(list) != 3 {
			t.Fatalf("ListOutbox = %d messages, want 3", len(list))
		}
		n, err := s.DeleteDoneOutbox(ctx(t), at(time.Hour))
		must(t, err, "DeleteDoneOutbox")
		if n != 2 {
			t.Fatalf("DeleteDoneOutbox removed %d, want the 2 finished", n)
		}
		_, err = s.GetOutbox(ctx(t), "m-later")
		must(t, err, "GetOutbox pending")
	})
	t.Run("concurrent claimers never share a message", func(t *testing.T) {
		var ms []storage.OutboxMessage
		for i := range 40 {
			m := newMessage(id("race", i), at(2*time.Hour))
			m.Tenant = "race"
			ms = append(ms, m)
		}
		must(t, s.EnqueueOutbox(ctx(t), ms...), "EnqueueOutbox")
		var mu sync.Mutex
		seen := map[string]int{}
		errs := race(4, func(int) error {
			for range 20 {
				got, err := s.ClaimOutbox(ctx(t), at(3*time.Hour), time.Minute, 3)
				if err != nil {
					return err
				}
				mu.Lock()
				for _, m := range got {
					seen[m.ID]++
				}
				mu.Unlock()
			}
			return nil
		})
		for _, err := range errs {
			if err != nil && !isSerialization(err) {
				t.Fatalf("ClaimOutbox: %v", err)
			}
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("message %s was claimed %d times", id, n)
			}
		}
	})
}

// isSerialization reports a claimer that lost to a concurrent one; it
// claimed nothing, which is a correct outcome.
func isSerialization(err error) bool { return errors.Is(err, storage.ErrSerialization) }
