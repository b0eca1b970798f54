package sqlstore

import (
	"context"

	"github.com/oidcp/oidcp/storage"
)

// SetDeleteEventsBatch sets the batch size of DeleteEventsBefore for a
// test and returns the function that restores it.
func SetDeleteEventsBatch(n int) (restore func()) {
	old := deleteEventsBatch
	deleteEventsBatch = n
	return func() { deleteEventsBatch = old }
}

// QueuedIssues is the number of IssueTokens calls waiting in the batcher's
// queue (not yet taken by a batch).
func (s *Store) QueuedIssues() int { return s.issue.queued() }

// QueuedReads is the number of GetToken calls waiting in the batcher's
// queue.
func (s *Store) QueuedReads() int { return s.reads.queued() }

func (b *batcher[T]) queued() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pending)
}

// InsertEvents is the event writer's batch write, for a test.
func (s *Store) InsertEvents(ctx context.Context, es []storage.Event) error {
	return s.insertEvents(ctx, es)
}
