package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/oidcp/oidcp/storage/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations are the PostgreSQL schema files, NNNN_name.sql at the root.
var Migrations = mustSub(migrationFiles, "migrations")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// SQLSTATEs mapped to sentinels (PostgreSQL Appendix A).
const (
	uniqueViolation      = "23505"
	serializationFailure = "40001"
	deadlockDetected     = "40P01"
	// Class 08 is "connection exception"; these say the server is not
	// serving: shutting down, crashed, starting up, full.
	adminShutdown      = "57P01"
	crashShutdown      = "57P02"
	cannotConnectNow   = "57P03"
	tooManyConnections = "53300"
)

// migrationLockID is the advisory lock key that serialises Migrate across
// nodes. pg_advisory_xact_lock releases it at commit or rollback.
const migrationLockID = 7_305_711_042

// Dialect is PostgreSQL's dialect for sqlstore.
var Dialect = sqlstore.Dialect{
	Name:            "postgres",
	IsConflict:      func(err error) bool { return sqlState(err) == uniqueViolation },
	IsSerialization: isSerialization,
	IsUnavailable:   isUnavailable,
	ForUpdate:       " FOR UPDATE",
	ForShare:        " FOR SHARE",
	SkipLocked:      " FOR UPDATE SKIP LOCKED",
	EncodeTime:      sqlstore.UTCMicro,
	TimeType:        "TIMESTAMPTZ",
	Arrays:          true,
	MigrationLock:   fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", migrationLockID),
	// set_config(..., true) is SET LOCAL: it holds until the end of the
	// transaction of the statement that evaluates it, here the single
	// INSERT of Store.IssueTokens, which is its own transaction; the
	// executor evaluates RETURNING for every inserted row before the
	// commit, also when the driver discards the rows.
	RelaxedCommit: " RETURNING set_config('synchronous_commit', 'off', true)",
}

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func isSerialization(err error) bool {
	c := sqlState(err)
	return c == serializationFailure || c == deadlockDetected
}

// isUnavailable reports the errors that mean PostgreSQL is not reachable
// or not serving, so that callers answer "try again" rather than read a
// failed lookup as a missing record: a failed connect (refused, reset,
// unknown host, authentication during a restart), a timeout, a connection
// lost mid-statement, or the server's own "shutting down" SQLSTATEs.
func isUnavailable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	switch c := sqlState(err); {
	case strings.HasPrefix(c, "08"):
		return true
	case c == adminShutdown, c == crashShutdown, c == cannotConnectNow, c == tooManyConnections:
		return true
	}
	return false
}

// Options size the connection pool.
type Options struct {
	MaxOpenConns int // default 20
	// MaxIdleConns defaults to MaxOpenConns: under load, a pool that
	// keeps fewer idle closes the connections a burst returns and opens
	// new ones for the next (a backend process fork and an
	// authentication each); ConnMaxIdleTime trims them when idle.
	MaxIdleConns    int
	ConnMaxLifetime time.Duration // default 30 min, so connections follow failovers and DNS changes
	ConnMaxIdleTime time.Duration // default 5 min
}

// Option changes Options.
type Option func(*Options)

// WithPool sets the pool size: at most open connections, idle of them kept.
func WithPool(open, idle int) Option {
	return func(o *Options) { o.MaxOpenConns, o.MaxIdleConns = open, idle }
}

// WithConnMaxLifetime sets Options.ConnMaxLifetime.
func WithConnMaxLifetime(d time.Duration) Option { return func(o *Options) { o.ConnMaxLifetime = d } }

// Open connects to the database at dsn (a postgres:// URL or key=value
// string as pgx accepts) and checks that it answers. It does not migrate;
// call Migrate.
func Open(ctx context.Context, dsn string, opts ...Option) (*sqlstore.Store, error) {
	o := Options{MaxOpenConns: 20, MaxIdleConns: 20, ConnMaxLifetime: 30 * time.Minute, ConnMaxIdleTime: 5 * time.Minute}
	for _, opt := range opts {
		opt(&o)
	}
	db, err := openDB(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db.SetMaxOpenConns(o.MaxOpenConns)
	db.SetMaxIdleConns(o.MaxIdleConns)
	db.SetConnMaxLifetime(o.ConnMaxLifetime)
	db.SetConnMaxIdleTime(o.ConnMaxIdleTime)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s := sqlstore.New(db, Dialect, Migrations)
	// Tokens issued and read by concurrent requests share statements.
	s.BatchStatements(batchesInFlight)
	return s, nil
}

// batchesInFlight is how many shared statements of each kind (token
// issues, token reads) run at once. Two: one runs while the next
// fills, so a lone call still runs at once and a burst of up to a
// batch's rows (64) waits for at most one round trip. More let calls run alone that would have
// shared a statement, and each statement costs the database a parse,
// a bind, an execution and a commit whatever its rows: with a quarter
// of the pool (5 of 20) PostgreSQL spent 60–75 µs of CPU per
// introspection and 190–250 µs per client_credentials token, with two
// 33–40 and 140–200 µs, and oidcp answered up to half as many again
// (docs/performance.md, round 7).
const batchesInFlight = 2

// defaultConnectTimeout bounds a connection attempt when the DSN sets no
// connect_timeout. Without it a database host that drops packets holds
// every request for the operating system's TCP timeout (minutes) instead
// of failing it as unavailable.
var defaultConnectTimeout = 5 * time.Second

// openDB is sql.Open for pgx with defaultConnectTimeout applied.
func openDB(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = defaultConnectTimeout
		cfg.DialFunc = (&net.Dialer{Timeout: defaultConnectTimeout, KeepAlive: 5 * time.Minute}).DialContext
	}
	return stdlib.OpenDB(*cfg), nil
}
