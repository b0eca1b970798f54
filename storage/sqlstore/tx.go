package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// txKey keys the transaction in a context. It holds the store so that a
// context from one store's BeginTx is never mistaken by another store.
type txKey struct{ s *Store }

// errNoTx is returned by Commit and Rollback on a context without a
// transaction, and by BeginTx on one that already has one.
var (
	errNoTx     = errors.New("sqlstore: no transaction in context")
	errNestedTx = errors.New("sqlstore: context already carries a transaction")
)

func (s *Store) txFrom(ctx context.Context) *sql.Tx {
	tx, _ := ctx.Value(txKey{s}).(*sql.Tx)
	return tx
}

// BeginTx starts a transaction and returns a context carrying it; every
// method called with that context joins it. Nested transactions are not
// supported: beginning one on a context that has one is an error, so a
// caller never commits someone else's transaction by accident.
func (s *Store) BeginTx(ctx context.Context) (context.Context, error) {
	if s.txFrom(ctx) != nil {
		return ctx, errNestedTx
	}
	s.count("BEGIN")
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return ctx, s.wrap(s.d.Name+": begin", err)
	}
	return context.WithValue(ctx, txKey{s}, tx), nil
}

// Commit commits the context's transaction.
func (s *Store) Commit(ctx context.Context) error {
	tx := s.txFrom(ctx)
	if tx == nil {
		return errNoTx
	}
	s.count("COMMIT")
	return s.wrap(s.d.Name+": commit", tx.Commit())
}

// Rollback rolls the context's transaction back. Rolling back a
// transaction that already ended is not an error, so callers can defer it.
func (s *Store) Rollback(ctx context.Context) error {
	tx := s.txFrom(ctx)
	if tx == nil {
		return errNoTx
	}
	s.count("ROLLBACK")
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return s.wrap(s.d.Name+": rollback", err)
	}
	return nil
}

// inTx runs fn in the context's transaction if there is one, otherwise in
// a new transaction it commits when fn succeeds and rolls back when not.
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if s.txFrom(ctx) != nil {
		return fn(ctx)
	}
	txctx, err := s.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			if rerr := s.Rollback(txctx); rerr != nil {
				err = fmt.Errorf("%w (rollback: %w)", err, rerr)
			}
		}
	}()
	if err := fn(txctx); err != nil {
		return err
	}
	return s.Commit(txctx)
}

// queryer is what *sql.DB and *sql.Tx have in common.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q returns the context's transaction or the pool.
func (s *Store) q(ctx context.Context) queryer {
	if tx := s.txFrom(ctx); tx != nil {
		return tx
	}
	return s.db
}

func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s.count(query)
	return s.q(ctx).ExecContext(ctx, query, args...)
}

func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s.count(query)
	return s.q(ctx).QueryContext(ctx, query, args...)
}

func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	s.count(query)
	return s.q(ctx).QueryRowContext(ctx, query, args...)
}

// queryAll runs query and returns every row as scan reads it.
func queryAll[T any](ctx context.Context, s *Store, scan func(interface{ Scan(...any) error }) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// execN runs a statement and returns the number of rows it changed.
func (s *Store) execN(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := s.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// exists reports whether query (a SELECT 1 ...) finds a row.
func (s *Store) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := s.queryRow(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
