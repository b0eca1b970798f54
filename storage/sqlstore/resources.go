package sqlstore

import (
	"context"
	"fmt"

	"github.com/oidcp/oidcp/storage"
)

// Resources keep their inbound access policy as one JSON document beside
// the key columns: it is always read whole.
const resourceCols = `tenant, audience, policy, created_at, updated_at`

// resourcePolicy is the JSON part of a resource row.
type resourcePolicy struct {
	Name           string   `json:"name,omitempty"`
	AllowedClients []string `json:"allowed_clients"`
	Scopes         []string `json:"scopes"`
}

func scanResource(sc interface{ Scan(...any) error }) (storage.Resource, error) {
	var r storage.Resource
	var p resourcePolicy
	if err := sc.Scan(&r.Tenant, &r.Audience, jsonCol{&p}, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt}); err != nil {
		return storage.Resource{}, err
	}
	r.Name, r.AllowedClients, r.Scopes = p.Name, p.AllowedClients, p.Scopes
	return r, nil
}

// PutResource creates or replaces a resource, keeping the first
// CreatedAt of one that existed.
func (s *Store) PutResource(ctx context.Context, r storage.Resource) error {
	p := resourcePolicy{Name: r.Name, AllowedClients: r.AllowedClients, Scopes: r.Scopes}
	_, err := s.exec(ctx, `INSERT INTO resources (`+resourceCols+`) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (tenant, audience) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`,
		r.Tenant, r.Audience, jsonCol{p}, s.tm(r.CreatedAt), s.tm(r.UpdatedAt))
	return s.wrap("put resource", err)
}

// GetResource returns one resource; ErrNotFound when absent.
func (s *Store) GetResource(ctx context.Context, tenant, audience string) (storage.Resource, error) {
	r, err := scanResource(s.queryRow(ctx, `SELECT `+resourceCols+` FROM resources WHERE tenant = $1 AND audience = $2`, tenant, audience))
	return r, s.wrap("get resource", err)
}

// ListResources returns a tenant's resources ordered by audience.
func (s *Store) ListResources(ctx context.Context, tenant string) ([]storage.Resource, error) {
	rs, err := queryAll(ctx, s, scanResource, `SELECT `+resourceCols+` FROM resources WHERE tenant = $1 ORDER BY audience`, tenant)
	return rs, s.wrap("list resources", err)
}

// DeleteResource removes one resource; ErrNotFound when absent.
func (s *Store) DeleteResource(ctx context.Context, tenant, audience string) error {
	n, err := s.execN(ctx, `DELETE FROM resources WHERE tenant = $1 AND audience = $2`, tenant, audience)
	if err != nil {
		return s.wrap("delete resource", err)
	}
	if n == 0 {
		return fmt.Errorf("delete resource: %w", storage.ErrNotFound)
	}
	return nil
}
