package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oidcp/oidcp/storage"
)

const tokenCols = `kind, signature, tenant, request_id, client_id, subject, session_id, grant_id, active,
	access_signature, requested_at, expires_at, data`

func scanToken(sc interface{ Scan(...any) error }) (storage.TokenRecord, error) {
	var t storage.TokenRecord
	var kind string
	err := sc.Scan(&kind, &t.Signature, &t.Tenant, &t.RequestID, &t.ClientID, &t.Subject, &t.SessionID, &t.GrantID,
		&t.Active, &t.AccessSignature, timeCol{&t.RequestedAt}, timeCol{&t.ExpiresAt}, &t.Data)
	t.Kind = storage.TokenKind(kind)
	return t, err
}

// CreateToken stores a record; ErrConflict on a duplicate (tenant, kind, signature).
func (s *Store) CreateToken(ctx context.Context, t storage.TokenRecord) error {
	_, err := s.exec(ctx, `INSERT INTO tokens (`+tokenCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		string(t.Kind), t.Signature, t.Tenant, t.RequestID, t.ClientID, t.Subject, t.SessionID, t.GrantID, t.Active,
		t.AccessSignature, s.tm(t.RequestedAt), s.tm(t.ExpiresAt), blob(t.Data))
	return s.wrap("create "+string(t.Kind), err)
}

// IssueTokens stores records as CreateTokens does, for a write that only
// issues (a client_credentials access token; an authorization code with
// its PKCE and OpenID Connect records) and changes nothing else. Outside
// a transaction, on a dialect with RelaxedCommit (PostgreSQL), its one
// INSERT commits asynchronously: the caller is answered before the
// commit's WAL record is flushed, which saves the flush wait
// (PostgreSQL's walwriter flushes it within 3 × wal_writer_delay). It is
// safe for these writes alone because losing them fails closed: a
// database crash in that window loses a token or code that its client
// may already hold, and an unknown token is an inactive one, an unknown
// code an invalid grant. It never lets a revocation be lost: a later
// synchronous commit (a revocation, a kill-switch, a code's one-time
// use) flushes the WAL up to its own record, so up to every earlier
// asynchronous one, and a crash keeps both or loses the token.
//
// Outside a transaction, on a store with BatchIssues, calls that arrive
// while others are being written share one INSERT (BatchStatements).
//
// Inside a transaction it is CreateTokens: the relaxed setting would
// hold for the whole transaction, and one that also deactivates a code
// or a refresh token, revokes, ends a session, records consent or
// writes the outbox must commit synchronously (a lost deactivation or
// revocation fails open).
func (s *Store) IssueTokens(ctx context.Context, ts ...storage.TokenRecord) error {
	if s.issue != nil && s.txFrom(ctx) == nil && len(ts) > 0 {
		op := &issueOp{ctx: ctx, recs: ts}
		if err := s.issue.do(ctx, op); err != nil {
			return s.wrap(fmt.Sprintf("create %d tokens", len(ts)), err)
		}
		return op.err
	}
	return s.createTokens(ctx, s.relaxedCommit(ctx), ts)
}

// relaxedCommit is the dialect's RelaxedCommit clause for a one-statement
// write outside a transaction, and "" inside one (see IssueTokens).
func (s *Store) relaxedCommit(ctx context.Context) string {
	if s.txFrom(ctx) != nil {
		return ""
	}
	return s.d.RelaxedCommit
}

// CreateTokens stores records with one multi-row INSERT (atomic on its own).
func (s *Store) CreateTokens(ctx context.Context, ts ...storage.TokenRecord) error {
	return s.createTokens(ctx, "", ts)
}

// createTokens is CreateTokens with suffix appended to the INSERT.
func (s *Store) createTokens(ctx context.Context, suffix string, ts []storage.TokenRecord) error {
	return s.wrap(fmt.Sprintf("create %d tokens", len(ts)), s.insertTokens(ctx, suffix, ts))
}

// insertTokens is createTokens with the driver's error unwrapped.
func (s *Store) insertTokens(ctx context.Context, suffix string, ts []storage.TokenRecord) error {
	if len(ts) == 0 {
		return nil
	}
	const cols = 13
	var b strings.Builder
	b.WriteString(`INSERT INTO tokens (` + tokenCols + `) VALUES `)
	writePlaceholderRows(&b, len(ts), cols)
	args := make([]any, 0, cols*len(ts))
	for _, t := range ts {
		args = append(args, string(t.Kind), t.Signature, t.Tenant, t.RequestID, t.ClientID, t.Subject, t.SessionID, t.GrantID, t.Active,
			t.AccessSignature, s.tm(t.RequestedAt), s.tm(t.ExpiresAt), blob(t.Data))
	}
	b.WriteString(suffix)
	_, err := s.exec(ctx, b.String(), args...)
	return err
}

// GetTokensBySignature returns the records of kinds with one signature.
func (s *Store) GetTokensBySignature(ctx context.Context, tenant, signature string, kinds ...storage.TokenKind) ([]storage.TokenRecord, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	args := []any{tenant, signature}
	ph := make([]string, len(kinds))
	for i, k := range kinds {
		args = append(args, string(k))
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	out, err := queryAll(ctx, s, scanToken, `SELECT `+tokenCols+` FROM tokens WHERE tenant = $1 AND signature = $2 AND kind IN (`+strings.Join(ph, ", ")+`)`, args...)
	return out, s.wrap("get tokens by signature", err)
}

// GetToken returns a record whatever its Active state; ErrNotFound when absent.
func (s *Store) GetToken(ctx context.Context, tenant string, kind storage.TokenKind, signature string) (storage.TokenRecord, error) {
	if s.reads != nil && s.txFrom(ctx) == nil && textKey(tenant, string(kind), signature) {
		op := &readOp{tenant: tenant, kind: string(kind), signature: signature}
		if err := s.reads.do(ctx, op); err != nil {
			return storage.TokenRecord{}, s.wrap("get "+string(kind), err)
		}
		return op.rec, op.err
	}
	return s.getToken(ctx, tenant, string(kind), signature)
}

// textKey reports whether every part of a key is text PostgreSQL takes
// (UTF-8 without NUL). A signature is the caller's bytes (a token's tail),
// and a key PostgreSQL refuses fails the whole statement: batched, it
// would fail every call beside it, so such a call runs alone.
func textKey(parts ...string) bool {
	for _, p := range parts {
		if !utf8.ValidString(p) || strings.IndexByte(p, 0) >= 0 {
			return false
		}
	}
	return true
}

func (s *Store) getToken(ctx context.Context, tenant, kind, signature string) (storage.TokenRecord, error) {
	return s.selectToken(ctx, "get "+kind, "", tenant, kind, signature)
}

// selectToken reads one token record; lock is appended to the SELECT.
func (s *Store) selectToken(ctx context.Context, op, lock, tenant, kind, signature string) (storage.TokenRecord, error) {
	t, err := scanToken(s.queryRow(ctx, `SELECT `+tokenCols+` FROM tokens WHERE tenant = $1 AND kind = $2 AND signature = $3`+lock,
		tenant, kind, signature))
	return t, s.wrap(op, err)
}

// DeactivateToken flips Active from true to false in one conditional
// statement, so of two concurrent callers exactly one changes the row; the
// other finds nothing to change and gets ErrInactive (ErrNotFound when
// there is no such record at all). This is what makes a code single-use
// (RFC 6749 §4.1.2) and refresh rotation detect reuse (RFC 9700 §4.14.2).
func (s *Store) DeactivateToken(ctx context.Context, tenant string, kind storage.TokenKind, signature string) error {
	op := "deactivate " + string(kind)
	n, err := s.execN(ctx, `UPDATE tokens SET active = FALSE WHERE tenant = $1 AND kind = $2 AND signature = $3 AND active`,
		tenant, string(kind), signature)
	if err != nil {
		return s.wrap(op, err)
	}
	if n == 1 {
		return nil
	}
	return s.inactiveOrNotFound(ctx, op, `SELECT 1 FROM tokens WHERE tenant = $1 AND kind = $2 AND signature = $3`,
		tenant, string(kind), signature)
}

// inactiveOrNotFound explains why a conditional update changed nothing.
func (s *Store) inactiveOrNotFound(ctx context.Context, op, existsQuery string, args ...any) error {
	ok, err := s.exists(ctx, existsQuery, args...)
	switch {
	case err != nil:
		return s.wrap(op, err)
	case ok:
		return fmt.Errorf("%s: %w", op, storage.ErrInactive)
	default:
		return fmt.Errorf("%s: %w", op, storage.ErrNotFound)
	}
}

// DeleteToken removes a record; ErrNotFound when absent.
func (s *Store) DeleteToken(ctx context.Context, tenant string, kind storage.TokenKind, signature string) error {
	n, err := s.execN(ctx, `DELETE FROM tokens WHERE tenant = $1 AND kind = $2 AND signature = $3`,
		tenant, string(kind), signature)
	if err != nil {
		return s.wrap("delete "+string(kind), err)
	}
	if n == 0 {
		return fmt.Errorf("delete %s: %w", kind, storage.ErrNotFound)
	}
	return nil
}

// RevokeByRequest deactivates the records of the given kinds (all kinds
// when none is given) that belong to one authorization request.
func (s *Store) RevokeByRequest(ctx context.Context, tenant, requestID string, kinds ...storage.TokenKind) (int64, error) {
	q := `UPDATE tokens SET active = FALSE WHERE tenant = $1 AND request_id = $2 AND active`
	args := []any{tenant, requestID}
	if len(kinds) > 0 {
		ph := make([]string, len(kinds))
		for i, k := range kinds {
			args = append(args, string(k))
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		q += ` AND kind IN (` + strings.Join(ph, ", ") + `)`
	}
	n, err := s.execN(ctx, q, args...)
	return n, s.wrap("revoke by request", err)
}

// grantKinds are the kinds a session end or a client kill-switch revokes:
// the tokens, and codes not yet redeemed (which would otherwise still
// yield tokens).
const grantKinds = `kind IN ('authorize_code', 'access_token', 'refresh_token')`

// RevokeBySession deactivates the codes, access and refresh tokens issued
// under a login session (storage.TokenStore). The UPDATE runs twice in one
// transaction: the first may have waited for a transaction that holds a
// row of the session and issues under it, and under PostgreSQL's READ
// COMMITTED it does not see what that transaction committed; the second,
// a new statement, does.
func (s *Store) RevokeBySession(ctx context.Context, tenant, sessionID string) (int64, error) {
	return s.revokeTwice(ctx, "revoke by session", `session_id = $2`, tenant, sessionID)
}

// LockToken reads one token record in ctx's transaction and holds it
// against deactivation until that transaction ends (storage.TokenStore).
func (s *Store) LockToken(ctx context.Context, tenant string, kind storage.TokenKind, signature string) (storage.TokenRecord, error) {
	if s.txFrom(ctx) == nil {
		return storage.TokenRecord{}, fmt.Errorf("lock token: %w", errNoTx)
	}
	return s.selectToken(ctx, "lock token", s.d.ForShare, tenant, string(kind), signature)
}

// RevokeByClient deactivates the codes, access and refresh tokens of a
// client (the operator's kill-switch), with the UPDATE run twice for the
// reason RevokeBySession gives: a code exchange or refresh of the client
// committing meanwhile holds a row the first waits for.
func (s *Store) RevokeByClient(ctx context.Context, tenant, clientID string) (int64, error) {
	return s.revokeTwice(ctx, "revoke by client", `client_id = $2`, tenant, clientID)
}

// revokeTwice deactivates the codes, access and refresh tokens of tenant
// ($1) that where selects, in one transaction, running the UPDATE twice
// (RevokeBySession).
func (s *Store) revokeTwice(ctx context.Context, op, where string, args ...any) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(ctx context.Context) error {
		for range 2 {
			m, err := s.execN(ctx, `UPDATE tokens SET active = FALSE WHERE tenant = $1 AND `+where+` AND active AND `+grantKinds, args...)
			if err != nil {
				return s.wrap(op, err)
			}
			n += m
		}
		return nil
	})
	return n, err
}

// ListSealedTombstones implements storage.TokenStore. Its WHERE clause
// repeats the partial index's (migration 0011) word for word, which is
// what lets both databases use the index. A zero now is refused: it
// would be NULL, which no row passes, and an empty list is believed.
func (s *Store) ListSealedTombstones(ctx context.Context, tenant string, now time.Time, limit int) ([]string, error) {
	if now.IsZero() {
		return nil, errors.New("list sealed tombstones: no time given")
	}
	out, err := queryAll(ctx, s, func(r interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT request_id FROM tokens WHERE kind = 'access_token' AND signature LIKE '`+storage.SealedTombstonePrefix+`%'`+
		` AND tenant = $1 AND expires_at > $2 LIMIT $3`, tenant, s.tm(now), limit)
	return out, s.wrap("list sealed tombstones", err)
}

// DeleteExpiredTokens removes records of every tenant that expired before t.
func (s *Store) DeleteExpiredTokens(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.execN(ctx, `DELETE FROM tokens WHERE expires_at < $1`, s.tm(before))
	return n, s.wrap("delete expired tokens", err)
}
