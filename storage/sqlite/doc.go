// Package sqlite is the embedded storage backend: a single SQLite file
// through modernc.org/sqlite (pure Go, no cgo), so oidcp runs with nothing
// installed and keeps its data across restarts.
//
// It owns opening the file with the pragmas that make concurrent use safe
// (WAL, busy_timeout, foreign keys, immediate write transactions), the
// SQLite flavour of the schema (migrations/) and the mapping of SQLite
// result codes to storage's sentinels. The queries themselves live in
// storage/sqlstore, shared with the PostgreSQL backend.
package sqlite
