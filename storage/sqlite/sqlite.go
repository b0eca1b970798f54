package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/oidcp/oidcp/storage/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations are the SQLite schema files, NNNN_name.sql at the root.
var Migrations = mustSub(migrationFiles, "migrations")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Options tune the connection pool and locking.
type Options struct {
	// BusyTimeout is how long a statement waits for another connection's
	// write lock before failing with storage.ErrSerialization. Default 10s.
	BusyTimeout time.Duration
	// MaxOpenConns bounds the pool. SQLite has one writer at a time; WAL
	// lets readers proceed beside it, so a few connections help reads
	// while writes queue on the lock. Default max(4, GOMAXPROCS).
	MaxOpenConns int
}

// Option changes Options.
type Option func(*Options)

// WithBusyTimeout sets Options.BusyTimeout.
func WithBusyTimeout(d time.Duration) Option { return func(o *Options) { o.BusyTimeout = d } }

// WithMaxOpenConns sets Options.MaxOpenConns.
func WithMaxOpenConns(n int) Option { return func(o *Options) { o.MaxOpenConns = n } }

// Dialect is SQLite's dialect for sqlstore.
var Dialect = sqlstore.Dialect{
	Name:            "sqlite",
	IsConflict:      isConflict,
	IsSerialization: isBusy,
	ForUpdate:       "",
	ForShare:        "",
	EncodeTime:      sqlstore.UnixMicro,
	TimeType:        "INTEGER",
	NoHistograms:    true,
}

// Open opens (creating if needed) the database file at path and its
// parent directory. It does not migrate; call Migrate.
//
// The database holds tokens, sessions, encrypted keys and fødselsnummer,
// so only oidcp's user may read it: a directory Open creates is 0700, and
// the database file is 0600 (an existing one is narrowed to 0600). SQLite
// gives the -wal and -shm files the database file's mode.
func Open(ctx context.Context, path string, opts ...Option) (*sqlstore.Store, error) {
	o := Options{BusyTimeout: 10 * time.Second, MaxOpenConns: max(4, runtime.GOMAXPROCS(0))}
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: create directory: %w", err)
	}
	if err := privateFiles(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(path, o))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// One more for the background checkpointer.
	db.SetMaxOpenConns(o.MaxOpenConns + 1)
	db.SetMaxIdleConns(o.MaxOpenConns + 1)
	// Connections to a local file are cheap but keep page caches; never
	// recycle them on a timer.
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s := sqlstore.New(db, Dialect, Migrations)
	s.SetSingleWriter(o.BusyTimeout)
	s.CacheStatements(256)
	s.Go(func(ctx context.Context) { checkpoints(ctx, db, checkpointInterval) })
	return s, nil
}

// checkpointInterval is how often the background checkpointer runs.
const checkpointInterval = 250 * time.Millisecond

// checkpoints copies the WAL into the database file every interval, in
// the background. SQLite's own automatic checkpoint runs in the
// connection whose commit pushed the WAL past wal_autocheckpoint pages,
// that is inside a request, holding the write lock while it copies pages
// and fsyncs the database file: on a busy disk every writer then waits
// for it (the p99 of a second). A PASSIVE checkpoint neither takes the
// write lock nor waits for readers, so here writers go on meanwhile.
// Once the WAL is copied entirely, the next writer starts it again from
// the beginning, so it stays small; the automatic checkpoint (at a
// higher threshold, see dsn) remains as a backstop.
func checkpoints(ctx context.Context, db *sql.DB, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Failures (busy, or the database closing) are retried at the
		// next tick; the backstop keeps the WAL bounded meanwhile.
		_, _ = db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	}
}

// privateFiles creates the database file with mode 0600 before SQLite
// would create it with 0644, and narrows an existing database file and its
// -wal and -shm files to 0600.
func privateFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && fi.Mode().Perm()&0o077 != 0 {
			err = os.Chmod(p, fi.Mode().Perm()&0o700)
		}
		if err != nil {
			return fmt.Errorf("sqlite: make %s readable by its owner only: %w", p, err)
		}
	}
	return nil
}

// dsn builds the modernc DSN. WAL lets readers run beside the one writer;
// busy_timeout makes a writer wait for the lock instead of failing at
// once; _txlock=immediate takes the write lock at BEGIN, because a
// deferred transaction that reads and then writes can fail with
// SQLITE_BUSY_SNAPSHOT without waiting (the read-modify-write deadlock);
// foreign_keys is off by default in SQLite.
func dsn(path string, o Options) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(o.BusyTimeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// NORMAL is durable across application crashes in WAL mode and
	// avoids an fsync per commit.
	q.Add("_pragma", "synchronous(NORMAL)")
	// The background checkpointer keeps the WAL short; the automatic
	// checkpoint inside a commit is only the backstop (8,000 pages,
	// 32 MiB), and a WAL that grew is cut back to 64 MiB once reset.
	q.Add("_pragma", "wal_autocheckpoint(8000)")
	q.Add("_pragma", "journal_size_limit(67108864)")
	// Reads through a memory map save a pread syscall per page.
	q.Add("_pragma", "mmap_size(268435456)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

func code(err error) (int, bool) {
	var se *msqlite.Error
	if errors.As(err, &se) {
		return se.Code(), true
	}
	return 0, false
}

// isConflict reports a primary-key or unique constraint violation.
func isConflict(err error) bool {
	c, ok := code(err)
	switch {
	case !ok:
		return false
	case c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || c == sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return true
	case c == sqlite3.SQLITE_CONSTRAINT:
		// Without extended result codes only the message tells which
		// constraint failed.
		return strings.Contains(err.Error(), "UNIQUE constraint failed")
	}
	return false
}

// isBusy reports that another connection held the lock past busy_timeout
// (or a snapshot went stale): a concurrent writer won.
func isBusy(err error) bool {
	c, ok := code(err)
	return ok && (c&0xff == sqlite3.SQLITE_BUSY || c&0xff == sqlite3.SQLITE_LOCKED)
}
