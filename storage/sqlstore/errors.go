package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"

	"github.com/oidcp/oidcp/storage"
)

// wrap translates a driver error into the contract's sentinels and adds
// op as context, once. The driver error stays in the chain for detail.
func (s *Store) wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", op, storage.ErrNotFound)
	case s.d.IsConflict != nil && s.d.IsConflict(err):
		return fmt.Errorf("%s: %w (%w)", op, storage.ErrConflict, err)
	case s.d.IsSerialization != nil && s.d.IsSerialization(err):
		return fmt.Errorf("%s: %w (%w)", op, storage.ErrSerialization, err)
	case unavailable(err) || s.d.IsUnavailable != nil && s.d.IsUnavailable(err):
		return fmt.Errorf("%s: %w (%w)", op, storage.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// unavailable reports the failures of any engine that mean the database
// was not reached or did not answer: a network error, a connection the
// pool found broken, a deadline that ran out while waiting for it.
func unavailable(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) || errors.As(err, &ne)
}
