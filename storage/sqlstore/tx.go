package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// txKey keys the transaction in a context. It holds the store so that a
// context from one store's BeginTx is never mistaken by another store.
type txKey struct{ s *Store }

// txState is what a context carries for a transaction: the transaction
// and, on a single-writer engine, the release of the write gate.
type txState struct {
	tx      *sql.Tx
	release func()
}

// errNoTx is returned by Commit and Rollback on a context without a
// transaction, and by BeginTx on one that already has one.
var (
	errNoTx     = errors.New("sqlstore: no transaction in context")
	errNestedTx = errors.New("sqlstore: context already carries a transaction")
)

func (s *Store) txFrom(ctx context.Context) *sql.Tx {
	if st, _ := ctx.Value(txKey{s}).(*txState); st != nil {
		return st.tx
	}
	return nil
}

// release ends the context's hold of the write gate, if any; idempotent.
func (s *Store) release(ctx context.Context) {
	if st, _ := ctx.Value(txKey{s}).(*txState); st != nil && st.release != nil {
		st.release()
		st.release = nil
	}
}

// BeginTx starts a transaction and returns a context carrying it; every
// method called with that context joins it. Nested transactions are not
// supported: beginning one on a context that has one is an error, so a
// caller never commits someone else's transaction by accident.
func (s *Store) BeginTx(ctx context.Context) (context.Context, error) {
	if s.txFrom(ctx) != nil {
		return ctx, errNestedTx
	}
	// Every transaction may write (SQLite's begin immediately), so it
	// holds the write gate from BEGIN to its end.
	release, err := s.acquireWrite(ctx)
	if err != nil {
		return ctx, s.wrap(s.d.Name+": begin", err)
	}
	s.count("BEGIN")
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		release()
		return ctx, s.wrap(s.d.Name+": begin", err)
	}
	return context.WithValue(ctx, txKey{s}, &txState{tx: tx, release: release}), nil
}

// Commit commits the context's transaction.
func (s *Store) Commit(ctx context.Context) error {
	tx := s.txFrom(ctx)
	if tx == nil {
		return errNoTx
	}
	s.count("COMMIT")
	err := tx.Commit()
	s.release(ctx)
	return s.wrap(s.d.Name+": commit", err)
}

// Rollback rolls the context's transaction back. Rolling back a
// transaction that already ended is not an error, so callers can defer it.
func (s *Store) Rollback(ctx context.Context) error {
	tx := s.txFrom(ctx)
	if tx == nil {
		return errNoTx
	}
	s.count("ROLLBACK")
	err := tx.Rollback()
	s.release(ctx)
	if err != nil && !errors.Is(err, sql.ErrTxDone) {
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
	tx := s.txFrom(ctx)
	if tx == nil && s.group != nil {
		return s.execGrouped(ctx, query, args)
	}
	if tx == nil {
		release, err := s.acquireWrite(ctx)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	if st := s.stmt(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return s.q(ctx).ExecContext(ctx, query, args...)
}

func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s.count(query)
	tx := s.txFrom(ctx)
	if st := s.stmt(ctx, tx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.q(ctx).QueryContext(ctx, query, args...)
}

// queryRow runs a query that returns at most one row: a SELECT, or a
// write with RETURNING, which (outside a transaction) takes the write
// gate until its row is read.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *row {
	s.count(query)
	tx := s.txFrom(ctx)
	r := &row{}
	if tx == nil && isWrite(query) {
		release, err := s.acquireWrite(ctx)
		if err != nil {
			r.err = err
			return r
		}
		r.release = release
	}
	if st := s.stmt(ctx, tx, query); st != nil {
		r.r = st.QueryRowContext(ctx, args...)
	} else {
		r.r = s.q(ctx).QueryRowContext(ctx, query, args...)
	}
	return r
}

// row is a *sql.Row that releases the write gate once scanned.
type row struct {
	r       *sql.Row
	err     error
	release func()
}

// Scan is sql.Row's Scan.
func (r *row) Scan(dest ...any) error {
	if r.release != nil {
		defer r.release()
	}
	if r.err != nil {
		return r.err
	}
	return r.r.Scan(dest...)
}

// isWrite reports whether a statement changes data (so it needs the
// write gate outside a transaction).
func isWrite(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n")
	for _, w := range []string{"INSERT", "UPDATE", "DELETE", "REPLACE"} {
		if len(q) >= len(w) && strings.EqualFold(q[:len(w)], w) {
			return true
		}
	}
	return false
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
