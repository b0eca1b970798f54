package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migration is one versioned schema change.
type migration struct {
	version int64
	name    string
	sql     string
}

// loadMigrations reads NNNN_name.sql files from the root of fsys, ordered
// by version. Two files with the same version are an error.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	seen := map[int64]string{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok {
			return nil, fmt.Errorf("migration %q: name must be NNNN_name.sql", e.Name())
		}
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: bad version", e.Name())
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %q and %q share version %d", other, e.Name(), v)
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %q: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// Migrate applies pending migrations, each in its own transaction that
// also records it in schema_migrations. It is idempotent and safe when
// several nodes start at once: each transaction first takes the dialect's
// migration lock (SQLite: the immediate transaction's write lock) and then
// re-checks whether the version is already applied.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := loadMigrations(s.migrations)
	if err != nil {
		return fmt.Errorf("%s: migrate: %w", s.d.Name, err)
	}
	ddl := "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT NOT NULL PRIMARY KEY, applied_at " +
		s.d.TimeType + " NOT NULL)"
	if err := s.inTx(ctx, func(ctx context.Context) error {
		if err := s.migrationLock(ctx); err != nil {
			return err
		}
		_, err := s.exec(ctx, ddl)
		return s.wrap(s.d.Name+": create schema_migrations", err)
	}); err != nil {
		return err
	}
	for _, m := range ms {
		if err := s.inTx(ctx, func(ctx context.Context) error { return s.apply(ctx, m) }); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) migrationLock(ctx context.Context) error {
	if s.d.MigrationLock == "" {
		return nil
	}
	_, err := s.exec(ctx, s.d.MigrationLock)
	return s.wrap(s.d.Name+": migration lock", err)
}

func (s *Store) apply(ctx context.Context, m migration) error {
	if err := s.migrationLock(ctx); err != nil {
		return err
	}
	done, err := s.exists(ctx, "SELECT 1 FROM schema_migrations WHERE version = $1", m.version)
	if err != nil {
		return s.wrap(s.d.Name+": check migration "+m.name, err)
	}
	if done {
		return nil
	}
	if _, err := s.exec(ctx, m.sql); err != nil {
		return s.wrap(s.d.Name+": apply migration "+m.name, err)
	}
	_, err = s.exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
		m.version, s.tm(time.Now()))
	return s.wrap(s.d.Name+": record migration "+m.name, err)
}

// AppliedMigrations lists the versions recorded in schema_migrations.
func (s *Store) AppliedMigrations(ctx context.Context) ([]int64, error) {
	vs, err := queryAll(ctx, s, func(sc interface{ Scan(...any) error }) (int64, error) {
		var v int64
		err := sc.Scan(&v)
		return v, err
	}, "SELECT version FROM schema_migrations ORDER BY version")
	return vs, s.wrap(s.d.Name+": list migrations", err)
}
