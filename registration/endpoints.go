package registration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/oidcp/oidcp/claims"
	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/ratelimit"
	"github.com/oidcp/oidcp/storage"
)

// register is RFC 7591 §3: a vendor with an initial access token
// registers a client and gets its credentials once.
func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	vendor, ok := h.vendor(w, r)
	if !ok {
		return
	}
	m, err := decodeMetadata(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		h.badRequest(w, err)
		return
	}
	reg, err := m.registration()
	if err != nil {
		h.badRequest(w, err)
		return
	}
	reg.Vendor, reg.OfferedScopes, reg.DataScopes, reg.AllowPrivateHosts = vendor, h.cfg.OfferedScopes, h.cfg.DataScopes, h.cfg.AllowPrivateHosts
	reg.Profile = h.cfg.Profile
	secret := ""
	if usesSecret(reg) {
		secret = clients.GenerateSecret()
		reg.Secret = secret
	}
	now := h.cfg.Now()
	c, err := clients.Build(h.cfg.Tenant, reg, now)
	if err != nil {
		writeError(w, http.StatusBadRequest, fromBuild(err))
		return
	}
	ctx := r.Context()
	if h.cfg.MaxClients > 0 {
		own, err := h.vendorClients(ctx, vendor)
		if err != nil {
			h.storageFailed(w, r, "list clients", err)
			return
		}
		if len(own) >= h.cfg.MaxClients {
			writeError(w, http.StatusForbidden, &Error{Code: "quota_exceeded",
				Description: fmt.Sprintf("vendor %q has %d clients in tenant %s, the most allowed; delete one (DELETE its registration_client_uri) first", vendor, len(own), h.cfg.Tenant)})
			return
		}
	}
	if h.cfg.RegistrationsPerHour > 0 {
		d, err := h.cfg.Limiter.Allow(ctx, ratelimit.Rule{Name: "register:" + h.cfg.Tenant, Limit: h.cfg.RegistrationsPerHour, Window: time.Hour}, vendor)
		if err != nil {
			h.cfg.Log.WarnContext(ctx, "registration: rate counter", "tenant", h.cfg.Tenant, "err", err)
		}
		if !d.Allowed {
			tooMany(w, d.RetryAfter, fmt.Sprintf("vendor %q has registered %d clients this hour, the most allowed", vendor, h.cfg.RegistrationsPerHour))
			return
		}
	}
	rat := "oidcp_rat_" + randomToken()
	c.RegistrationTokenHash = hashToken(rat)
	if err := h.store.CreateClient(ctx, c); err != nil {
		h.storageFailed(w, r, "create client", err)
		return
	}
	if h.cfg.MaxClients > 0 {
		// Another node may have registered one of the vendor's clients
		// since the count above; counting again after the insert sees
		// it, and the later of two racing registrations steps back, so
		// the quota holds for all nodes together.
		own, err := h.vendorClients(ctx, vendor)
		if err != nil {
			h.storageFailed(w, r, "list clients", err)
			return
		}
		if len(own) > h.cfg.MaxClients {
			if err := h.store.DeleteClient(ctx, h.cfg.Tenant, c.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
				h.storageFailed(w, r, "delete client over quota", err)
				return
			}
			writeError(w, http.StatusForbidden, &Error{Code: "quota_exceeded",
				Description: fmt.Sprintf("vendor %q reached its %d clients in tenant %s while this registration was in progress; delete one (DELETE its registration_client_uri) first", vendor, h.cfg.MaxClients, h.cfg.Tenant)})
			return
		}
	}
	h.cfg.Log.InfoContext(ctx, "client registered", "tenant", h.cfg.Tenant, "vendor", vendor, "client_id", c.ID)
	resp := h.response(c)
	resp.ClientSecret, resp.RegistrationAccessToken = secret, rat
	w.Header().Set("Location", resp.RegistrationClientURI)
	writeJSON(w, http.StatusCreated, resp)
}

func (h *Handler) badRequest(w http.ResponseWriter, err error) {
	var e *Error
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, &Error{Code: "invalid_client_metadata", Description: fmt.Sprintf("the metadata is over %d KiB", maxBodyBytes>>10)})
	case errors.As(err, &e):
		writeError(w, http.StatusBadRequest, e)
	default:
		writeError(w, http.StatusBadRequest, &Error{Code: "invalid_client_metadata", Description: err.Error()})
	}
}

// read is RFC 7592 §2.1.
func (h *Handler) read(w http.ResponseWriter, r *http.Request) {
	c, ok := h.ownClient(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, h.response(c))
}

// update is RFC 7592 §2.2: the request replaces every metadata field;
// client_id must be the client's. The secret stays; a client that turns
// to secret authentication without having had one gets one, shown once.
func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	old, ok := h.ownClient(w, r)
	if !ok {
		return
	}
	m, err := decodeMetadata(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		h.badRequest(w, err)
		return
	}
	if m.ClientID != old.ID {
		writeError(w, http.StatusBadRequest, fieldError("invalid_client_metadata", "client_id", fmt.Sprintf("must be the client's own, %q (RFC 7592 §2.2)", old.ID)))
		return
	}
	reg, err := m.registration()
	if err != nil {
		h.badRequest(w, err)
		return
	}
	reg.ID, reg.Vendor, reg.OfferedScopes, reg.DataScopes, reg.AllowPrivateHosts = old.ID, old.Vendor, h.cfg.OfferedScopes, h.cfg.DataScopes, h.cfg.AllowPrivateHosts
	reg.Profile = h.cfg.Profile
	secret := ""
	if usesSecret(reg) {
		// Build needs a secret to accept a secret method; the client's
		// stored one is kept when it has one.
		secret = clients.GenerateSecret()
		reg.Secret = secret
	}
	c, err := clients.Build(h.cfg.Tenant, reg, h.cfg.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, fromBuild(err))
		return
	}
	if usesSecret(reg) && len(old.SecretHash) > 0 {
		c.SecretHash, secret = old.SecretHash, ""
	}
	c.CreatedAt, c.RegistrationTokenHash = old.CreatedAt, old.RegistrationTokenHash
	err = h.store.UpdateClient(r.Context(), h.cfg.Tenant, old.ID, func(cur storage.Client) (storage.Client, error) {
		if cur.RegistrationTokenHash != old.RegistrationTokenHash {
			return cur, errChanged
		}
		next := keepOperatorFields(c, cur)
		if err := identityUnchanged(next, cur); err != nil {
			return cur, err
		}
		return next, nil
	})
	var refused *Error
	switch {
	case errors.Is(err, errChanged), errors.Is(err, storage.ErrNotFound):
		writeError(w, http.StatusUnauthorized, &Error{Code: "invalid_token", Description: "the registration access token is not valid for this client"})
		return
	case errors.As(err, &refused):
		writeError(w, http.StatusBadRequest, refused)
		return
	case err != nil:
		h.storageFailed(w, r, "update client", err)
		return
	}
	h.cfg.Log.InfoContext(r.Context(), "client updated", "tenant", h.cfg.Tenant, "vendor", c.Vendor, "client_id", c.ID)
	resp := h.response(c)
	resp.ClientSecret = secret
	writeJSON(w, http.StatusOK, resp)
}

var errChanged = errors.New("client changed meanwhile")

// identityUnchanged refuses a vendor's update that would change how the
// client sees people: its pairwise sector (the host of its redirect URIs,
// unless the operator set a sector identifier) or its category. Logout
// tokens and refreshed ID tokens derive sub from the client as it is now,
// so a client moved onto another tool's host would be handed each
// person's sub at that tool, and a pseudonymous tool turned identified
// would start receiving fødselsnummer. A tool that moves host registers
// a new client (its users get new identifiers there); keeping them is the
// operator's decision (a client created with a sector identifier).
func identityUnchanged(next, cur storage.Client) error {
	if was, now := claims.Sector(cur), claims.Sector(next); was != now {
		return fieldError("invalid_redirect_uri", "redirect_uris",
			fmt.Sprintf("must stay on %s, the host people's pairwise identifiers are derived from, not move to %s; register a new client for the new host, or ask the operator", was, now))
	}
	if next.Category != cur.Category {
		return fieldError("invalid_client_metadata", "category",
			fmt.Sprintf("is %s and cannot be changed by an update; ask the operator", cur.Category))
	}
	return nil
}

// keepOperatorFields carries over what only the operator sets from the
// stored client cur into the vendor's rebuilt client c: the kill-switch
// (Disabled; a client the operator disables meanwhile stays disabled),
// the audience, the sector identifier, the back-channel sid requirement,
// the hand-off portal flag and, for a client that stays confidential, relaxed PKCE and nonce.
func keepOperatorFields(c, cur storage.Client) storage.Client {
	c.Disabled = cur.Disabled
	c.Audience = cur.Audience
	c.SectorIdentifier = cur.SectorIdentifier
	c.BackchannelLogoutSessionRequired = cur.BackchannelLogoutSessionRequired
	c.Vendor = cur.Vendor
	c.HandoffPortal = cur.HandoffPortal
	if !c.Public && !cur.Public {
		c.RequirePKCE, c.RequireNonce = cur.RequirePKCE, cur.RequireNonce
	}
	return c
}

// delete is RFC 7592 §2.3: the client's tokens are revoked first, so
// none outlives it.
func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	c, ok := h.ownClient(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	if _, err := h.revokeGrants(ctx, c, ReasonClientDeleted); err != nil {
		h.storageFailed(w, r, "revoke client grants", err)
		return
	}
	if _, err := h.store.RevokeByClient(ctx, h.cfg.Tenant, c.ID); err != nil {
		h.storageFailed(w, r, "revoke client tokens", err)
		return
	}
	if err := h.store.DeleteClient(ctx, h.cfg.Tenant, c.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		h.storageFailed(w, r, "delete client", err)
		return
	}
	h.cfg.Log.InfoContext(ctx, "client deleted", "tenant", h.cfg.Tenant, "vendor", c.Vendor, "client_id", c.ID)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// listOwn shows a vendor its own clients (without credentials).
func (h *Handler) listOwn(w http.ResponseWriter, r *http.Request) {
	vendor, ok := h.vendor(w, r)
	if !ok {
		return
	}
	own, err := h.vendorClients(r.Context(), vendor)
	if err != nil {
		h.storageFailed(w, r, "list clients", err)
		return
	}
	out := make([]Response, 0, len(own))
	for _, c := range own {
		out = append(out, h.response(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"vendor": vendor, "clients": out})
}

// revokeGrants revokes client c's consent grants for the vendor's reason
// and returns how many it revoked.
func (h *Handler) revokeGrants(ctx context.Context, c storage.Client, reason string) (int64, error) {
	if h.cfg.Grants == nil {
		return 0, nil
	}
	res, err := h.cfg.Grants.RevokeClient(ctx, h.cfg.Tenant, c.ID, storage.Revocation{By: RevokedByVendor, Actor: c.Vendor, Reason: reason})
	return int64(len(res.Grants)), err
}

// ResetResult is what a reset removed.
type ResetResult struct {
	Vendor  string   `json:"vendor"`
	Clients []string `json:"clients"`
	storage.ResetCounts
}

// reset removes the codes, tokens and login sessions of the vendor's
// clients; the clients stay registered, so the vendor's tests start over
// from a clean slate without registering again.
func (h *Handler) reset(w http.ResponseWriter, r *http.Request) {
	vendor, ok := h.vendor(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	own, err := h.vendorClients(ctx, vendor)
	if err != nil {
		h.storageFailed(w, r, "list clients", err)
		return
	}
	ids := make([]string, 0, len(own))
	var grants int64
	for _, c := range own {
		ids = append(ids, c.ID)
		// Grants are revoked, not deleted: the usage log keeps who
		// allowed what and when it ended, and the tool hears of it
		// through back-channel logout.
		n, err := h.revokeGrants(ctx, c, ReasonVendorReset)
		if err != nil {
			h.storageFailed(w, r, "revoke client grants", err)
			return
		}
		grants += n
	}
	counts, err := h.store.ResetClients(ctx, h.cfg.Tenant, ids, h.cfg.Now())
	if err != nil {
		h.storageFailed(w, r, "reset clients", err)
		return
	}
	counts.Grants = grants
	h.cfg.Log.InfoContext(ctx, "vendor reset", "tenant", h.cfg.Tenant, "vendor", vendor, "clients", len(ids), "tokens", counts.Tokens, "sessions", counts.Sessions)
	writeJSON(w, http.StatusOK, ResetResult{Vendor: vendor, Clients: ids, ResetCounts: counts})
}
