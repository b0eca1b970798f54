package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// Clients keep their registration metadata (RFC 7591 §2) as one JSON
// document, so new metadata fields need no migration; the columns beside
// it are the ones queries and operators filter on.
const clientCols = `tenant, client_id, secret_hash, name, public, disabled, metadata, created_at, updated_at`

func (s *Store) clientArgs(c storage.Client) []any {
	return []any{c.Tenant, c.ID, blob(c.SecretHash), c.Name, c.Public, c.Disabled, jsonCol{c},
		s.tm(c.CreatedAt), s.tm(c.UpdatedAt)}
}

func scanClient(sc interface{ Scan(...any) error }) (storage.Client, error) {
	var c storage.Client
	var tenant, id, name string
	var public, disabled bool
	var secret []byte
	var created, updated time.Time
	if err := sc.Scan(&tenant, &id, &secret, &name, &public, &disabled, jsonCol{&c}, timeCol{&created}, timeCol{&updated}); err != nil {
		return storage.Client{}, err
	}
	// The columns are authoritative; the JSON copy of them is ignored.
	c.Tenant, c.ID, c.SecretHash, c.Name, c.Public, c.Disabled = tenant, id, secret, name, public, disabled
	c.CreatedAt, c.UpdatedAt = created, updated
	return c, nil
}

// CreateClient stores a new client; ErrConflict if its id exists in the tenant.
func (s *Store) CreateClient(ctx context.Context, c storage.Client) error {
	_, err := s.exec(ctx, `INSERT INTO clients (`+clientCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		s.clientArgs(c)...)
	return s.wrap("create client", err)
}

// GetClient returns one client; ErrNotFound when absent.
func (s *Store) GetClient(ctx context.Context, tenant, id string) (storage.Client, error) {
	c, err := scanClient(s.queryRow(ctx, `SELECT `+clientCols+` FROM clients WHERE tenant = $1 AND client_id = $2`, tenant, id))
	return c, s.wrap("get client", err)
}

// ListClients returns a tenant's clients ordered by id.
func (s *Store) ListClients(ctx context.Context, tenant string) ([]storage.Client, error) {
	cs, err := queryAll(ctx, s, scanClient, `SELECT `+clientCols+` FROM clients WHERE tenant = $1 ORDER BY client_id`, tenant)
	return cs, s.wrap("list clients", err)
}

// errKeyChanged is returned when an update function changes a record's key.
var errKeyChanged = errors.New("update must not change the record's key")

// UpdateClient reads the client, applies fn and writes the result in one
// transaction (joining the context's if it has one). An error from fn
// aborts the update and is returned as is.
func (s *Store) UpdateClient(ctx context.Context, tenant, id string, fn func(storage.Client) (storage.Client, error)) error {
	return s.inTx(ctx, func(ctx context.Context) error {
		old, err := scanClient(s.queryRow(ctx,
			`SELECT `+clientCols+` FROM clients WHERE tenant = $1 AND client_id = $2`+s.d.ForUpdate, tenant, id))
		if err != nil {
			return s.wrap("update client", err)
		}
		c, err := fn(old)
		if err != nil {
			return err
		}
		// A rebuilt record (an RFC 7592 update) must not bring the
		// client's revoked sealed tokens back: TokensRevokedAt never
		// moves backwards.
		if c.TokensRevokedAt.Before(old.TokensRevokedAt) {
			c.TokensRevokedAt = old.TokensRevokedAt
		}
		if c.Tenant != tenant || c.ID != id {
			return fmt.Errorf("update client: %w", errKeyChanged)
		}
		_, err = s.exec(ctx, `UPDATE clients SET secret_hash = $3, name = $4, public = $5, disabled = $6,
			metadata = $7, created_at = $8, updated_at = $9 WHERE tenant = $1 AND client_id = $2`, s.clientArgs(c)...)
		return s.wrap("update client", err)
	})
}

// DeleteClient removes a client; ErrNotFound when absent.
func (s *Store) DeleteClient(ctx context.Context, tenant, id string) error {
	n, err := s.execN(ctx, `DELETE FROM clients WHERE tenant = $1 AND client_id = $2`, tenant, id)
	if err != nil {
		return s.wrap("delete client", err)
	}
	if n == 0 {
		return fmt.Errorf("delete client: %w", storage.ErrNotFound)
	}
	return nil
}
