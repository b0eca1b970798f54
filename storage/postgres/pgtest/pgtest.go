// Package pgtest gives tests a fresh, empty PostgreSQL database. It is test
// support only: production code never imports it.
//
// When PostgreSQL is unreachable the test is skipped with a loud
// "POSTGRES TESTS SKIPPED" message, unless OIDCP_REQUIRE_POSTGRES=1 (as in
// CI), which makes it fail instead so a broken setup cannot pass silently.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// DefaultDSN is the local server the tests use unless OIDCP_TEST_POSTGRES_DSN
// says otherwise.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Environment variables read by NewDatabase.
const (
	EnvDSN     = "OIDCP_TEST_POSTGRES_DSN"
	EnvRequire = "OIDCP_REQUIRE_POSTGRES"
)

// AdminDSN is the DSN of the maintenance database NewDatabase connects to.
func AdminDSN() string {
	if v := os.Getenv(EnvDSN); v != "" {
		return v
	}
	return DefaultDSN
}

// NewDatabase creates a database oidcp_test_<random> on the server at
// AdminDSN, drops it when the test ends, and returns its DSN (a postgres://
// URL). It skips or fails the test when the server is unreachable (see the
// package comment).
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := AdminDSN()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", admin)
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		unreachable(t, err)
		return ""
	}
	name := "oidcp_test_" + randomSuffix(t)
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// WITH (FORCE) ends connections a failed test left open (PG 13+).
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dsn
}

func unreachable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("pgtest: PostgreSQL unreachable at %s and %s=1: %v", redact(AdminDSN()), EnvRequire, err)
	}
	t.Skipf("POSTGRES TESTS SKIPPED: PostgreSQL unreachable at %s (%v); set %s or start PostgreSQL, "+
		"and %s=1 to make this a failure", redact(AdminDSN()), err, EnvDSN, EnvRequire)
}

// withDatabase replaces the database name in a DSN, URL or key=value form.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse DSN: %w", err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	// key=value form: a later dbname wins in pgx's parser.
	return dsn + " dbname=" + name, nil
}

// redact hides a password in a URL DSN before it reaches test output.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func randomSuffix(t testing.TB) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("pgtest: random: %v", err)
	}
	return hex.EncodeToString(b[:])
}
