// Package postgres is the production storage backend: PostgreSQL through
// pgx v5, used as a database/sql driver so the queries in storage/sqlstore
// are shared with the SQLite backend.
//
// It owns opening the pool, the PostgreSQL flavour of the schema
// (migrations/, kept portable to CockroachDB and YugabyteDB) and the
// mapping of SQLSTATEs to storage's sentinels. Test databases are made by
// the pgtest subpackage.
package postgres
