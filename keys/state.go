package keys

import (
	"time"

	"github.com/oidcp/oidcp/storage"
)

// State is where a key is in its life cycle at an instant.
type State string

// Key states, in life-cycle order.
const (
	// StateNext: published, not yet signing.
	StateNext State = "next"
	// StateActive: published and signing (ActivatesAt <= now < RetiresAt).
	StateActive State = "active"
	// StateRetired: no longer signing, still published so that what it
	// signed keeps verifying.
	StateRetired State = "retired"
	// StateExpired: no longer published.
	StateExpired State = "expired"
)

// stateAt is k's state at now. Zero RetiresAt / UnpublishAt mean "not
// scheduled", i.e. never.
func stateAt(k storage.Key, now time.Time) State {
	switch {
	case !k.UnpublishAt.IsZero() && !now.Before(k.UnpublishAt):
		return StateExpired
	case !k.RetiresAt.IsZero() && !now.Before(k.RetiresAt):
		return StateRetired
	case now.Before(k.ActivatesAt):
		return StateNext
	}
	return StateActive
}

// published reports whether k belongs in the JWKS at now:
// CreatedAt <= now < UnpublishAt (or no UnpublishAt).
func published(k storage.Key, now time.Time) bool {
	return !now.Before(k.CreatedAt) && (k.UnpublishAt.IsZero() || now.Before(k.UnpublishAt))
}

// later orders keys the way every node breaks ties: the later ActivatesAt
// wins, then the greater kid. It is what makes duplicate active keys (from
// racing EnsureKeys or Rotate calls) harmless.
func later(a, b storage.Key) bool {
	if !a.ActivatesAt.Equal(b.ActivatesAt) {
		return a.ActivatesAt.After(b.ActivatesAt)
	}
	return a.KID > b.KID
}

// pick returns the latest key of alg in state st at now, if any.
func pick(rows []storage.Key, alg string, st State, now time.Time) (storage.Key, bool) {
	var best storage.Key
	found := false
	for _, k := range rows {
		if k.Alg != alg || stateAt(k, now) != st {
			continue
		}
		if !found || later(k, best) {
			best, found = k, true
		}
	}
	return best, found
}

// newestFirst is a slices.SortFunc comparator using the same order as later.
func newestFirst(a, b storage.Key) int {
	switch {
	case later(a, b):
		return -1
	case later(b, a):
		return 1
	}
	return 0
}
