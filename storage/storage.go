package storage

import (
	"context"
	"errors"
	"time"
)

// Storage is the whole contract. Backends implement all of it; consumers
// declare the narrow slice they need (e.g. keys.Store) and accept any
// value that has those methods.
type Storage interface {
	Tx
	ClientStore
	TokenStore
	SessionStore
	KeyStore
	SecretStore
	EventLog
	FlowStore
	PersonStore
	RateCounter
	VendorStore
	GrantStore
	Outbox
	ResourceStore
	HandoffStore
	DPoPProofStore
	// Ping reports whether the database is reachable (readiness).
	Ping(ctx context.Context) error
	// Migrate applies pending versioned migrations; idempotent.
	Migrate(ctx context.Context) error
	// Stats reports connection pool figures for metrics.
	Stats() PoolStats
	Close() error
}

// PoolStats are connection pool figures.
type PoolStats struct {
	Open, InUse, Idle int
	WaitCount         int64
	WaitDuration      time.Duration
}

// Tx runs several calls atomically. BeginTx returns a context carrying the
// transaction; every method called with that context joins it. Commit and
// Rollback end it. A context without a transaction makes each call its own
// transaction. (This is the shape fosite's storage.Transactional expects.)
// Transactions do not nest: BeginTx on a context that carries one is an
// error. A sentinel that reports "no row" or "nothing changed"
// (ErrNotFound, ErrInactive) leaves the transaction usable; a database
// error such as ErrConflict may abort it (PostgreSQL does), so roll back.
type Tx interface {
	BeginTx(ctx context.Context) (context.Context, error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// InTx runs fn in one transaction of t: committed when fn returns nil,
// rolled back when it returns an error (which InTx returns, joined with
// a failed rollback's).
func InTx(ctx context.Context, t Tx, fn func(tx context.Context) error) error {
	tx, err := t.BeginTx(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		if rerr := t.Rollback(tx); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	return t.Commit(tx)
}

// ClientStore keeps registered clients.
type ClientStore interface {
	CreateClient(ctx context.Context, c Client) error // ErrConflict if the id exists in the tenant
	GetClient(ctx context.Context, tenant, id string) (Client, error)
	ListClients(ctx context.Context, tenant string) ([]Client, error)
	// UpdateClient reads, applies fn and writes in one transaction.
	UpdateClient(ctx context.Context, tenant, id string, fn func(Client) (Client, error)) error
	DeleteClient(ctx context.Context, tenant, id string) error // ErrNotFound if absent
}

// TokenStore keeps codes, tokens and pending requests.
type TokenStore interface {
	CreateToken(ctx context.Context, t TokenRecord) error // ErrConflict on a duplicate (kind, signature)
	// IssueTokens is CreateTokens for records whose loss fails closed
	// and that are written alone (a client_credentials access token; an
	// authorization code with its PKCE and OpenID Connect records):
	// outside a transaction the backend may answer before the commit is
	// durable, so a database crash may lose them (never a revocation or
	// a code's one-time use). Inside a transaction it is CreateTokens.
	IssueTokens(ctx context.Context, ts ...TokenRecord) error
	// CreateTokens stores several records with one statement, all or
	// none; ErrConflict when any is a duplicate.
	CreateTokens(ctx context.Context, ts ...TokenRecord) error
	// GetToken returns the record whatever its Active state (callers decide
	// what an inactive record means); ErrNotFound when absent.
	GetToken(ctx context.Context, tenant string, kind TokenKind, signature string) (TokenRecord, error)
	// GetTokensBySignature returns, with one query, the records of the
	// given kinds that share a signature (an authorization code's own,
	// PKCE and OpenID Connect records), whatever their Active state, in
	// no particular order; absent ones are left out.
	GetTokensBySignature(ctx context.Context, tenant, signature string, kinds ...TokenKind) ([]TokenRecord, error)
	// DeactivateToken flips Active from true to false atomically. It
	// returns ErrInactive when the record was already inactive, so of two
	// concurrent callers exactly one succeeds; ErrNotFound when absent.
	DeactivateToken(ctx context.Context, tenant string, kind TokenKind, signature string) error
	DeleteToken(ctx context.Context, tenant string, kind TokenKind, signature string) error // ErrNotFound if absent
	// RevokeByRequest deactivates every record of the given kinds (every
	// kind when none is given) with that request ID and returns how many
	// changed.
	RevokeByRequest(ctx context.Context, tenant string, requestID string, kinds ...TokenKind) (int64, error)
	// RevokeBySession deactivates every authorization code, access and
	// refresh token issued under a login session (an unredeemed code would
	// otherwise still yield tokens), in one transaction (joining the
	// context's if it has one), and never misses a token that a
	// transaction issuing under the session commits meanwhile. Such a
	// transaction first deactivates (a code, a refresh token: the
	// conditional DeactivateToken) or locks (LockToken: a token exchange's
	// subject) an active token row of the session. PostgreSQL's UPDATE
	// under READ COMMITTED waits for that row but then does not see the
	// rows the transaction committed, so the UPDATE runs twice: the
	// second, a later statement, sees them. A transaction that reaches
	// the row after the sweep finds it inactive once the sweep commits.
	// SQLite serialises writers and needs neither.
	RevokeBySession(ctx context.Context, tenant, sessionID string) (int64, error)
	// LockToken is GetToken for a transaction that issues tokens on the
	// strength of this token (a token exchange's subject): it holds the
	// row against deactivation until the transaction ctx carries ends
	// (ctx must carry one), so a RevokeBySession or RevokeByRequest
	// either waits for that transaction and then reaches what it issued
	// (see RevokeBySession), or committed before and the record reads
	// inactive. PostgreSQL reads the row FOR SHARE. ErrNotFound when
	// absent.
	LockToken(ctx context.Context, tenant string, kind TokenKind, signature string) (TokenRecord, error)
	// RevokeByClient deactivates every authorization code, access and
	// refresh token of a client that is stored (before the client is
	// deleted; its sealed tokens end with the client record), in one
	// transaction, reaching what a code exchange or refresh of the client
	// commits meanwhile as RevokeBySession does.
	RevokeByClient(ctx context.Context, tenant, clientID string) (int64, error)
	// DeleteExpiredTokens removes records that expired before t.
	DeleteExpiredTokens(ctx context.Context, before time.Time) (int64, error)
	// ListSealedTombstones returns the request IDs of tenant's sealed-token
	// tombstones (access-token records whose signature starts with
	// SealedTombstonePrefix) that expire after now, at most limit of
	// them, in no particular order, with one indexed query.
	ListSealedTombstones(ctx context.Context, tenant string, now time.Time, limit int) ([]string, error)
}

// SealedTombstonePrefix starts the signature of the record that voids a
// sealed access token (one that is in no row) revoked on its own; the
// rest is the token's request ID.
const SealedTombstonePrefix = "sealed-revoked:"

// GrantStore keeps consent grants. Revoking one deactivates, in the same
// transaction, every authorization code, access and refresh token that
// records it (TokenRecord.GrantID).
type GrantStore interface {
	CreateGrant(ctx context.Context, g Grant) error // ErrConflict if the id exists
	GetGrant(ctx context.Context, tenant, id string) (Grant, error)
	// LockGrant is GetGrant for a transaction that issues codes or tokens
	// under the grant: it holds the grant against revocation until the
	// transaction ctx carries ends (ctx must carry one; without it
	// LockGrant fails). So a revocation of the grant (RevokeGrant,
	// RevokeClientGrants) and the issuing transaction never overlap:
	// either the revocation waits until the issuing transaction ends and
	// then deactivates what it stored, or LockGrant waits until the
	// revocation commits and returns the grant revoked. A caller locks
	// the grant before it writes any code or token row, so that its
	// locks are taken in the order a revocation takes them (the grant
	// first, then its tokens) and the two never deadlock. PostgreSQL
	// reads the row FOR SHARE: under READ COMMITTED the revocation's
	// UPDATE of the grant waits for the lock, and its UPDATE of the
	// tokens, a later statement, sees the rows the issuing transaction
	// committed; a LockGrant that waited for a revocation reads the row
	// it committed. (Two transactions that both hold the grant and then
	// both revoke it deadlock; the database aborts one with
	// ErrSerialization.) SQLite begins every transaction IMMEDIATE,
	// holding the database's write lock until it ends, so transactions
	// are serialised already and LockGrant is GetGrant in the
	// transaction. ErrNotFound when absent.
	LockGrant(ctx context.Context, tenant, id string) (Grant, error)
	// ListGrants returns the grants f selects, newest first.
	ListGrants(ctx context.Context, f GrantFilter) ([]Grant, error)
	// RevokeGrant revokes one grant and deactivates its codes and tokens
	// in one transaction (joining the context's if it has one).
	// ErrInactive if it was already revoked, ErrNotFound if absent.
	RevokeGrant(ctx context.Context, tenant, id string, r Revocation) (RevokedGrants, error)
	// RevokeClientGrants revokes every active grant of a client and
	// deactivates every code and token of the client (granted or not) in
	// one transaction: the operator's kill-switch. In the same
	// transaction it moves the client's TokensRevokedAt forward (to r.At,
	// or just past the stored value if that is not before r.At), which
	// voids its sealed tokens; an absent client is no error. UpdateClient
	// never moves TokensRevokedAt backwards.
	RevokeClientGrants(ctx context.Context, tenant, clientID string, r Revocation) (RevokedGrants, error)
}

// ResourceStore keeps the protected resources (APIs) a token exchange
// may target, each with its inbound access policy (RFC 8693).
type ResourceStore interface {
	// PutResource creates the resource or replaces the one with the same
	// (tenant, audience).
	PutResource(ctx context.Context, r Resource) error
	GetResource(ctx context.Context, tenant, audience string) (Resource, error) // ErrNotFound if absent
	// ListResources returns a tenant's resources ordered by audience.
	ListResources(ctx context.Context, tenant string) ([]Resource, error)
	DeleteResource(ctx context.Context, tenant, audience string) error // ErrNotFound if absent
}

// Outbox is the persisted queue of back-channel logout deliveries. Any
// node may claim due messages; a claim is a lease, so a message whose
// node died is handed out again once the lease has run out, and two
// nodes never hold the same message at once.
type Outbox interface {
	// EnqueueOutbox stores new pending messages (joining the context's
	// transaction, so they commit with the change that caused them).
	EnqueueOutbox(ctx context.Context, ms ...OutboxMessage) error
	// ClaimOutbox hands out up to limit pending messages due at now
	// (NextAttemptAt reached, no live lease), leasing them until
	// now+lease, oldest due first.
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error)
	// FinishOutbox records one attempt of a claimed message: delivered,
	// retried at RetryAt, or failed for good. ErrInactive if the claim
	// is no longer the message's (another node holds it, or it is done).
	FinishOutbox(ctx context.Context, id, claim string, res OutboxResult) (OutboxMessage, error)
	// GetOutbox returns one message; ErrNotFound if absent.
	GetOutbox(ctx context.Context, id string) (OutboxMessage, error)
	// ListOutbox returns a tenant's messages for a client (every client
	// when clientID is empty), oldest first.
	ListOutbox(ctx context.Context, tenant, clientID string) ([]OutboxMessage, error)
	// DeleteDoneOutbox removes delivered and failed messages finished
	// before t.
	DeleteDoneOutbox(ctx context.Context, before time.Time) (int64, error)
}

// SessionStore keeps server-side login sessions.
type SessionStore interface {
	CreateSession(ctx context.Context, s LoginSession) error
	GetSession(ctx context.Context, id string) (LoginSession, error)
	// UpdateSession reads, applies fn and writes in one transaction.
	UpdateSession(ctx context.Context, id string, fn func(LoginSession) (LoginSession, error)) error
	// AddSessionClient records clientID in the Clients of a tenant's
	// session that has not ended and returns the resulting list. known
	// is the caller's copy of the stored Clients (as created or last
	// read): when it is still current the write is one statement, when
	// not (another client was added meanwhile) it is a read-modify-write
	// transaction, so concurrent adds keep every client. When known
	// already holds clientID nothing is read or written and known is
	// returned. ErrInactive if the session has ended or is another
	// tenant's, ErrNotFound if absent.
	AddSessionClient(ctx context.Context, tenant, id string, known []string, clientID string) ([]string, error)
	// TouchSession sets LastSeenAt (cheap, no read); ErrInactive if the
	// session has ended, ErrNotFound if absent.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// EndSession marks the session ended; ErrInactive if it already was.
	EndSession(ctx context.Context, id string, at time.Time) error
	// ListSessions returns the person's sessions that have not been ended,
	// newest first; idle and absolute expiry are the caller's to apply.
	ListSessions(ctx context.Context, tenant, subject string) ([]LoginSession, error)
	// ListExpiredSessions returns up to limit logged-in sessions of a
	// tenant that have not been ended but idled (LastSeenAt before
	// idleBefore) or reached their absolute expiry (ExpiresAt at or
	// before now), oldest first: the ones whose end still has to be
	// announced (back-channel logout).
	ListExpiredSessions(ctx context.Context, tenant string, idleBefore, now time.Time, limit int) ([]LoginSession, error)
	// DeleteExpiredSessions removes sessions whose ExpiresAt is before t.
	DeleteExpiredSessions(ctx context.Context, before time.Time) (int64, error)
}

// KeyStore keeps sealed signing keys.
type KeyStore interface {
	CreateKey(ctx context.Context, k Key) error
	ListKeys(ctx context.Context, tenant string) ([]Key, error)
	// UpdateKey reads, applies fn and writes in one transaction.
	UpdateKey(ctx context.Context, tenant, kid string, fn func(Key) (Key, error)) error
}

// SecretStore keeps per-tenant sealed secrets.
type SecretStore interface {
	// PutSecretIfAbsent stores s unless (tenant, name) exists, and returns
	// the stored value either way, so racing nodes agree on one secret.
	PutSecretIfAbsent(ctx context.Context, s TenantSecret) (TenantSecret, error)
	// GetSecret returns the stored secret, or ErrNotFound.
	GetSecret(ctx context.Context, tenant, name string) (TenantSecret, error)
}

// EventLog is the append-only usage log.
type EventLog interface {
	AppendEvent(ctx context.Context, e Event) (int64, error)
	// ListEvents returns events newest (highest ID) first. Since is
	// inclusive, Until exclusive, Limit 0 means no limit. A page of one
	// person's events (Person, AfterID, Limit) reads only about Limit
	// rows however long their log is.
	ListEvents(ctx context.Context, f EventFilter) ([]Event, error)
	// DeleteEventsBefore removes a tenant's events that occurred before
	// t (the tenant's retention) and returns how many.
	DeleteEventsBefore(ctx context.Context, tenant string, before time.Time) (int64, error)
}

// FlowStore keeps short-lived browser flow state.
type FlowStore interface {
	// CreateFlow stores a flow. Outside a transaction the backend may
	// answer before the commit is durable (as IssueTokens): a flow lost
	// in a database crash is a login or logout that cannot complete,
	// which fails closed. Its one use, TakeFlow, commits durably.
	CreateFlow(ctx context.Context, f Flow) error
	GetFlow(ctx context.Context, id, purpose string) (Flow, error)
	// TakeFlow returns and deletes the flow atomically (one use); of two
	// concurrent callers exactly one gets it, the other ErrNotFound.
	TakeFlow(ctx context.Context, id, purpose string) (Flow, error)
	DeleteExpiredFlows(ctx context.Context, before time.Time) (int64, error)
}

// HandoffStore keeps the one-time tickets of the portal's hand-off to a
// tool (package handoff), by the SHA-256 of the ticket.
type HandoffStore interface {
	// CreateHandoffTicket stores a ticket; ErrConflict if its hash exists.
	CreateHandoffTicket(ctx context.Context, t HandoffTicket) error
	// TakeHandoffTicket returns and deletes the ticket of tenant with
	// hash atomically (one use): of two concurrent callers exactly one
	// gets it, the other ErrNotFound. Expiry is the caller's to check.
	TakeHandoffTicket(ctx context.Context, tenant, hash string) (HandoffTicket, error)
	DeleteExpiredHandoffTickets(ctx context.Context, before time.Time) (int64, error)
}

// RateCounter keeps the counters of rate limits, shared by every node on
// the same database. Each key has one fixed time window at a time.
type RateCounter interface {
	// AddHits adds n to key's count in the window that starts at window
	// and returns the count after adding, in one atomic statement. A key
	// whose stored window is older starts again from n; a call for a
	// window older than the stored one adds nothing and returns the
	// stored window's count. The record may be deleted after expires.
	AddHits(ctx context.Context, key string, window, expires time.Time, n int64) (int64, error)
	// DeleteExpiredCounters removes counters whose expiry is before t.
	DeleteExpiredCounters(ctx context.Context, before time.Time) (int64, error)
}

// DPoPProofStore remembers the DPoP proofs accepted (RFC 9449 §11.1),
// so a proof is used once on every node.
type DPoPProofStore interface {
	// RecordDPoPProof stores (Tenant, JKT, JTI) unless a record of it
	// exists, atomically: of two concurrent callers with the same proof
	// exactly one succeeds, the other gets ErrConflict, as does any later
	// caller until the record is deleted.
	RecordDPoPProof(ctx context.Context, p DPoPProof) error
	// DeleteExpiredDPoPProofs removes records whose expiry is before t.
	DeleteExpiredDPoPProofs(ctx context.Context, before time.Time) (int64, error)
}

// VendorStore keeps what self-service registration needs beside the
// clients: each vendor's initial access token, and the reset of a
// vendor's test data.
type VendorStore interface {
	// PutInitialAccessToken stores t as its vendor's one token in its
	// tenant, replacing (and so revoking) any earlier one.
	PutInitialAccessToken(ctx context.Context, t InitialAccessToken) error
	// GetInitialAccessToken returns the token whose hash is hash, revoked
	// and expired ones included; ErrNotFound when none.
	GetInitialAccessToken(ctx context.Context, tenant, hash string) (InitialAccessToken, error)
	// ListInitialAccessTokens returns a tenant's tokens ordered by vendor.
	ListInitialAccessTokens(ctx context.Context, tenant string) ([]InitialAccessToken, error)
	// RevokeInitialAccessToken marks the vendor's token revoked at at;
	// ErrNotFound when it has none, ErrInactive when already revoked.
	RevokeInitialAccessToken(ctx context.Context, tenant, vendor string, at time.Time) error
	// ResetClients deletes every code, token and pending request of the
	// given clients and ends, at at, every login session of the tenant
	// that only they used (a session another client also used stays),
	// in one transaction. The clients themselves stay; their
	// TokensRevokedAt moves forward as in RevokeClientGrants.
	ResetClients(ctx context.Context, tenant string, clientIDs []string, at time.Time) (ResetCounts, error)
}

// PersonStore is the registry of persons and the relations between them
// (who may act for whom). Validation is the registry package's; the store
// keeps what it is given, except that a relation must name persons the
// registry holds.
//
// The store holds several named registries (data sets) side by side: the
// synthetic population, and each register an operator imports. Every
// method reads or writes exactly one of them, named by its registry
// argument, and never sees another's persons or relations: the same PID
// or relation ID in two registries is two independent records. Which
// registry a tenant reads is the tenant's configuration.
type PersonStore interface {
	GetPerson(ctx context.Context, registry, pid string) (Person, error) // ErrNotFound if absent
	// GetPersons returns the persons among pids that exist in registry,
	// in no particular order; absent ones are left out.
	GetPersons(ctx context.Context, registry string, pids []string) ([]Person, error)
	// ImportRegistry inserts or replaces persons by PID, then relations by
	// ID, in registry, in one transaction (joining the context's if it has
	// one): all or nothing. A relation whose holder or subject is not a
	// person stored in the same registry fails the whole call with
	// ErrNotFound. When a PID or ID repeats, the last record given wins.
	// An empty registry name is an error.
	ImportRegistry(ctx context.Context, registry string, ps []Person, rs []Relation) error
	GetRelation(ctx context.Context, registry, id string) (Relation, error) // ErrNotFound if absent
	// GetRelations returns the relations among ids that exist in
	// registry, ordered by ID; absent ones are left out.
	GetRelations(ctx context.Context, registry string, ids []string) ([]Relation, error)
	// ListRelationsByHolder returns every relation the person holds in
	// registry, withdrawn and expired ones included (the caller applies
	// the rules), ordered by ID.
	ListRelationsByHolder(ctx context.Context, registry, holder string) ([]Relation, error)
}
