package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"

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
	}
	return fmt.Errorf("%s: %w", op, err)
}
