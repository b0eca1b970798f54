package exchange

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	fstorage "github.com/ory/fosite/storage"

	"github.com/oidcp/oidcp/resources"
)

// RFC 8693 §2.1 and §3 identifiers.
const (
	GrantType            = "urn:ietf:params:oauth:grant-type:token-exchange"
	TokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"
)

// errInvalidTarget is RFC 8693 §2.2.2's error for a target the server
// will not issue a token for; fosite has none.
var errInvalidTarget = &fosite.RFC6749Error{
	ErrorField:       "invalid_target",
	DescriptionField: "The requested audience is invalid, unknown, or not one this client may obtain tokens for.",
	CodeField:        400,
}

// Policy decides whether a client may have a token for an audience and
// with which scopes (*resources.Policy).
type Policy interface {
	Decide(ctx context.Context, r resources.Request) ([]string, error)
}

// Session is what the handler needs of the provider's session.
type Session interface {
	fosite.Session
	// ForPerson reports whether the token speaks for a person (a
	// client_credentials token speaks for nobody but its client).
	ForPerson() bool
	// Exchanged returns the session of a token exchanged from this one,
	// a token of client from, by client requester: act names the
	// requester, nesting this session's act; the person's claims are
	// narrowed to scopes.
	Exchanged(from, requester string, scopes []string) fosite.Session
}

// Storage is where the subject token is read and the new one stored; a
// storage that is fosite's storage.Transactional stores it in a
// transaction.
type Storage interface {
	oauth2.AccessTokenStorage
}

// Handler is the token exchange grant of one tenant.
type Handler struct {
	Tenant   string
	Strategy oauth2.AccessTokenStrategy
	Storage  Storage
	Policy   Policy
	Config   interface {
		fosite.AccessTokenLifespanProvider
	}
	// NewSession returns an empty session to read the subject token into.
	NewSession func() fosite.Session
	// Now is the clock that decides whether the subject token has
	// expired and how long it has left.
	Now func() time.Time
	// Recheck, when set, runs in the transaction that stores the new
	// token, before it is stored, with the new token's request (its
	// session is the one Session.Exchanged returned) and the subject
	// token's signature. An error refuses the exchange and rolls the
	// transaction back. The provider holds the subject token's consent
	// grant and the subject token's record there (the token was read
	// before the transaction), so that a revocation of the grant, a
	// logout or a revocation of the subject token either reaches the new
	// token or is seen.
	Recheck func(ctx context.Context, r fosite.AccessRequester, subjectSignature string) error
}

var _ fosite.TokenEndpointHandler = (*Handler)(nil)

// CanHandleTokenEndpointRequest: grant_type is the token exchange.
func (h *Handler) CanHandleTokenEndpointRequest(_ context.Context, r fosite.AccessRequester) bool {
	return r.GetGrantTypes().ExactOne(GrantType)
}

// CanSkipClientAuth: never; the requesting client always authenticates
// (RFC 8693 §2.1 leaves it to the server; a public client is refused).
func (h *Handler) CanSkipClientAuth(context.Context, fosite.AccessRequester) bool { return false }

// HandleTokenEndpointRequest validates the request and the subject token
// and sets up the new token's session, scopes, audience and expiry.
func (h *Handler) HandleTokenEndpointRequest(ctx context.Context, r fosite.AccessRequester) error {
	if !h.CanHandleTokenEndpointRequest(ctx, r) {
		return fosite.ErrUnknownRequest
	}
	client := r.GetClient()
	if client.IsPublic() {
		return fosite.ErrUnauthorizedClient.WithHint("A public client cannot use token exchange: it has no credentials to show who is asking.")
	}
	if !client.GetGrantTypes().Has(GrantType) {
		return fosite.ErrUnauthorizedClient.WithHintf("The client is not registered for the grant type '%s'.", GrantType)
	}
	form := r.GetRequestForm()
	subject := form.Get("subject_token")
	switch {
	case subject == "":
		return fosite.ErrInvalidRequest.WithHint("The subject_token parameter is missing.")
	case form.Get("subject_token_type") != TokenTypeAccessToken:
		return fosite.ErrInvalidRequest.WithHintf("The subject_token_type must be '%s': only access tokens of this issuer can be exchanged.", TokenTypeAccessToken)
	case form.Get("actor_token") != "" || form.Get("actor_token_type") != "":
		return fosite.ErrInvalidRequest.WithHint("actor_token is not supported: the authenticated client is the actor.")
	case form.Get("requested_token_type") != "" && form.Get("requested_token_type") != TokenTypeAccessToken:
		return fosite.ErrInvalidRequest.WithHintf("The requested_token_type '%s' is not supported; only '%s' is issued.", form.Get("requested_token_type"), TokenTypeAccessToken)
	case len(form["resource"]) > 0:
		return errInvalidTarget.WithHint("The resource parameter is not supported; name the target with audience.")
	}
	auds := r.GetRequestedAudience()
	if len(auds) != 1 {
		return fosite.ErrInvalidRequest.WithHint("Exactly one audience is required: the identifier of the resource the token is for.")
	}
	audience := auds[0]

	or, err := h.subjectRequest(ctx, subject)
	if err != nil {
		return err
	}
	sess, ok := or.GetSession().(Session)
	if !ok {
		return fosite.ErrServerError.WithDebugf("exchange: unexpected session type %T", or.GetSession())
	}
	if !sess.ForPerson() {
		return fosite.ErrInvalidGrant.WithHint("The subject_token speaks for no person; only a citizen's access token can be exchanged.")
	}
	// A token is exchanged only by the client it was issued to or a
	// client it was issued for (its audience: an API exchanging onward),
	// so a token that leaked to a third client cannot be turned into
	// tokens for the resources that client may call.
	me := client.GetID()
	if or.GetClient().GetID() != me && !slices.Contains(or.GetGrantedAudience(), me) {
		return fosite.ErrInvalidGrant.WithHint("The subject_token was neither issued to this client nor for it.")
	}
	scopes, err := h.Policy.Decide(ctx, resources.Request{
		Tenant: h.Tenant, ClientID: me, Audience: audience,
		Held: or.GetGrantedScopes(), Requested: r.GetRequestedScopes(),
	})
	switch {
	case errors.Is(err, resources.ErrUnknownAudience), errors.Is(err, resources.ErrClientNotAllowed):
		return errInvalidTarget.WithHint(err.Error() + ".")
	case errors.Is(err, resources.ErrScopeNotHeld), errors.Is(err, resources.ErrScopeNotAccepted):
		return fosite.ErrInvalidScope.WithHint(err.Error() + ".")
	case err != nil:
		return fosite.ErrServerError.WithWrap(err).WithDebug(err.Error())
	}

	// RFC 8693 §2.2.1: the new token's lifetime is the server's choice;
	// it never outlasts the token it was exchanged from, so an exchange
	// cannot extend a login.
	exp := h.Now().UTC().Add(h.Config.GetAccessTokenLifespan(ctx)).Round(time.Second)
	if subjectExp := or.GetSession().GetExpiresAt(fosite.AccessToken); subjectExp.Before(exp) {
		exp = subjectExp
	}
	ns := sess.Exchanged(or.GetClient().GetID(), me, scopes)
	ns.SetExpiresAt(fosite.AccessToken, exp)
	r.SetSession(ns)
	r.SetRequestedScopes(scopes)
	for _, s := range scopes {
		r.GrantScope(s)
	}
	r.GrantAudience(audience)
	return nil
}

// subjectRequest reads and checks the subject token: known in this
// tenant, active, valid, not expired by the provider's clock.
func (h *Handler) subjectRequest(ctx context.Context, token string) (fosite.Requester, error) {
	sig := h.Strategy.AccessTokenSignature(ctx, token)
	or, err := h.Storage.GetAccessTokenSession(ctx, sig, h.NewSession())
	switch {
	case errors.Is(err, fosite.ErrNotFound):
		return nil, fosite.ErrInvalidGrant.WithWrap(err).WithHint("The subject_token is not an access token of this issuer.")
	case errors.Is(err, fosite.ErrInactiveToken):
		return nil, fosite.ErrInvalidGrant.WithWrap(err).WithHint("The subject_token has been revoked.")
	case err != nil:
		return nil, fosite.ErrServerError.WithWrap(err).WithDebug(err.Error())
	}
	if err := h.Strategy.ValidateAccessToken(ctx, or, token); err != nil {
		if errors.Is(err, fosite.ErrTokenExpired) {
			return nil, fosite.ErrInvalidGrant.WithWrap(err).WithHint("The subject_token has expired.")
		}
		return nil, fosite.ErrInvalidGrant.WithWrap(err).WithHint("The subject_token is not valid.")
	}
	if exp := or.GetSession().GetExpiresAt(fosite.AccessToken); exp.IsZero() || !exp.After(h.Now()) {
		return nil, fosite.ErrInvalidGrant.WithHint("The subject_token has expired.")
	}
	return or, nil
}

// PopulateTokenEndpointResponse issues the access token and stores it in
// one transaction. No refresh token: the client exchanges again (RFC
// 8693 §2.2.1 makes one optional; a refresh would outlive the subject).
func (h *Handler) PopulateTokenEndpointResponse(ctx context.Context, r fosite.AccessRequester, resp fosite.AccessResponder) (err error) {
	if !h.CanHandleTokenEndpointRequest(ctx, r) {
		return fosite.ErrUnknownRequest
	}
	token, sig, err := h.Strategy.GenerateAccessToken(ctx, r)
	if err != nil {
		return fosite.ErrServerError.WithWrap(err).WithDebug(err.Error())
	}
	ctx, err = fstorage.MaybeBeginTx(ctx, h.Storage)
	if err != nil {
		return fosite.ErrServerError.WithWrap(err).WithDebug(err.Error())
	}
	defer func() {
		if err != nil {
			if rerr := fstorage.MaybeRollbackTx(ctx, h.Storage); rerr != nil {
				err = errors.Join(err, rerr)
			}
		}
	}()
	if h.Recheck != nil {
		if err = h.Recheck(ctx, r, h.Strategy.AccessTokenSignature(ctx, r.GetRequestForm().Get("subject_token"))); err != nil {
			return err
		}
	}
	// Sanitize keeps only the default parameters of the form: the
	// subject token never goes into storage.
	stored := r.Sanitize(nil)
	stored.SetID(r.GetID())
	if err = h.Storage.CreateAccessTokenSession(ctx, sig, stored); err != nil {
		return err
	}
	if err = fstorage.MaybeCommitTx(ctx, h.Storage); err != nil {
		return err
	}
	resp.SetAccessToken(token)
	resp.SetTokenType("bearer")
	resp.SetExpiresIn(r.GetSession().GetExpiresAt(fosite.AccessToken).Sub(h.Now()).Round(time.Second))
	resp.SetScopes(r.GetGrantedScopes())
	resp.SetExtra("issued_token_type", TokenTypeAccessToken)
	return nil
}
