package registration

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/oidcp/oidcp/oautherr"
	"github.com/oidcp/oidcp/ratelimit"
	"github.com/oidcp/oidcp/storage"
)

// Store is what the handler needs of storage.
type Store interface {
	CreateClient(ctx context.Context, c storage.Client) error
	GetClient(ctx context.Context, tenant, id string) (storage.Client, error)
	ListClients(ctx context.Context, tenant string) ([]storage.Client, error)
	UpdateClient(ctx context.Context, tenant, id string, fn func(storage.Client) (storage.Client, error)) error
	DeleteClient(ctx context.Context, tenant, id string) error
	RevokeByClient(ctx context.Context, tenant, clientID string) (int64, error)
	GetInitialAccessToken(ctx context.Context, tenant, hash string) (storage.InitialAccessToken, error)
	ResetClients(ctx context.Context, tenant string, clientIDs []string, at time.Time) (storage.ResetCounts, error)
}

// Interface guard: every backend is a Store.
var _ Store = (storage.Storage)(nil)

// GrantRevoker revokes a client's consent grants with their codes and
// tokens, records each in the usage log and queues back-channel logouts
// (*consent.Service). rev.By is "vendor", rev.Actor the vendor and
// rev.Reason vendor_reset or client_deleted.
type GrantRevoker interface {
	RevokeClient(ctx context.Context, tenant, clientID string, rev storage.Revocation) (storage.RevokedGrants, error)
}

// What a vendor's revocation records (storage.Revocation).
const (
	RevokedByVendor     = "vendor"
	ReasonVendorReset   = "vendor_reset"
	ReasonClientDeleted = "client_deleted"
)

// Limiter counts registrations in the counters every node shares
// (*ratelimit.Limiter).
type Limiter interface {
	Allow(ctx context.Context, rule ratelimit.Rule, key string) (ratelimit.Decision, error)
}

// Config is one tenant's registration endpoint.
type Config struct {
	// Tenant is the tenant clients are registered in.
	Tenant string
	// Issuer is the tenant's issuer URL; the endpoints are below it.
	Issuer string
	// OfferedScopes are the scopes the tenant offers (clients.Registration).
	OfferedScopes []string
	// DataScopes are the tenant's data-exchange scopes, which a
	// client_credentials-only client may not hold (clients.Registration).
	DataScopes []string
	// Profile is the tenant's profile (clients.Registration.Profile):
	// fapi2 registers only clients that follow the FAPI 2.0 rules.
	Profile string
	// AllowPrivateHosts lets jwks_uri and backchannel_logout_uri name
	// loopback and private addresses: dev mode only.
	AllowPrivateHosts bool
	// MaxClients is how many clients one vendor may have; 0 or less: no limit.
	MaxClients int
	// RegistrationsPerHour is how many clients one vendor may register
	// per hour (deleting does not give one back); 0 or less: no limit.
	RegistrationsPerHour int64
	// Limiter counts registrations; required when RegistrationsPerHour is set.
	Limiter Limiter
	// Grants revokes the consent grants of a deleted or reset client;
	// nil when the tenant has no consent service (no grants to revoke).
	Grants GrantRevoker
	Now    func() time.Time
	Log    *slog.Logger
	// Instrument, when set, wraps each endpoint (metrics by name:
	// register, register_client, vendor_clients, vendor_reset).
	Instrument func(name string, h http.Handler) http.Handler
}

// Paths below the issuer.
const (
	PathRegister = "/register"
	PathClients  = "/vendor/clients"
	PathReset    = "/vendor/reset"
)

// maxBodyBytes bounds a registration request: metadata with an inline
// JWK Set of a few keys is a few KiB.
const maxBodyBytes = 64 << 10

// Handler serves one tenant's registration endpoints.
type Handler struct {
	cfg   Config
	store Store
	path  string // the issuer's path, where the routes are mounted
}

// New returns the handler for cfg over store.
func New(cfg Config, store Store) (*Handler, error) {
	if cfg.Tenant == "" || cfg.Issuer == "" {
		return nil, errors.New("registration: tenant and issuer are required")
	}
	if cfg.RegistrationsPerHour > 0 && cfg.Limiter == nil {
		return nil, errors.New("registration: a rate of registrations needs a Limiter")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	u, err := url.Parse(cfg.Issuer)
	if err != nil || !u.IsAbs() || u.Path == "" {
		return nil, fmt.Errorf("registration: issuer %q must be an absolute URL with the tenant's path", cfg.Issuer)
	}
	return &Handler{cfg: cfg, store: store, path: u.Path}, nil
}

// Mount adds the routes to mux (an http.ServeMux, or oidcp's router
// through an adapter), below the issuer's path.
func (h *Handler) Mount(mux interface{ Handle(string, http.Handler) }) {
	p := h.path
	route := func(pattern, name string, f http.HandlerFunc) {
		var hh http.Handler = f
		if h.cfg.Instrument != nil {
			hh = h.cfg.Instrument(name, hh)
		}
		mux.Handle(pattern, hh)
	}
	route("POST "+p+PathRegister, "register", h.register)
	route("GET "+p+PathRegister+"/{client_id}", "register_client", h.read)
	route("PUT "+p+PathRegister+"/{client_id}", "register_client", h.update)
	route("DELETE "+p+PathRegister+"/{client_id}", "register_client", h.delete)
	route("GET "+p+PathClients, "vendor_clients", h.listOwn)
	route("POST "+p+PathReset, "vendor_reset", h.reset)
}

// Endpoint is the registration endpoint's URL (for discovery).
func (h *Handler) Endpoint() string { return h.cfg.Issuer + PathRegister }

// vendor authenticates the initial access token and returns its vendor,
// or writes the refusal.
func (h *Handler) vendor(w http.ResponseWriter, r *http.Request) (string, bool) {
	tok, ok := oautherr.BearerToken(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, &Error{Code: "invalid_token",
			Description: "send your initial access token as Authorization: Bearer <token>; the operator issues one per vendor (oidcp sandbox token --vendor NAME)"})
		return "", false
	}
	iat, err := h.store.GetInitialAccessToken(r.Context(), h.cfg.Tenant, hashToken(tok))
	switch {
	case errors.Is(err, storage.ErrNotFound):
		writeError(w, http.StatusUnauthorized, &Error{Code: "invalid_token", Description: "the initial access token is not valid in tenant " + h.cfg.Tenant})
		return "", false
	case err != nil:
		h.storageFailed(w, r, "get initial access token", err)
		return "", false
	case !iat.Usable(h.cfg.Now()):
		writeError(w, http.StatusUnauthorized, &Error{Code: "invalid_token", Description: "the initial access token has expired or was revoked; ask the operator for a new one"})
		return "", false
	}
	return iat.Vendor, true
}

// ownClient authenticates a registration access token for the client
// in the path and returns the client, or writes the refusal. An unknown
// client and a wrong token answer alike (RFC 7592 §2.1), so a token
// tells nothing about other vendors' clients.
func (h *Handler) ownClient(w http.ResponseWriter, r *http.Request) (storage.Client, bool) {
	tok, ok := oautherr.BearerToken(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, &Error{Code: "invalid_token",
			Description: "send the client's registration_access_token as Authorization: Bearer <token>"})
		return storage.Client{}, false
	}
	c, err := h.store.GetClient(r.Context(), h.cfg.Tenant, r.PathValue("client_id"))
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		h.storageFailed(w, r, "get client", err)
		return storage.Client{}, false
	}
	want := c.RegistrationTokenHash
	if err != nil || want == "" || subtle.ConstantTimeCompare([]byte(hashToken(tok)), []byte(want)) != 1 {
		writeError(w, http.StatusUnauthorized, &Error{Code: "invalid_token",
			Description: "the registration access token is not valid for this client"})
		return storage.Client{}, false
	}
	if c.Disabled {
		// The operator's kill-switch: the vendor may neither read, change
		// nor delete the client until the operator enables it again (RFC
		// 7592 §2 lets the server refuse).
		writeError(w, http.StatusForbidden, &Error{Code: "client_disabled",
			Description: "the operator has disabled this client; it cannot be read, updated or deleted here until the operator enables it again"})
		return storage.Client{}, false
	}
	return c, true
}

func (h *Handler) storageFailed(w http.ResponseWriter, r *http.Request, op string, err error) {
	if errors.Is(err, storage.ErrUnavailable) {
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, &Error{Code: "temporarily_unavailable", Description: "the database is unavailable; try again shortly"})
		return
	}
	h.cfg.Log.ErrorContext(r.Context(), "registration: "+op, "tenant", h.cfg.Tenant, "err", err)
	writeError(w, http.StatusInternalServerError, &Error{Code: "server_error"})
}

// vendorClients lists the tenant's clients of one vendor.
func (h *Handler) vendorClients(ctx context.Context, vendor string) ([]storage.Client, error) {
	all, err := h.store.ListClients(ctx, h.cfg.Tenant)
	if err != nil {
		return nil, err
	}
	var own []storage.Client
	for _, c := range all {
		if c.Vendor == vendor {
			own = append(own, c)
		}
	}
	return own, nil
}

// response is a client as RFC 7591 §3.2.1 shows it.
func (h *Handler) response(c storage.Client) Response {
	resp := Response{
		ClientID:              c.ID,
		ClientIDIssuedAt:      c.CreatedAt.Unix(),
		RegistrationClientURI: h.cfg.Issuer + PathRegister + "/" + c.ID,
		Metadata:              metadataOf(c),
		Vendor:                c.Vendor,
	}
	if len(c.SecretHash) > 0 {
		never := int64(0) // RFC 7591 §3.2.1: 0, the secret does not expire
		resp.ClientSecretExpiresAt = &never
	}
	return resp
}

// tooMany answers a refused rate with 429 and Retry-After (RFC 6585 §4).
func tooMany(w http.ResponseWriter, retry time.Duration, what string) {
	secs := max(int64(retry.Round(time.Second)/time.Second), 1)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	writeError(w, http.StatusTooManyRequests, &Error{Code: "too_many_requests",
		Description: fmt.Sprintf("%s; try again in %d seconds", what, secs)})
}
