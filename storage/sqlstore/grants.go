package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oidcp/oidcp/storage"
)

const grantCols = `id, tenant, client_id, subject, actor, relation, scopes, created_at, expires_at, revoked_at,
	revoked_by, revoked_actor, revoked_reason`

func scanGrant(sc interface{ Scan(...any) error }) (storage.Grant, error) {
	var g storage.Grant
	err := sc.Scan(&g.ID, &g.Tenant, &g.ClientID, &g.Subject, &g.Actor, &g.Relation, jsonCol{&g.Scopes},
		timeCol{&g.CreatedAt}, timeCol{&g.ExpiresAt}, timePtrCol{&g.RevokedAt}, &g.RevokedBy, &g.RevokedActor,
		&g.RevokedReason)
	return g, err
}

// CreateGrant stores a new grant; ErrConflict if the id exists.
func (s *Store) CreateGrant(ctx context.Context, g storage.Grant) error {
	_, err := s.exec(ctx, `INSERT INTO grants (`+grantCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		g.ID, g.Tenant, g.ClientID, g.Subject, g.Actor, g.Relation, jsonCol{g.Scopes}, s.tm(g.CreatedAt),
		s.tm(g.ExpiresAt), s.tmPtr(g.RevokedAt), g.RevokedBy, g.RevokedActor, g.RevokedReason)
	return s.wrap("create grant", err)
}

// GetGrant returns one grant of a tenant; ErrNotFound when absent.
func (s *Store) GetGrant(ctx context.Context, tenant, id string) (storage.Grant, error) {
	g, err := scanGrant(s.queryRow(ctx, `SELECT `+grantCols+` FROM grants WHERE tenant = $1 AND id = $2`, tenant, id))
	return g, s.wrap("get grant", err)
}

// LockGrant reads one grant of a tenant in ctx's transaction and holds
// it against revocation until that transaction ends (storage.GrantStore).
func (s *Store) LockGrant(ctx context.Context, tenant, id string) (storage.Grant, error) {
	if s.txFrom(ctx) == nil {
		return storage.Grant{}, fmt.Errorf("lock grant: %w", errNoTx)
	}
	g, err := scanGrant(s.queryRow(ctx, `SELECT `+grantCols+` FROM grants WHERE tenant = $1 AND id = $2`+s.d.ForShare, tenant, id))
	return g, s.wrap("lock grant", err)
}

// ListGrants returns the grants f selects, newest first.
func (s *Store) ListGrants(ctx context.Context, f storage.GrantFilter) ([]storage.Grant, error) {
	var where []string
	var args []any
	add := func(col, v string) {
		if v != "" {
			args = append(args, v)
			where = append(where, fmt.Sprintf("%s = $%d", col, len(args)))
		}
	}
	add("tenant", f.Tenant)
	add("client_id", f.ClientID)
	add("subject", f.Subject)
	if f.ActiveOnly {
		where = append(where, "revoked_at IS NULL")
	}
	q := `SELECT ` + grantCols + ` FROM grants`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	gs, err := queryAll(ctx, s, scanGrant, q+` ORDER BY created_at DESC, id`, args...)
	return gs, s.wrap("list grants", err)
}

// RevokeGrant revokes one grant and deactivates its codes and tokens in
// one transaction: no token of a revoked grant is ever seen active.
func (s *Store) RevokeGrant(ctx context.Context, tenant, id string, r storage.Revocation) (storage.RevokedGrants, error) {
	var out storage.RevokedGrants
	err := s.inTx(ctx, func(ctx context.Context) error {
		gs, err := queryAll(ctx, s, scanGrant, `UPDATE grants SET revoked_at = $3, revoked_by = $4, revoked_actor = $5,
			revoked_reason = $6 WHERE tenant = $1 AND id = $2 AND revoked_at IS NULL RETURNING `+grantCols,
			tenant, id, s.tm(r.At), r.By, r.Actor, r.Reason)
		if err != nil {
			return s.wrap("revoke grant", err)
		}
		if len(gs) == 0 {
			return s.inactiveOrNotFound(ctx, "revoke grant", `SELECT 1 FROM grants WHERE tenant = $1 AND id = $2`, tenant, id)
		}
		out.Grants = gs
		out.Sessions, err = s.tokenSessions(ctx, `grant_id = $2`, tenant, id)
		if err != nil {
			return s.wrap("revoke grant", err)
		}
		out.Tokens, err = s.execN(ctx, `UPDATE tokens SET active = FALSE WHERE tenant = $1 AND grant_id = $2 AND active AND `+grantKinds,
			tenant, id)
		return s.wrap("revoke grant tokens", err)
	})
	return out, err
}

// RevokeClientGrants revokes every active grant of a client and
// deactivates all its codes and tokens, in one transaction.
func (s *Store) RevokeClientGrants(ctx context.Context, tenant, clientID string, r storage.Revocation) (storage.RevokedGrants, error) {
	var out storage.RevokedGrants
	err := s.inTx(ctx, func(ctx context.Context) error {
		var err error
		out.Grants, err = queryAll(ctx, s, scanGrant, `UPDATE grants SET revoked_at = $3, revoked_by = $4, revoked_actor = $5,
			revoked_reason = $6 WHERE tenant = $1 AND client_id = $2 AND revoked_at IS NULL RETURNING `+grantCols,
			tenant, clientID, s.tm(r.At), r.By, r.Actor, r.Reason)
		if err != nil {
			return s.wrap("revoke client grants", err)
		}
		out.Sessions, err = s.tokenSessions(ctx, `client_id = $2`, tenant, clientID)
		if err != nil {
			return s.wrap("revoke client grants", err)
		}
		out.Tokens, err = s.execN(ctx, `UPDATE tokens SET active = FALSE WHERE tenant = $1 AND client_id = $2 AND active AND `+grantKinds,
			tenant, clientID)
		if err != nil {
			return s.wrap("revoke client tokens", err)
		}
		return s.voidSealedTokens(ctx, tenant, clientID, r.At)
	})
	return out, err
}

// voidSealedTokens moves a client's TokensRevokedAt forward, to at or,
// when the stored value is not before at (another clock ran ahead), just
// past it: every revocation changes it, which voids the client's sealed
// tokens (in no row). An absent client is no error.
func (s *Store) voidSealedTokens(ctx context.Context, tenant, clientID string, at time.Time) error {
	err := s.UpdateClient(ctx, tenant, clientID, func(c storage.Client) (storage.Client, error) {
		at := at.UTC()
		if !at.After(c.TokensRevokedAt) {
			at = c.TokensRevokedAt.Add(time.Microsecond)
		}
		c.TokensRevokedAt = at
		return c, nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return err
}

// tokenSessions returns the distinct (subject, session) pairs of the
// active codes and tokens that cond ($2) selects in a tenant ($1).
func (s *Store) tokenSessions(ctx context.Context, cond string, tenant, v string) ([]storage.TokenSession, error) {
	return queryAll(ctx, s, func(sc interface{ Scan(...any) error }) (storage.TokenSession, error) {
		var ts storage.TokenSession
		err := sc.Scan(&ts.Subject, &ts.SessionID)
		return ts, err
	}, `SELECT DISTINCT subject, session_id FROM tokens WHERE tenant = $1 AND `+cond+` AND active AND subject <> '' AND `+grantKinds+
		` ORDER BY subject, session_id`, tenant, v)
}
