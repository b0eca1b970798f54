package sqlstore

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oidcp/oidcp/storage"
)

const iatCols = `tenant, vendor, token_hash, created_at, expires_at, revoked_at`

func scanIAT(sc interface{ Scan(...any) error }) (storage.InitialAccessToken, error) {
	var t storage.InitialAccessToken
	err := sc.Scan(&t.Tenant, &t.Vendor, &t.Hash, timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, timePtrCol{&t.RevokedAt})
	return t, err
}

// PutInitialAccessToken stores the vendor's one token, replacing an
// earlier one in the same statement, so the old token stops working the
// moment the new one exists.
func (s *Store) PutInitialAccessToken(ctx context.Context, t storage.InitialAccessToken) error {
	_, err := s.exec(ctx, `INSERT INTO initial_access_tokens (`+iatCols+`) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (tenant, vendor) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at,
  expires_at = excluded.expires_at, revoked_at = excluded.revoked_at`,
		t.Tenant, t.Vendor, t.Hash, s.tm(t.CreatedAt), s.tm(t.ExpiresAt), s.tmPtr(t.RevokedAt))
	return s.wrap("put initial access token", err)
}

// GetInitialAccessToken returns the token with that hash; ErrNotFound when none.
func (s *Store) GetInitialAccessToken(ctx context.Context, tenant, hash string) (storage.InitialAccessToken, error) {
	t, err := scanIAT(s.queryRow(ctx, `SELECT `+iatCols+` FROM initial_access_tokens WHERE tenant = $1 AND token_hash = $2`, tenant, hash))
	return t, s.wrap("get initial access token", err)
}

// ListInitialAccessTokens returns a tenant's tokens ordered by vendor.
func (s *Store) ListInitialAccessTokens(ctx context.Context, tenant string) ([]storage.InitialAccessToken, error) {
	ts, err := queryAll(ctx, s, scanIAT, `SELECT `+iatCols+` FROM initial_access_tokens WHERE tenant = $1 ORDER BY vendor`, tenant)
	return ts, s.wrap("list initial access tokens", err)
}

// RevokeInitialAccessToken marks the vendor's token revoked.
func (s *Store) RevokeInitialAccessToken(ctx context.Context, tenant, vendor string, at time.Time) error {
	const op = "revoke initial access token"
	n, err := s.execN(ctx, `UPDATE initial_access_tokens SET revoked_at = $3 WHERE tenant = $1 AND vendor = $2 AND revoked_at IS NULL`,
		tenant, vendor, s.tm(at))
	if err != nil {
		return s.wrap(op, err)
	}
	if n == 1 {
		return nil
	}
	return s.inactiveOrNotFound(ctx, op, `SELECT 1 FROM initial_access_tokens WHERE tenant = $1 AND vendor = $2`, tenant, vendor)
}

// ResetClients deletes the clients' token records and ends the sessions
// only they used, in one transaction. Sessions keep their client list as
// JSON, which the two databases query differently, so the tenant's open
// sessions are read and filtered here; a sandbox has few.
func (s *Store) ResetClients(ctx context.Context, tenant string, clientIDs []string, at time.Time) (storage.ResetCounts, error) {
	var res storage.ResetCounts
	if len(clientIDs) == 0 {
		return res, nil
	}
	err := s.inTx(ctx, func(ctx context.Context) error {
		args := []any{tenant}
		ph := make([]string, len(clientIDs))
		for i, id := range clientIDs {
			args = append(args, id)
			ph[i] = "$" + strconv.Itoa(i+2)
		}
		n, err := s.execN(ctx, `DELETE FROM tokens WHERE tenant = $1 AND client_id IN (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return s.wrap("reset clients: delete tokens", err)
		}
		res.Tokens = n
		for _, id := range clientIDs {
			if err := s.voidSealedTokens(ctx, tenant, id, at); err != nil {
				return err
			}
		}
		open, err := queryAll(ctx, s, scanSession, `SELECT `+sessionCols+` FROM sessions WHERE tenant = $1 AND ended_at IS NULL`, tenant)
		if err != nil {
			return s.wrap("reset clients: list sessions", err)
		}
		for _, ls := range open {
			if len(ls.Clients) == 0 || slices.ContainsFunc(ls.Clients, func(c string) bool { return !slices.Contains(clientIDs, c) }) {
				continue
			}
			n, err := s.execN(ctx, `UPDATE sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL`, ls.ID, s.tm(at))
			if err != nil {
				return s.wrap("reset clients: end session", err)
			}
			res.Sessions += n
		}
		return nil
	})
	if err != nil {
		return storage.ResetCounts{}, err
	}
	return res, nil
}
