// Package sqlstore is the one implementation of storage.Storage over
// database/sql, shared by the SQLite and PostgreSQL backends (the shape of
// dex's storage/sql). A backend supplies a *sql.DB, a Dialect (how its
// driver reports unique violations and serialization failures, how it
// encodes times, how migrations are serialised) and its embedded
// migrations; everything else — SQL text, transactions carried in a
// context, error translation into storage's sentinels — lives here.
//
// All SQL uses $N placeholders and syntax both engines accept (ON CONFLICT,
// RETURNING, TRUE/FALSE), so there is one text per statement.
//
// It does not open connections, pick drivers or own schema files; those
// belong to storage/sqlite and storage/postgres.
package sqlstore
