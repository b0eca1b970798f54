package sqlstore

import "time"

// Dialect is what differs between the engines sqlstore runs on.
type Dialect struct {
	// Name identifies the engine in error messages ("sqlite", "postgres").
	Name string
	// IsConflict reports whether err is a unique or primary-key violation.
	IsConflict func(err error) bool
	// IsSerialization reports whether err means a concurrent transaction
	// won (serialization failure, deadlock, database busy).
	IsSerialization func(err error) bool
	// IsUnavailable reports whether err means the database server could
	// not be reached or is not serving (beyond the network and deadline
	// errors sqlstore recognises for every engine).
	IsUnavailable func(err error) bool
	// ForUpdate is appended to the SELECT of a read-modify-write
	// transaction. PostgreSQL needs " FOR UPDATE" to lock the row under
	// READ COMMITTED; SQLite's immediate transactions already hold the
	// database write lock, and it has no such clause.
	ForUpdate string
	// ForShare is appended to the SELECT that holds a row against
	// writers until the transaction ends while letting other holders
	// read it (LockGrant). PostgreSQL: " FOR SHARE", which an UPDATE of
	// the row waits for; SQLite: nothing, its immediate transactions
	// are serialised.
	ForShare string
	// SkipLocked is appended to the SELECT that picks rows for a node to
	// claim (the outbox): PostgreSQL's " FOR UPDATE SKIP LOCKED" lets two
	// nodes claim at once without waiting for or taking each other's
	// rows; SQLite serialises writers and needs nothing.
	SkipLocked string
	// EncodeTime turns a non-zero time into a bind value. Zero times are
	// stored as NULL and never reach it.
	EncodeTime func(t time.Time) any
	// TimeType is the column type of a timestamp, used for the
	// schema_migrations table that sqlstore creates itself.
	TimeType string
	// NoHistograms: the planner knows nothing of how values spread
	// (SQLite without ANALYZE, and even with it only counts rows per
	// key), so a range condition on an indexed column may lure it onto
	// that index away from an equality one that fits the ORDER BY.
	// Queries that know which index they want then write the range on
	// an expression the planner cannot match to an index.
	NoHistograms bool
	// RelaxedCommit, when set, is a clause appended to an INSERT that
	// lets the transaction of that one statement commit without waiting
	// for its WAL to reach disk (PostgreSQL: a RETURNING of set_config
	// of synchronous_commit, local to that transaction, so it never
	// outlives the statement on a pooled connection). Store.IssueTokens
	// uses it for writes that only issue; see there why that is safe.
	// SQLite leaves it empty: under WAL with synchronous=NORMAL its
	// commits already skip the fsync.
	RelaxedCommit string
	// Arrays: the engine takes typed arrays as parameters and unnests
	// several at once into rows (PostgreSQL's unnest(a, b, …)), so a
	// statement over any number of rows has one text. Store.BatchStatements
	// needs it.
	Arrays bool
	// MigrationLock, when set, is executed first in every migration
	// transaction so that two nodes starting at once apply each migration
	// once (PostgreSQL: pg_advisory_xact_lock).
	MigrationLock string
}

// UnixMicro encodes a time as INTEGER microseconds since the Unix epoch.
// SQLite has no timestamp type; integers compare correctly and keep
// microsecond precision.
func UnixMicro(t time.Time) any { return t.UnixMicro() }

// UTCMicro encodes a time as a UTC time.Time truncated to microseconds, the
// precision of PostgreSQL's timestamptz.
func UTCMicro(t time.Time) any { return t.UTC().Truncate(time.Microsecond) }
