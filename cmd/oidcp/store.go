package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/postgres"
	"github.com/oidcp/oidcp/storage/sqlite"
)

// openStore opens the backend the DSN names. It does not migrate.
func openStore(ctx context.Context, dsn string) (storage.Storage, error) {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return sqlite.Open(ctx, path)
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return postgres.Open(ctx, dsn)
	}
	return nil, fmt.Errorf("dsn: must be sqlite:PATH or a postgres:// URL, got %q", redactDSN(dsn))
}

// migrationLister is what the SQL backends offer to report the schema
// version; optional, so a future backend need not have it.
type migrationLister interface {
	AppliedMigrations(ctx context.Context) ([]int64, error)
}

// schemaVersion is the highest applied migration, or 0 when the backend
// cannot tell.
func schemaVersion(ctx context.Context, s storage.Storage) (int64, error) {
	ml, ok := s.(migrationLister)
	if !ok {
		return 0, nil
	}
	vs, err := ml.AppliedMigrations(ctx)
	if err != nil || len(vs) == 0 {
		return 0, err
	}
	return vs[len(vs)-1], nil
}
