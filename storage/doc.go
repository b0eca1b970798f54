// Package storage is the storage contract of oidcp: the project's record
// types, the Storage interface every backend implements, and the error
// sentinels callers test with errors.Is.
//
// It owns no SQL and no driver. Backends live in storage/sqlstore (shared
// SQL), storage/sqlite (embedded default, pure Go) and storage/postgres
// (pgx v5); storage/conformance is the test suite every backend passes.
// It knows nothing of fosite: the provider's adapter translates fosite's
// requests into TokenRecord values with an opaque Data payload.
//
// Backends keep times in UTC with microsecond precision: a time reads back
// as t.UTC().Truncate(time.Microsecond), and a zero time reads back as
// zero ("not set").
package storage
