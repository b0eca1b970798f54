package handoff

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/oautherr"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// ClientAuthenticator authenticates the client of a request as the token
// endpoint does (the method it registered, with the same throttling). The
// error is what to answer: an *oautherr.Error (invalid_client, 429, 503).
type ClientAuthenticator interface {
	AuthenticateClient(ctx context.Context, tenant string, r *http.Request, form url.Values) (clientID string, err error)
}

// TokenVerifier says who an access token of a tenant speaks for
// (provider.VerifyAccessToken).
type TokenVerifier interface {
	VerifyAccessToken(ctx context.Context, tenant, token string) (account.AccessToken, error)
}

// Clients reads the portal's and the target's registrations.
type Clients interface {
	GetClient(ctx context.Context, tenant, id string) (storage.Client, error)
}

// EndpointConfig is what one tenant's /handoff needs.
type EndpointConfig struct {
	Tenant string
	// Issuer is the tenant's issuer, sent to the tool as iss.
	Issuer  string
	Auth    ClientAuthenticator
	Tokens  TokenVerifier
	Clients Clients
	Tickets *Tickets
	Log     *slog.Logger
}

// Errors of /handoff besides the client authentication's (docs/handoff.md).
var (
	// errInvalidTarget: the target tool is unknown, disabled, cannot be
	// launched (no initiate_login_uri), the target_link_uri is not one it
	// registered, or it does not accept the current representation.
	errInvalidTarget = &oautherr.Error{Code: "invalid_target", Status: http.StatusBadRequest}
	// errNotPortal: the authenticated client is not flagged as a portal.
	errNotPortal = &oautherr.Error{Code: "unauthorized_client", Status: http.StatusBadRequest,
		Description: "This client may not hand off logins: only a client the operator registered with --handoff-portal may call /handoff."}
)

// Endpoint is POST {issuer}/handoff.
type Endpoint struct{ cfg EndpointConfig }

// NewEndpoint returns the hand-off endpoint of one tenant.
func NewEndpoint(cfg EndpointConfig) *Endpoint {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Endpoint{cfg: cfg}
}

// response is the answer: the URL to send the browser to.
type response struct {
	URL       string `json:"url"`
	ExpiresIn int    `json:"expires_in"`
}

// ServeHTTP answers POST /handoff (form: client_id of the target tool,
// target_link_uri; the portal's client authentication; the citizen's
// access token as Authorization: Bearer or the access_token parameter).
func (e *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c := e.cfg
	if err := r.ParseForm(); err != nil {
		oautherr.WriteJSON(w, oautherr.InvalidRequest.WithDescription("The request body is not a form (application/x-www-form-urlencoded)."))
		return
	}
	form := r.PostForm
	if form.Get("client_secret") != "" {
		// client_id names the target here, so it cannot also name the
		// portal for client_secret_post.
		oautherr.WriteJSON(w, oautherr.InvalidRequest.WithDescription("client_id names the tool to open here: authenticate the portal with HTTP Basic (client_secret_basic) or private_key_jwt, not client_secret_post."))
		return
	}
	for _, name := range []string{"client_id", "target_link_uri", "access_token"} {
		if len(form[name]) > 1 {
			oautherr.WriteJSON(w, oautherr.InvalidRequest.WithDescription("The "+name+" parameter is included more than once."))
			return
		}
	}
	// The portal's own authentication: the form without the target's
	// client_id, so that a client assertion names the portal.
	authForm := url.Values{}
	for k, v := range form {
		if k != "client_id" && k != "access_token" {
			authForm[k] = v
		}
	}
	portalID, err := c.Auth.AuthenticateClient(ctx, c.Tenant, r, authForm)
	if err != nil {
		e.authError(w, r, err)
		return
	}
	portal, err := c.Clients.GetClient(ctx, c.Tenant, portalID)
	if err != nil {
		e.serverError(w, r, "read portal client", err)
		return
	}
	if !portal.HandoffPortal {
		oautherr.WriteJSON(w, errNotPortal)
		return
	}
	token, e2 := bearer(r, form)
	if e2 != nil {
		oautherr.WriteBearer(w, e2)
		return
	}
	at, err := c.Tokens.VerifyAccessToken(ctx, c.Tenant, token)
	if errors.Is(err, account.ErrInvalidToken) {
		oautherr.WriteBearer(w, oautherr.InvalidToken.WithDescription("The citizen's access token is not active: expired, revoked, unknown, or not a person's."))
		return
	}
	if err != nil {
		e.serverError(w, r, "verify access token", err)
		return
	}
	v := at.Viewer
	if v.ClientID != portalID {
		oautherr.WriteBearer(w, oautherr.InvalidToken.WithDescription("The access token was issued to another client; present the token the portal itself received for the citizen."))
		return
	}
	if v.SessionChain == "" || v.Person == "" {
		oautherr.WriteBearer(w, oautherr.InvalidToken.WithDescription("The access token belongs to no login session, so there is nothing to hand off."))
		return
	}
	targetID, link := form.Get("client_id"), form.Get("target_link_uri")
	if targetID == "" || link == "" {
		oautherr.WriteJSON(w, oautherr.InvalidRequest.WithDescription("client_id (the tool to open) and target_link_uri are required."))
		return
	}
	target, ok := e.target(w, r, targetID, link, v)
	if !ok {
		return
	}
	g := Grant{Tenant: c.Tenant, PortalClientID: portalID, TargetClientID: target.ID, TargetLinkURI: link,
		SessionChain: v.SessionChain, Holder: v.Person}
	if !v.Self() {
		g.ActingFor, g.Relation = v.Subject, string(v.Relation)
	}
	ticket, err := c.Tickets.Issue(ctx, g)
	if err != nil {
		e.serverError(w, r, "issue ticket", err)
		return
	}
	u, _ := url.Parse(target.InitiateLoginURI) // checked at registration and in target
	q := u.Query()
	q.Set("iss", c.Issuer)
	q.Set("target_link_uri", link)
	q.Set("login_hint", ticket)
	u.RawQuery = q.Encode()
	c.Tickets.record(ctx, audit.Event{
		Tenant: c.Tenant, Kind: audit.HandoffIssued, Actor: v.Person, Subject: v.Subject,
		ClientID: target.ID, SessionID: v.SessionChain,
		Detail: map[string]any{
			"portal_client_id": portalID, "portal_name": portal.Name,
			"target_client_id": target.ID, "target_name": target.Name,
			"relation": g.relation(),
		},
	})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(response{URL: u.String(), ExpiresIn: int(Lifetime / time.Second)})
}

// target reads the tool to open and checks that it can be opened at link
// for the viewer's representation; otherwise it answers invalid_target.
func (e *Endpoint) target(w http.ResponseWriter, r *http.Request, id, link string, v account.Viewer) (storage.Client, bool) {
	t, err := e.cfg.Clients.GetClient(r.Context(), e.cfg.Tenant, id)
	if errors.Is(err, storage.ErrNotFound) {
		oautherr.WriteJSON(w, errInvalidTarget.WithDescription("No tool with this client_id is registered in the tenant."))
		return t, false
	}
	if err != nil {
		e.serverError(w, r, "read target client", err)
		return t, false
	}
	var why string
	switch {
	case t.Disabled:
		why = "The tool is disabled by the operator."
	case t.InitiateLoginURI == "":
		why = "The tool registered no initiate_login_uri, so it cannot be opened from the portal (OIDC Core §4)."
	case !slices.Contains(t.LaunchURIs, link):
		why = "target_link_uri is not one of the tool's registered launch_uris (compared exactly)."
	case !v.Self() && !representation.Acceptable(v.Relation, representation.ParseKinds(t.AcceptedRelations), t.Standalone):
		why = "The tool does not accept acting for someone under the relation " + string(v.Relation) + "; open it while acting for yourself."
	}
	if why != "" {
		oautherr.WriteJSON(w, errInvalidTarget.WithDescription(why))
		return t, false
	}
	return t, true
}

// bearer is the citizen's access token: Authorization: Bearer, or the
// access_token form parameter (RFC 6750 §2.2) when the Authorization
// header carries the portal's Basic credentials. Exactly one.
func bearer(r *http.Request, form url.Values) (string, *oautherr.Error) {
	h := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(h, " ")
	fromHeader := strings.EqualFold(scheme, "Bearer")
	switch inForm := form.Get("access_token"); {
	case fromHeader && inForm != "":
		return "", oautherr.InvalidRequest.WithDescription("Send the access token once: as Authorization: Bearer or as access_token, not both (RFC 6750 §2).")
	case fromHeader && strings.TrimSpace(tok) != "":
		return strings.TrimSpace(tok), nil
	case inForm != "":
		return inForm, nil
	}
	return "", oautherr.InvalidRequest.WithDescription("The citizen's access token is missing: send it as Authorization: Bearer <token>, or as the access_token parameter when the portal authenticates with HTTP Basic.")
}

// authError answers with an error from the client authentication.
func (e *Endpoint) authError(w http.ResponseWriter, r *http.Request, err error) {
	var oe *oautherr.Error
	if !errors.As(err, &oe) {
		oe = oautherr.ServerError.Wrap(err)
	}
	if _, _, basic := r.BasicAuth(); basic && oe.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+e.cfg.Issuer+`"`)
	}
	oautherr.WriteJSON(w, oe)
}

func (e *Endpoint) serverError(w http.ResponseWriter, r *http.Request, what string, err error) {
	e.cfg.Log.ErrorContext(r.Context(), "hand-off: "+what, "tenant", e.cfg.Tenant, "err", err)
	oautherr.WriteJSON(w, oautherr.ServerError.WithDescription("The hand-off could not be made; try again."))
}
