package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// TestDeadlineIsUnavailable: a call whose deadline ran out learned nothing
// about the record; it must not read as not found.
func TestDeadlineIsUnavailable(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := s.GetClient(ctx, "main", "tool")
	if !errors.Is(err, storage.ErrUnavailable) || errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetClient past its deadline: %v, want storage.ErrUnavailable", err)
	}
}
