package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/handler/pkce"
	"golang.org/x/text/language"

	"github.com/oidcp/oidcp/storage"
)

// fositeStore adapts the storage contract to fosite's storage interfaces
// for one tenant. It is deliberately thin: it serialises fosite requests
// into TokenRecord.Data and maps sentinels both ways; every rule lives in
// fosite or in the provider.
type fositeStore struct {
	tenant  string
	store   storage.Storage
	clients *clientCache
	now     func() time.Time
	// fallback lifetimes for records whose session carries no expiry.
	codeTTL, parTTL, refreshTTL time.Duration
	// codeSignature keys the OpenID Connect record: fosite hands that
	// storage the raw authorization code, which must not sit in the
	// database in the clear (a read of the table would yield live codes).
	codeSignature func(ctx context.Context, code string) string
	// sealer opens sealed access tokens (sealed.go); sealedTTL is the
	// longest life of one, which its tombstone outlives.
	sealer    *tokenSealer
	sealedTTL time.Duration
	// tombstones is this node's copy of the sealed tokens revoked on
	// their own (tombstones.go); nil reads each token's row.
	tombstones *tombstoneSet
}

// Interface guards.
var (
	_ fosite.Storage                     = (*fositeStore)(nil)
	_ oauth2.CoreStorage                 = (*fositeStore)(nil)
	_ oauth2.TokenRevocationStorage      = (*fositeStore)(nil)
	_ openid.OpenIDConnectRequestStorage = (*fositeStore)(nil)
	_ pkce.PKCERequestStorage            = (*fositeStore)(nil)
	_ fosite.PARStorage                  = (*fositeStore)(nil)
)

// storedRequest is the serialised form of a fosite request.
type storedRequest struct {
	ID                string     `json:"id"`
	RequestedAt       time.Time  `json:"requested_at"`
	ClientID          string     `json:"client_id"`
	RequestedScope    []string   `json:"requested_scope,omitempty"`
	GrantedScope      []string   `json:"granted_scope,omitempty"`
	RequestedAudience []string   `json:"requested_audience,omitempty"`
	GrantedAudience   []string   `json:"granted_audience,omitempty"`
	Form              url.Values `json:"form,omitempty"`
	Lang              string     `json:"lang,omitempty"`
	// Session is the fosite.Session, encoded in place: marshalRequest
	// sets it to the request's session, unmarshalRequest to the one to
	// decode into, so each is one pass over the record (as a
	// json.RawMessage it was encoded, then validated and copied again,
	// and decoded in a second pass).
	Session any `json:"session,omitempty"`
	// Authorize requests only.
	ResponseTypes        []string `json:"response_types,omitempty"`
	HandledResponseTypes []string `json:"handled_response_types,omitempty"`
	RedirectURI          string   `json:"redirect_uri,omitempty"`
	State                string   `json:"state,omitempty"`
	ResponseMode         string   `json:"response_mode,omitempty"`
	DefaultResponseMode  string   `json:"default_response_mode,omitempty"`
}

func marshalRequest(r fosite.Requester) ([]byte, error) {
	return json.Marshal(storedRequestOf(r))
}

// storedRequestOf is what of r a stored record keeps, its session in
// place.
func storedRequestOf(r fosite.Requester) storedRequest {
	sr := storedRequest{
		ID:                r.GetID(),
		RequestedAt:       r.GetRequestedAt(),
		RequestedScope:    r.GetRequestedScopes(),
		GrantedScope:      r.GetGrantedScopes(),
		RequestedAudience: r.GetRequestedAudience(),
		GrantedAudience:   r.GetGrantedAudience(),
		Form:              r.GetRequestForm(),
	}
	if c := r.GetClient(); c != nil {
		sr.ClientID = c.GetID()
	}
	if l, ok := r.(interface{ GetLang() language.Tag }); ok {
		sr.Lang = l.GetLang().String()
	}
	if s := r.GetSession(); s != nil {
		sr.Session = s
	}
	if ar, ok := r.(fosite.AuthorizeRequester); ok {
		sr.ResponseTypes = ar.GetResponseTypes()
		if u := ar.GetRedirectURI(); u != nil {
			sr.RedirectURI = u.String()
		}
		sr.State = ar.GetState()
		sr.ResponseMode = string(ar.GetResponseMode())
		sr.DefaultResponseMode = string(ar.GetDefaultResponseMode())
		if a, ok := ar.(*fosite.AuthorizeRequest); ok {
			sr.HandledResponseTypes = a.HandledResponseTypes
		}
	}
	return sr
}

// unmarshalRequest rebuilds a fosite authorize request (which is also a
// plain Requester) with its client loaded and its session decoded into
// sess (a fresh one when nil).
func (s *fositeStore) unmarshalRequest(ctx context.Context, data []byte, sess fosite.Session) (*fosite.AuthorizeRequest, error) {
	if sess == nil {
		sess = NewSession(s.tenant)
	}
	sr := storedRequest{Session: sess} // decoded into sess
	if err := json.Unmarshal(data, &sr); err != nil {
		return nil, fmt.Errorf("unmarshal request: %w", err)
	}
	return s.requestFrom(ctx, sr, sess)
}

// requestFrom rebuilds the request sr keeps, with its client loaded and
// sess (already decoded) as its session.
func (s *fositeStore) requestFrom(ctx context.Context, sr storedRequest, sess fosite.Session) (*fosite.AuthorizeRequest, error) {
	client, err := s.GetClient(ctx, sr.ClientID)
	if err != nil {
		return nil, err
	}
	ar := fosite.NewAuthorizeRequest()
	ar.ID = sr.ID
	ar.RequestedAt = sr.RequestedAt
	ar.Client = client
	ar.RequestedScope = sr.RequestedScope
	ar.GrantedScope = sr.GrantedScope
	ar.RequestedAudience = sr.RequestedAudience
	ar.GrantedAudience = sr.GrantedAudience
	if sr.Form != nil {
		ar.Form = sr.Form
	}
	ar.Session = sess
	if sr.Lang != "" {
		if tag, err := language.Parse(sr.Lang); err == nil {
			ar.Lang = tag
		}
	}
	ar.ResponseTypes = sr.ResponseTypes
	ar.HandledResponseTypes = sr.HandledResponseTypes
	if sr.RedirectURI != "" {
		u, err := url.Parse(sr.RedirectURI)
		if err != nil {
			return nil, fmt.Errorf("stored redirect_uri: %w", err)
		}
		ar.RedirectURI = u
	}
	ar.State = sr.State
	ar.ResponseMode = fosite.ResponseModeType(sr.ResponseMode)
	ar.DefaultResponseMode = fosite.ResponseModeType(sr.DefaultResponseMode)
	return ar, nil
}

func (s *fositeStore) record(kind storage.TokenKind, sig string, r fosite.Requester, exp time.Time) (storage.TokenRecord, error) {
	data, err := marshalRequest(r)
	if err != nil {
		return storage.TokenRecord{}, err
	}
	rec := storage.TokenRecord{
		Kind:        kind,
		Signature:   sig,
		Tenant:      s.tenant,
		RequestID:   r.GetID(),
		Active:      true,
		RequestedAt: r.GetRequestedAt(),
		ExpiresAt:   exp,
		Data:        data,
	}
	if c := r.GetClient(); c != nil {
		rec.ClientID = c.GetID()
	}
	if sess, ok := r.GetSession().(*Session); ok && sess != nil {
		rec.Subject = sess.PID
		rec.SessionID = sess.LoginSessionID
		rec.GrantID = sess.GrantID
	}
	if rec.RequestedAt.IsZero() {
		rec.RequestedAt = s.now()
	}
	return rec, nil
}

func (s *fositeStore) expiry(r fosite.Requester, tt fosite.TokenType, fallback time.Duration) time.Time {
	if sess := r.GetSession(); sess != nil {
		if t := sess.GetExpiresAt(tt); !t.IsZero() {
			return t
		}
	}
	return s.now().Add(fallback)
}

func (s *fositeStore) create(ctx context.Context, kind storage.TokenKind, sig string, r fosite.Requester, exp time.Time) error {
	rec, err := s.record(kind, sig, r, exp)
	if err != nil {
		return err
	}
	return s.store.CreateToken(ctx, rec)
}

// get loads a record and its request. inactiveErr is what an inactive
// record turns into (fosite wants different sentinels per kind); the
// request is returned with it because fosite revokes by its ID.
func (s *fositeStore) get(ctx context.Context, kind storage.TokenKind, sig string, sess fosite.Session, inactiveErr error) (fosite.Requester, error) {
	_, req, err := s.getRecord(ctx, kind, sig, sess, inactiveErr)
	return req, err
}

// getRecord is get that also returns the record.
func (s *fositeStore) getRecord(ctx context.Context, kind storage.TokenKind, sig string, sess fosite.Session, inactiveErr error) (storage.TokenRecord, fosite.Requester, error) {
	rec, err := s.getToken(ctx, kind, sig)
	if errors.Is(err, storage.ErrNotFound) {
		return rec, nil, fosite.ErrNotFound.WithWrap(err)
	}
	if err != nil {
		return rec, nil, err
	}
	req, err := s.unmarshalRequest(ctx, rec.Data, sess)
	if err != nil {
		return rec, nil, err
	}
	if !rec.Active {
		return rec, req, inactiveErr
	}
	return rec, req, nil
}

// codeKinds are the records an authorization code has, all under its
// signature; a code exchange reads all of them.
var codeKinds = []storage.TokenKind{storage.KindAuthorizeCode, storage.KindPKCE, storage.KindOIDC}

// codeReads holds, for one token request, the code's records read with
// one query: fosite asks for the code, its PKCE and its OpenID Connect
// record one by one (the last after the grant's transaction), and each
// would be a round trip. The copies are only what fosite reads; the
// code's one-time use is decided by the conditional invalidation in the
// transaction, never by a cached Active.
type codeReads struct {
	sig  string
	recs map[storage.TokenKind]storage.TokenRecord
}

type codeReadsKey struct{}

// withCodeReads gives a token request the cache of its code's records.
func withCodeReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, codeReadsKey{}, &codeReads{})
}

// getToken reads one record, through the request's code cache for the
// code's kinds.
func (s *fositeStore) getToken(ctx context.Context, kind storage.TokenKind, sig string) (storage.TokenRecord, error) {
	c, ok := ctx.Value(codeReadsKey{}).(*codeReads)
	if !ok || !slices.Contains(codeKinds, kind) {
		return s.store.GetToken(ctx, s.tenant, kind, sig)
	}
	if c.recs == nil || c.sig != sig {
		recs, err := s.store.GetTokensBySignature(ctx, s.tenant, sig, codeKinds...)
		if err != nil {
			return storage.TokenRecord{}, err
		}
		c.sig, c.recs = sig, map[storage.TokenKind]storage.TokenRecord{}
		for _, r := range recs {
			c.recs[r.Kind] = r
		}
	}
	if r, ok := c.recs[kind]; ok {
		return r, nil
	}
	return storage.TokenRecord{}, fmt.Errorf("get %s: %w", kind, storage.ErrNotFound)
}

// pendingAccess holds, within a grant's transaction, the access token
// record until the refresh token's, so both go in one INSERT (fosite
// creates them one after the other); Commit writes one left alone.
type pendingAccess struct{ rec *storage.TokenRecord }

type pendingAccessKey struct{}

func (s *fositeStore) deactivate(ctx context.Context, kind storage.TokenKind, sig string) error {
	err := s.store.DeactivateToken(ctx, s.tenant, kind, sig)
	if errors.Is(err, storage.ErrNotFound) {
		return fosite.ErrNotFound.WithWrap(err)
	}
	return err
}

func (s *fositeStore) delete(ctx context.Context, kind storage.TokenKind, sig string) error {
	err := s.store.DeleteToken(ctx, s.tenant, kind, sig)
	if errors.Is(err, storage.ErrNotFound) {
		return fosite.ErrNotFound.WithWrap(err)
	}
	return err
}

// GetClient implements fosite.ClientManager.
func (s *fositeStore) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	c, err := s.clients.get(ctx, s.tenant, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fosite.ErrNotFound.WithWrap(err)
	}
	if err != nil {
		return nil, err
	}
	if c.Disabled {
		return nil, fosite.ErrNotFound.WithHint("The client is disabled.")
	}
	return &fositeClient{c: c, secretMethod: secretMethodFrom(ctx), assertion: assertionHeaderFrom(ctx)}, nil
}

// ClientAssertionJWTValid implements fosite.ClientManager: a known jti is a
// replayed private_key_jwt assertion (RFC 7523 §3, item 7).
func (s *fositeStore) ClientAssertionJWTValid(ctx context.Context, jti string) error {
	rec, err := s.store.GetToken(ctx, s.tenant, storage.KindClientAssertion, jti)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if rec.ExpiresAt.After(s.now()) {
		return fosite.ErrJTIKnown
	}
	return nil
}

// SetClientAssertionJWT implements fosite.ClientManager.
func (s *fositeStore) SetClientAssertionJWT(ctx context.Context, jti string, exp time.Time) error {
	err := s.store.CreateToken(ctx, storage.TokenRecord{
		Kind: storage.KindClientAssertion, Signature: jti, Tenant: s.tenant,
		Active: true, RequestedAt: s.now(), ExpiresAt: exp,
	})
	if errors.Is(err, storage.ErrConflict) {
		// An expired record with the same jti may linger until the janitor
		// runs; replace it.
		if rec, gerr := s.store.GetToken(ctx, s.tenant, storage.KindClientAssertion, jti); gerr == nil && !rec.ExpiresAt.After(s.now()) {
			_ = s.store.DeleteToken(ctx, s.tenant, storage.KindClientAssertion, jti)
			return s.SetClientAssertionJWT(ctx, jti, exp)
		}
		return fosite.ErrJTIKnown
	}
	if err != nil {
		// Not the client's fault: a 500, not a failed authentication.
		return fosite.ErrServerError.WithWrap(err).WithDebug(err.Error())
	}
	// fosite checks the audience after this; a refusal then removes it.
	recordJTI(ctx, jti)
	return nil
}

// CreateAuthorizeCodeSession implements oauth2.AuthorizeCodeStorage. The
// code expires by the provider's clock: fosite checks expiry with
// time.Now, which the injected clock cannot move.
func (s *fositeStore) CreateAuthorizeCodeSession(ctx context.Context, code string, r fosite.Requester) error {
	return s.createCodeRecord(ctx, storage.KindAuthorizeCode, code, r, s.now().Add(s.codeTTL))
}

// pendingCode holds, while fosite builds an authorization response, the
// records of the code it issues (the code's own, its PKCE and its
// OpenID Connect record, which fosite creates one after the other), so
// they go in one INSERT (issueCode) instead of three commits.
type pendingCode struct{ recs []storage.TokenRecord }

type pendingCodeKey struct{}

// withPendingCode gives an authorization response the buffer of its
// code's records; issueCode writes them.
func withPendingCode(ctx context.Context) context.Context {
	return context.WithValue(ctx, pendingCodeKey{}, &pendingCode{})
}

// createCodeRecord stores one of a code's records, or buffers it when
// the request has a pendingCode.
func (s *fositeStore) createCodeRecord(ctx context.Context, kind storage.TokenKind, sig string, r fosite.Requester, exp time.Time) error {
	p, ok := ctx.Value(pendingCodeKey{}).(*pendingCode)
	if !ok {
		return s.create(ctx, kind, sig, r, exp)
	}
	rec, err := s.record(kind, sig, r, exp)
	if err != nil {
		return err
	}
	p.recs = append(p.recs, rec)
	return nil
}

// issueCode writes the buffered records of the code, before the code is
// handed to the browser. Issuing a code only issues: the records may
// commit without waiting for the disk (storage IssueTokens), since one
// lost in a database crash makes the code unknown, so invalid_grant at
// the token endpoint (fails closed). Its one-time use, the
// deactivation at the exchange, commits synchronously.
func (s *fositeStore) issueCode(ctx context.Context) error {
	p, ok := ctx.Value(pendingCodeKey{}).(*pendingCode)
	if !ok || len(p.recs) == 0 {
		return nil
	}
	recs := p.recs
	p.recs = nil
	return s.store.IssueTokens(ctx, recs...)
}

// GetAuthorizeCodeSession implements oauth2.AuthorizeCodeStorage. A used
// code is reported as such even when expired (reuse still revokes what
// it yielded); an unused expired code is unknown, hence invalid_grant.
func (s *fositeStore) GetAuthorizeCodeSession(ctx context.Context, code string, sess fosite.Session) (fosite.Requester, error) {
	rec, req, err := s.getRecord(ctx, storage.KindAuthorizeCode, code, sess, fosite.ErrInvalidatedAuthorizeCode)
	if err == nil && !rec.ExpiresAt.After(s.now()) {
		return nil, fosite.ErrNotFound.WithWrap(errCodeExpired)
	}
	return req, err
}

// errCodeExpired marks an unused authorization code past its lifetime, so
// the token endpoint can say so rather than call it unknown.
var errCodeExpired = errors.New("the authorization code has expired")

// InvalidateAuthorizeCodeSession implements oauth2.AuthorizeCodeStorage. It
// is a conditional update: of two concurrent redemptions exactly one wins;
// the loser sees storage.ErrInactive (the token endpoint then revokes what
// the winner got, RFC 6749 §4.1.2).
func (s *fositeStore) InvalidateAuthorizeCodeSession(ctx context.Context, code string) error {
	return s.deactivate(ctx, storage.KindAuthorizeCode, code)
}

// CreateAccessTokenSession implements oauth2.AccessTokenStorage. Inside
// a grant's transaction the record waits for the refresh token's (see
// pendingAccess).
func (s *fositeStore) CreateAccessTokenSession(ctx context.Context, sig string, r fosite.Requester) error {
	if strings.HasPrefix(sig, sealedSigPrefix) {
		return nil // the token carries its record (sealed.go)
	}
	if p, ok := ctx.Value(pendingAccessKey{}).(*pendingAccess); ok && p.rec == nil {
		rec, err := s.record(storage.KindAccessToken, sig, r, s.expiry(r, fosite.AccessToken, time.Hour))
		if err != nil {
			return err
		}
		p.rec = &rec
		return nil
	}
	if ctx.Value(issueOnlyKey{}) != nil {
		// The token is all a client_credentials grant writes, and its
		// loss fails closed (an unknown token is inactive), so it may
		// commit without waiting for the disk (storage IssueTokens).
		rec, err := s.record(storage.KindAccessToken, sig, r, s.expiry(r, fosite.AccessToken, time.Hour))
		if err != nil {
			return err
		}
		return s.store.IssueTokens(ctx, rec)
	}
	return s.create(ctx, storage.KindAccessToken, sig, r, s.expiry(r, fosite.AccessToken, time.Hour))
}

type issueOnlyKey struct{}

// withIssueOnly marks a token request whose only write is the access
// token it issues (client_credentials), so CreateAccessTokenSession may
// store it with IssueTokens. Never for a grant that deactivates, revokes
// or records anything in the same request's writes.
func withIssueOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, issueOnlyKey{}, true)
}

// flushAccess writes a pending access token record, with more if given.
func (s *fositeStore) flushAccess(ctx context.Context, more ...storage.TokenRecord) error {
	p, ok := ctx.Value(pendingAccessKey{}).(*pendingAccess)
	if ok && p.rec != nil {
		more = append([]storage.TokenRecord{*p.rec}, more...)
		p.rec = nil
	}
	return s.store.CreateTokens(ctx, more...)
}

// GetAccessTokenSession implements oauth2.AccessTokenStorage.
func (s *fositeStore) GetAccessTokenSession(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	if strings.HasPrefix(sig, sealedSigPrefix) {
		return s.getSealed(ctx, sig, sess)
	}
	return s.get(ctx, storage.KindAccessToken, sig, sess, fosite.ErrInactiveToken)
}

// DeleteAccessTokenSession implements oauth2.AccessTokenStorage; a
// sealed token, in no row, is voided instead.
func (s *fositeStore) DeleteAccessTokenSession(ctx context.Context, sig string) error {
	if strings.HasPrefix(sig, sealedSigPrefix) {
		rec, err := s.openSealed(sig)
		if err != nil {
			return err
		}
		return s.voidSealed(ctx, rec.RequestID)
	}
	return s.delete(ctx, storage.KindAccessToken, sig)
}

// CreateRefreshTokenSession implements oauth2.RefreshTokenStorage.
func (s *fositeStore) CreateRefreshTokenSession(ctx context.Context, sig, accessSig string, r fosite.Requester) error {
	rec, err := s.record(storage.KindRefreshToken, sig, r, s.expiry(r, fosite.RefreshToken, s.refreshTTL))
	if err != nil {
		return err
	}
	rec.AccessSignature = accessSig
	return s.flushAccess(ctx, rec)
}

// GetRefreshTokenSession implements oauth2.RefreshTokenStorage. An inactive
// (already rotated or revoked) token comes back with ErrInactiveToken and
// its request, which is how fosite detects reuse (RFC 6819 §5.2.2.3).
func (s *fositeStore) GetRefreshTokenSession(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	return s.get(ctx, storage.KindRefreshToken, sig, sess, fosite.ErrInactiveToken)
}

// DeleteRefreshTokenSession implements oauth2.RefreshTokenStorage. fosite
// calls it only for a reused refresh token; the record is kept, inactive,
// so the token endpoint can still say whose grant was replayed (usage
// log) and a later replay is detected again. The janitor deletes it when
// it expires.
func (s *fositeStore) DeleteRefreshTokenSession(ctx context.Context, sig string) error {
	err := s.deactivate(ctx, storage.KindRefreshToken, sig)
	if errors.Is(err, storage.ErrInactive) {
		return nil
	}
	return err
}

// RotateRefreshToken implements oauth2.RefreshTokenStorage: the used
// refresh token becomes inactive (kept, so a later reuse is detected) and
// the access tokens issued before it stop working. The deactivation is
// conditional, so of two concurrent refreshes exactly one proceeds; the
// other gets ErrSerializationFailure, which fosite reports as a retryable
// invalid_request.
func (s *fositeStore) RotateRefreshToken(ctx context.Context, requestID, sig string) error {
	if err := s.deactivate(ctx, storage.KindRefreshToken, sig); err != nil {
		if errors.Is(err, storage.ErrInactive) {
			return fosite.ErrSerializationFailure.WithWrap(err)
		}
		return err
	}
	_, err := s.store.RevokeByRequest(ctx, s.tenant, requestID, storage.KindAccessToken)
	return err
}

// RevokeRefreshToken implements oauth2.TokenRevocationStorage: every
// refresh token of the grant chain (RFC 7009 §2.1). It counts what it
// revoked into the token request's revocationCount, if any.
func (s *fositeStore) RevokeRefreshToken(ctx context.Context, requestID string) error {
	n, err := s.store.RevokeByRequest(ctx, s.tenant, requestID, storage.KindRefreshToken)
	if c, ok := ctx.Value(revocationCountKey{}).(*revocationCount); ok {
		c.refresh += n
	}
	return err
}

type revocationCountKey struct{}

// revocationCount tells the token endpoint what fosite's reuse handling
// revoked. When an inactive refresh token is presented, fosite revokes
// the rest of its chain: if some of it was still active, the token had
// been rotated and is being reused; if none was, the grant had already
// been revoked (RFC 7009, logout, a withdrawn consent or relation).
type revocationCount struct{ refresh int64 }

func withRevocationCount(ctx context.Context) context.Context {
	return context.WithValue(ctx, revocationCountKey{}, &revocationCount{})
}

// RevokeAccessToken implements oauth2.TokenRevocationStorage.
func (s *fositeStore) RevokeAccessToken(ctx context.Context, requestID string) error {
	if strings.HasPrefix(requestID, sealedIDPrefix) {
		return s.voidSealed(ctx, requestID)
	}
	_, err := s.store.RevokeByRequest(ctx, s.tenant, requestID, storage.KindAccessToken)
	return err
}

// CreateOpenIDConnectSession implements openid.OpenIDConnectRequestStorage,
// keyed by the code's signature like every other record of the code.
func (s *fositeStore) CreateOpenIDConnectSession(ctx context.Context, code string, r fosite.Requester) error {
	return s.createCodeRecord(ctx, storage.KindOIDC, s.codeSignature(ctx, code), r, s.expiry(r, fosite.AuthorizeCode, s.codeTTL))
}

// GetOpenIDConnectSession implements openid.OpenIDConnectRequestStorage.
func (s *fositeStore) GetOpenIDConnectSession(ctx context.Context, code string, r fosite.Requester) (fosite.Requester, error) {
	req, err := s.get(ctx, storage.KindOIDC, s.codeSignature(ctx, code), r.GetSession(), fosite.ErrNotFound)
	if err != nil {
		return nil, err
	}
	return req, nil
}

// DeleteOpenIDConnectSession implements openid.OpenIDConnectRequestStorage.
// It keeps the record, as DeletePKCERequestSession does: it lives and
// dies with its code (the janitor deletes both when they expire), and
// fosite reads it only after the code's one-time use was settled in the
// grant's transaction, so a second redemption never reaches it; the
// DELETE was one more statement on every code exchange.
func (s *fositeStore) DeleteOpenIDConnectSession(context.Context, string) error {
	return nil
}

// GetPKCERequestSession implements pkce.PKCERequestStorage.
func (s *fositeStore) GetPKCERequestSession(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	return s.get(ctx, storage.KindPKCE, sig, sess, fosite.ErrNotFound)
}

// CreatePKCERequestSession implements pkce.PKCERequestStorage.
func (s *fositeStore) CreatePKCERequestSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.createCodeRecord(ctx, storage.KindPKCE, sig, r, s.expiry(r, fosite.AuthorizeCode, s.codeTTL))
}

// DeletePKCERequestSession implements pkce.PKCERequestStorage. It keeps
// the record: the PKCE record lives and dies with its code (the janitor
// deletes both when they expire), and the code's one-time use is what
// stops a second redemption. fosite checks PKCE before the code is
// invalidated, so deleting here would let concurrent redemptions of one
// code fail on a missing PKCE record (a 500, or invalid_grant without
// the reuse being detected) instead of reaching the conditional
// invalidation, where exactly one wins and the others revoke what it got.
func (s *fositeStore) DeletePKCERequestSession(context.Context, string) error {
	return nil
}

// CreatePARSession implements fosite.PARStorage (RFC 9126).
func (s *fositeStore) CreatePARSession(ctx context.Context, requestURI string, r fosite.AuthorizeRequester) error {
	return s.create(ctx, storage.KindPAR, requestURI, r, s.now().Add(s.parTTL))
}

// GetPARSession implements fosite.PARStorage. An expired request_uri is as
// good as unknown (RFC 9126 §2.2).
func (s *fositeStore) GetPARSession(ctx context.Context, requestURI string) (fosite.AuthorizeRequester, error) {
	rec, err := s.store.GetToken(ctx, s.tenant, storage.KindPAR, requestURI)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fosite.ErrNotFound.WithWrap(err)
	}
	if err != nil {
		return nil, err
	}
	if !rec.Active || !rec.ExpiresAt.After(s.now()) {
		return nil, fosite.ErrNotFound.WithHint("The request_uri has expired or was used.")
	}
	return s.unmarshalRequest(ctx, rec.Data, nil)
}

// DeletePARSession implements fosite.PARStorage. request_uri is one-time.
func (s *fositeStore) DeletePARSession(ctx context.Context, requestURI string) error {
	return s.delete(ctx, storage.KindPAR, requestURI)
}

// BeginTX implements fosite's storage.Transactional.
func (s *fositeStore) BeginTX(ctx context.Context) (context.Context, error) {
	ctx, err := s.store.BeginTx(ctx)
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, pendingAccessKey{}, &pendingAccess{}), nil
}

// Commit implements fosite's storage.Transactional; an access token
// record still pending is written first.
func (s *fositeStore) Commit(ctx context.Context) error {
	if p, ok := ctx.Value(pendingAccessKey{}).(*pendingAccess); ok && p.rec != nil {
		if err := s.flushAccess(ctx); err != nil {
			return errors.Join(err, s.store.Rollback(ctx))
		}
	}
	return s.store.Commit(ctx)
}

// Rollback implements fosite's storage.Transactional.
func (s *fositeStore) Rollback(ctx context.Context) error { return s.store.Rollback(ctx) }
