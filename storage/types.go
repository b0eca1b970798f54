package storage

import (
	"encoding/json"
	"time"
)

// Client is a registered OAuth 2.0 / OIDC client of one tenant. Secrets
// are stored hashed (SecretHash, bcrypt); the plain secret never reaches
// storage.
type Client struct {
	Tenant string `json:"tenant"`
	ID     string `json:"client_id"`
	// SecretHash is the bcrypt hash of the client secret; empty for public
	// clients and private_key_jwt clients.
	SecretHash []byte `json:"-"`
	Name       string `json:"client_name,omitempty"`
	// Names are the client's name in other languages, by language tag
	// (nb, nn, en): RFC 7591 §2.2's client_name#nn and so on. Name is the
	// untagged client_name. Pages pick one with clients.DisplayName.
	Names                    map[string]string `json:"client_names,omitempty"`
	RedirectURIs             []string          `json:"redirect_uris"`
	PostLogoutRedirectURIs   []string          `json:"post_logout_redirect_uris,omitempty"`
	GrantTypes               []string          `json:"grant_types"`
	ResponseTypes            []string          `json:"response_types"`
	Scopes                   []string          `json:"scopes"`
	Audience                 []string          `json:"audience,omitempty"`
	TokenEndpointAuthMethod  string            `json:"token_endpoint_auth_method"`
	Public                   bool              `json:"public"`
	JWKSURI                  string            `json:"jwks_uri,omitempty"`
	JWKS                     json.RawMessage   `json:"jwks,omitempty"`
	IDTokenSignedResponseAlg string            `json:"id_token_signed_response_alg,omitempty"`
	// TokenEndpointAuthSigningAlg pins a private_key_jwt client's
	// assertions to one algorithm; empty allows every supported one its
	// keys fit (OIDC Registration §2).
	TokenEndpointAuthSigningAlg string `json:"token_endpoint_auth_signing_alg,omitempty"`
	// RequirePKCE and RequireNonce default to true; only a confidential
	// client may relax them (DESIGN: never for a public one).
	RequirePKCE  bool `json:"require_pkce"`
	RequireNonce bool `json:"require_nonce"`
	// RequirePAR is always true for public clients.
	RequirePAR           bool   `json:"require_par"`
	SectorIdentifier     string `json:"sector_identifier,omitempty"`
	BackchannelLogoutURI string `json:"backchannel_logout_uri,omitempty"`
	InitiateLoginURI     string `json:"initiate_login_uri,omitempty"`
	// LaunchURIs are the tool's pages a portal may open it at: a
	// hand-off's target_link_uri must equal one (package handoff).
	LaunchURIs []string `json:"launch_uris,omitempty"`
	// HandoffPortal marks a first-party portal that may hand a citizen's
	// login off to tools (POST /handoff); set only by the operator.
	HandoffPortal     bool     `json:"handoff_portal,omitempty"`
	Category          string   `json:"category,omitempty"` // identified (K2) or pseudonymous (K3)
	AcceptedRelations []string `json:"accepted_relations,omitempty"`
	Standalone        bool     `json:"standalone,omitempty"`
	AccessTokenFormat string   `json:"access_token_format,omitempty"` // opaque (or empty) or jwt (RFC 9068)
	AnySecretMethod   bool     `json:"any_secret_method,omitempty"`   // secret by Basic or post: no method pinned (clients.Registration.AuthMethod)
	// DPoPBoundAccessTokens: the client always gets DPoP-bound tokens and
	// must send a DPoP proof with every token request (RFC 9449 §5.2).
	DPoPBoundAccessTokens bool `json:"dpop_bound_access_tokens,omitempty"`
	Disabled              bool `json:"disabled,omitempty"`
	// TokensRevokedAt is when the client's tokens were last all revoked
	// (RevokeClientGrants sets it). A sealed access token (the
	// provider's client_credentials tokens, which are in no row) carries
	// the value it was issued under and is void once it differs; stored
	// tokens are revoked row by row instead.
	TokensRevokedAt time.Time `json:"tokens_revoked_at,omitzero"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`

	// PolicyURI and LogoURI are shown to the person logging in
	// (RFC 7591 §2).
	PolicyURI string `json:"policy_uri,omitempty"`
	LogoURI   string `json:"logo_uri,omitempty"`
	// Vendor names the vendor whose initial access token registered the
	// client (RFC 7591 dynamic registration); empty for clients the
	// operator registered. A vendor sees and resets only its own.
	Vendor string `json:"vendor,omitempty"`
	// RegistrationTokenHash is the hex SHA-256 of the registration access
	// token that manages the client (RFC 7592 §3); the token itself is
	// shown once, at registration.
	RegistrationTokenHash string `json:"registration_token_hash,omitempty"`
	// BackchannelLogoutSessionRequired: every logout token carries sid
	// (Back-Channel Logout 1.0 §2.2).
	BackchannelLogoutSessionRequired bool `json:"backchannel_logout_session_required,omitempty"`
}

// Resource is a protected resource (an API) of a tenant that clients may
// obtain tokens for by token exchange (RFC 8693), with its inbound access
// policy: which clients may, and which scopes tokens for it may carry.
type Resource struct {
	Tenant string `json:"tenant"`
	// Audience identifies the resource: the aud of the tokens issued for
	// it and the audience parameter of the exchange.
	Audience string `json:"audience"`
	Name     string `json:"name,omitempty"`
	// AllowedClients are the client ids that may exchange a token for one
	// for this resource.
	AllowedClients []string `json:"allowed_clients"`
	// Scopes are the scopes the resource accepts; an exchanged token
	// carries at most these.
	Scopes    []string  `json:"scopes"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// InitialAccessToken lets one vendor register clients in one tenant
// (RFC 7591 §3, "initial access token"). Each vendor has at most one;
// only the token's SHA-256 is stored.
type InitialAccessToken struct {
	Tenant string `json:"tenant"`
	Vendor string `json:"vendor"`
	// Hash is the hex SHA-256 of the token.
	Hash      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt zero means the token does not expire.
	ExpiresAt time.Time  `json:"expires_at,omitzero"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Usable reports whether the token may be used at now: not revoked and
// not expired.
func (t InitialAccessToken) Usable(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// ResetCounts says what ResetClients removed.
type ResetCounts struct {
	Tokens   int64 `json:"tokens"`
	Sessions int64 `json:"sessions"`
	// Grants are the consent grants a reset revoked (through the consent
	// service, so that each is in the usage log and the tool gets a
	// back-channel logout); ResetClients itself leaves grants alone.
	Grants int64 `json:"grants"`
}

// TokenKind names what a TokenRecord is. One table holds them all so that
// revoking a grant or a session is one statement.
type TokenKind string

// Token kinds.
const (
	KindAuthorizeCode TokenKind = "authorize_code"
	KindAccessToken   TokenKind = "access_token"
	KindRefreshToken  TokenKind = "refresh_token"
	KindPKCE          TokenKind = "pkce"
	KindOIDC          TokenKind = "oidc"
	KindPAR           TokenKind = "par"
	// KindClientAssertion records the jti of a used private_key_jwt
	// assertion so it cannot be replayed (RFC 7523 §3).
	KindClientAssertion TokenKind = "client_assertion"
)

// TokenRecord is one stored token, code or request. Signature is the
// token's lookup key (an HMAC signature, never the token itself).
// RequestID groups the records of one authorization (fosite's request ID;
// stable across refresh rotation), so it is the unit of "the whole grant
// chain". GrantID (consent grant) and SessionID (login session) are the
// wider units later revocation works on. SessionID names the session's
// chain (sessionstore.Login.ChainID: the first session of a run of logins
// of one person in one browser), not the rotating id of its newest
// session, so revoking by it reaches the records of replaced sessions.
type TokenRecord struct {
	Kind      TokenKind `json:"kind"`
	Signature string    `json:"signature"`
	Tenant    string    `json:"tenant"`
	RequestID string    `json:"request_id"`
	ClientID  string    `json:"client_id"`
	Subject   string    `json:"subject"`
	SessionID string    `json:"session_id,omitempty"`
	GrantID   string    `json:"grant_id,omitempty"`
	Active    bool      `json:"active"`
	// AccessSignature links a refresh token to the access token issued with it.
	AccessSignature string    `json:"access_signature,omitempty"`
	RequestedAt     time.Time `json:"requested_at"`
	ExpiresAt       time.Time `json:"expires_at"`
	// Data is the adapter's serialized request; opaque to storage.
	Data []byte `json:"-"`
}

// DPoPProof is one accepted DPoP proof: its key's RFC 7638 thumbprint
// and its jti. ExpiresAt is when the proof can no longer be accepted
// anyway (its iat window has passed), so the record may go.
type DPoPProof struct {
	Tenant    string    `json:"tenant"`
	JKT       string    `json:"jkt"`
	JTI       string    `json:"jti"`
	ExpiresAt time.Time `json:"expires_at"`
}

// LoginSession is a server-side login session (the cookie carries only its
// opaque id). Values holds whatever else the session store keeps.
type LoginSession struct {
	ID         string    `json:"id"`
	Tenant     string    `json:"tenant"`
	Subject    string    `json:"subject,omitempty"` // the person's pid; empty until logged in
	AuthTime   time.Time `json:"auth_time"`
	ACR        string    `json:"acr,omitempty"`
	AMR        []string  `json:"amr,omitempty"`
	UserAgent  string    `json:"user_agent,omitempty"`
	Clients    []string  `json:"clients,omitempty"`
	Values     []byte    `json:"-"` // encoded by the session store
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	// ExpiresAt is the absolute expiry; idle expiry is LastSeenAt + idle timeout.
	ExpiresAt time.Time  `json:"expires_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
}

// Key is a tenant's signing key and where it is in its rotation life
// cycle (ActivatesAt, RetiresAt, UnpublishAt).
type Key struct {
	Tenant string `json:"tenant"`
	KID    string `json:"kid"`
	Alg    string `json:"alg"` // RS256, ES256, PS256
	// PrivateSealed is the private key (PKCS#8 DER) sealed with AES-GCM
	// under the key-encryption key; storage never sees it in the clear.
	PrivateSealed []byte `json:"-"`
	// PublicJWK is the public JWK (JSON), published in JWKS.
	PublicJWK []byte    `json:"public_jwk"`
	CreatedAt time.Time `json:"created_at"`
	// ActivatesAt: the key signs from then on (after being published).
	ActivatesAt time.Time `json:"activates_at"`
	// RetiresAt: the key stops signing; zero means not scheduled.
	RetiresAt time.Time `json:"retires_at"`
	// UnpublishAt: the key leaves JWKS; zero means not scheduled. It is at
	// least RetiresAt plus the longest lifetime of anything the key signed.
	UnpublishAt time.Time `json:"unpublish_at"`
}

// TenantSecret is a per-tenant secret (HMAC key for opaque tokens,
// pairwise salt, cookie keys), sealed under the key-encryption key.
type TenantSecret struct {
	Tenant    string
	Name      string
	Sealed    []byte
	CreatedAt time.Time
}

// Event is one entry of the append-only usage log.
type Event struct {
	ID        int64     `json:"id"`
	Tenant    string    `json:"tenant"`
	Time      time.Time `json:"time"`
	Kind      string    `json:"kind"`
	Actor     string    `json:"actor,omitempty"`   // pid of who acted
	Subject   string    `json:"subject,omitempty"` // pid of whom it was done for
	ClientID  string    `json:"client_id,omitempty"`
	SessionID string    `json:"session_id,omitempty"`
	GrantID   string    `json:"grant_id,omitempty"`
	// Detail is a small JSON object with event-specific facts; it must
	// never carry secrets or tokens.
	Detail json.RawMessage `json:"detail,omitempty"`
}

// EventFilter selects events for reading; zero fields don't filter.
type EventFilter struct {
	Tenant   string
	Person   string // matches Actor or Subject
	Actor    string // matches Actor
	Subject  string // matches Subject
	Kinds    []string
	ClientID string
	Since    time.Time
	Until    time.Time
	AfterID  int64 // keyset pagination: only events with ID < AfterID
	Limit    int
}

// Flow is short-lived server-side state of a browser flow in progress
// (e.g. an authorization request waiting for the upstream login). The
// browser carries only ID; Purpose binds the record to one use.
type Flow struct {
	ID        string
	Tenant    string
	Purpose   string
	Data      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// HandoffTicket is a portal's one-time hand-off of a citizen's login to
// a tool (package handoff). Only the ticket's SHA-256 is stored; what it
// is bound to is stored beside it.
type HandoffTicket struct {
	// Hash is the hex SHA-256 of the ticket.
	Hash   string
	Tenant string
	// PortalClientID asked for the hand-off; TargetClientID is the only
	// client that may redeem it, at TargetLinkURI.
	PortalClientID string
	TargetClientID string
	TargetLinkURI  string
	// SessionChain is the portal's login session chain
	// (sessionstore.Login.ChainID); Holder the logged-in person's pid.
	SessionChain string
	Holder       string
	// ActingFor is the represented person's pid and Relation the
	// relation kind; both empty when the person acts for themself.
	ActingFor string
	Relation  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Person is a registry entry: a person oidcp may show claims for.
type Person struct {
	PID                 string    `json:"pid"`
	GivenName           string    `json:"given_name"`
	FamilyName          string    `json:"family_name"`
	BirthDate           time.Time `json:"birthdate"`
	ConfidentialAddress bool      `json:"confidential_address,omitempty"`
	LacksCapacity       bool      `json:"lacks_capacity,omitempty"`
	UpdatedAt           time.Time `json:"updated_at"`
}

// Relation is a registry entry saying that Holder may, under the rules for
// Kind, act for Subject (both fødselsnummer of stored persons). ID is the
// registry's key for the relation (stable across imports, so re-importing
// updates rather than duplicates).
type Relation struct {
	ID string `json:"id"`
	// Kind is a representation.RelationKind; storage keeps it as given.
	Kind    string `json:"kind"`
	Holder  string `json:"holder"`
	Subject string `json:"subject"`
	// ValidFrom and ValidTo are the first and last instants the relation
	// holds (inclusive); zero leaves that end open.
	ValidFrom    time.Time `json:"valid_from"`
	ValidTo      time.Time `json:"valid_to"`
	ServiceAreas []string  `json:"service_areas,omitempty"`
	// Withdrawn means the giver or the register withdrew the relation;
	// WithdrawnAt says when, zero if unknown.
	Withdrawn   bool      `json:"withdrawn,omitempty"`
	WithdrawnAt time.Time `json:"withdrawn_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Grant is a consent grant (tillatelse): a data subject's permission for
// one client of one tenant to exchange data under Scopes. Subject is
// whose data it is (the represented person, or the citizen); Actor is
// the representative who gave it, empty when the subject gave it
// themself, and Relation the relation kind that let them.
type Grant struct {
	ID        string    `json:"id"`
	Tenant    string    `json:"tenant"`
	ClientID  string    `json:"client_id"`
	Subject   string    `json:"subject"`
	Actor     string    `json:"actor,omitempty"`
	Relation  string    `json:"relation,omitempty"`
	Scopes    []string  `json:"scopes"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is when the grant lapses; zero means it does not.
	ExpiresAt time.Time `json:"expires_at"`
	// RevokedAt is set once the grant is revoked; RevokedBy says by what
	// kind of party (consent.RevokedBy*), RevokedActor who (a pid or an
	// operator's name) and RevokedReason why, in their words.
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RevokedBy     string     `json:"revoked_by,omitempty"`
	RevokedActor  string     `json:"revoked_actor,omitempty"`
	RevokedReason string     `json:"revoked_reason,omitempty"`
}

// GrantFilter selects grants; zero fields don't filter.
type GrantFilter struct {
	Tenant   string
	ClientID string
	Subject  string
	// ActiveOnly leaves out revoked grants (expiry is the caller's rule).
	ActiveOnly bool
}

// Revocation says who revoked a grant, when and why.
type Revocation struct {
	At     time.Time
	By     string
	Actor  string
	Reason string
}

// RevokedGrants is what a grant revocation changed: the grants revoked
// now, how many codes and tokens were deactivated with them, and whose
// tokens under which login session chains they were (distinct pairs;
// back-channel logout tells the client about each).
type RevokedGrants struct {
	Grants   []Grant
	Tokens   int64
	Sessions []TokenSession
}

// TokenSession is a person and the login session chain that tokens were
// issued under (SessionID empty for tokens outside any session).
type TokenSession struct {
	Subject   string
	SessionID string
}

// Outbox states.
const (
	OutboxPending   = "pending"
	OutboxDelivered = "delivered"
	OutboxFailed    = "failed"
)

// OutboxMessage is one back-channel logout to deliver to a client. It
// keeps what the logout token is built from, not the token: the token
// is signed at each attempt, so its short lifetime holds however late
// the attempt is. ID is the token's jti, the same at every attempt.
type OutboxMessage struct {
	ID       string `json:"id"`
	Tenant   string `json:"tenant"`
	ClientID string `json:"client_id"`
	URI      string `json:"uri"`
	// Subject is the person's pid (the sub claim is derived from it per
	// client); SessionID the login session chain (the sid claim). At
	// least one is set.
	Subject   string `json:"subject,omitempty"`
	SessionID string `json:"session_id,omitempty"`
	GrantID   string `json:"grant_id,omitempty"`
	// Reason is why the logout is sent (grant_revoked, logout, ...).
	Reason        string    `json:"reason"`
	State         string    `json:"state"`
	Attempts      int       `json:"attempts"`
	LastError     string    `json:"last_error,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	// GiveUpAt: no attempt starts after it; the message is then failed.
	GiveUpAt time.Time  `json:"give_up_at"`
	DoneAt   *time.Time `json:"done_at,omitempty"`
	// Claim identifies the claim that handed the message out; Finish
	// must present it, so a node whose lease ran out cannot overwrite
	// another node's later result.
	Claim string `json:"-"`
}

// OutboxResult is the outcome of one delivery attempt.
type OutboxResult struct {
	At        time.Time
	Delivered bool
	Error     string
	// RetryAt schedules the next attempt; zero (or after GiveUpAt) makes
	// an undelivered message failed for good.
	RetryAt time.Time
}
