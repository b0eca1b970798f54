package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/oidcp/oidcp/registration"
	"github.com/oidcp/oidcp/storage"
)

// Admin API of initial access tokens, on the admin listener behind
// admin_token (as the registry import):
//
//	POST   /sandbox/tokens {"tenant":"sandbox","vendor":"acme","expires":"90d"}
//	GET    /sandbox/tokens?tenant=sandbox
//	DELETE /sandbox/tokens/{tenant}/{vendor}
func sandboxAdminRoutes(cfg Config, store storage.Storage, now func() time.Time) []adminRoute {
	guard := adminGuard(cfg.AdminToken)
	return []adminRoute{
		{"POST /sandbox/tokens", guard(func(w http.ResponseWriter, r *http.Request) {
			var req struct{ Tenant, Vendor, Expires string }
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
				adminError(w, http.StatusBadRequest, "the body must be JSON: {\"tenant\":\"sandbox\",\"vendor\":\"acme\",\"expires\":\"90d\"}")
				return
			}
			if req.Tenant == "" {
				req.Tenant = "sandbox"
			}
			if req.Expires == "" {
				req.Expires = "90d"
			}
			ttl, err := parseExpiry(req.Expires)
			if err != nil {
				adminError(w, http.StatusBadRequest, "expires: "+err.Error())
				return
			}
			t, err := registrationTenant(cfg, req.Tenant)
			if err != nil {
				adminError(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), "--"))
				return
			}
			tok, iat, err := registration.IssueToken(r.Context(), store, t.Name, req.Vendor, ttl, now())
			if err != nil {
				adminError(w, http.StatusBadRequest, err.Error())
				return
			}
			writeStatus(w, http.StatusCreated, issuedToken{InitialAccessToken: iat, Token: tok,
				RegistrationEndpoint: cfg.Issuer(t.Name) + registration.PathRegister})
		})},
		{"GET /sandbox/tokens", guard(func(w http.ResponseWriter, r *http.Request) {
			tenant := r.URL.Query().Get("tenant")
			if tenant == "" {
				tenant = "sandbox"
			}
			ts, err := store.ListInitialAccessTokens(r.Context(), tenant)
			if err != nil {
				adminError(w, http.StatusServiceUnavailable, "list initial access tokens: "+err.Error())
				return
			}
			if ts == nil {
				ts = []storage.InitialAccessToken{}
			}
			writeStatus(w, http.StatusOK, ts)
		})},
		{"DELETE /sandbox/tokens/{tenant}/{vendor}", guard(func(w http.ResponseWriter, r *http.Request) {
			err := registration.RevokeToken(r.Context(), store, r.PathValue("tenant"), r.PathValue("vendor"), now())
			switch {
			case errors.Is(err, storage.ErrNotFound):
				adminError(w, http.StatusNotFound, "the vendor has no initial access token in this tenant")
			case errors.Is(err, storage.ErrInactive):
				adminError(w, http.StatusConflict, "the vendor's initial access token is already revoked")
			case err != nil:
				adminError(w, http.StatusServiceUnavailable, "revoke: "+err.Error())
			default:
				writeStatus(w, http.StatusOK, map[string]any{"tenant": r.PathValue("tenant"), "vendor": r.PathValue("vendor"), "revoked": true})
			}
		})},
	}
}

// adminGuard admits requests bearing admin_token (adminTokenGuard);
// with none configured the routes answer 404 saying how to enable them.
func adminGuard(token string) func(http.HandlerFunc) http.Handler {
	guard := adminTokenGuard(token, "the admin API is disabled: set admin_token (OIDCP_ADMIN_TOKEN, at least 32 characters) to enable it")
	return func(h http.HandlerFunc) http.Handler { return guard(h) }
}

func adminError(w http.ResponseWriter, code int, desc string) {
	e := map[int]string{http.StatusUnauthorized: "invalid_token", http.StatusNotFound: "not_found",
		http.StatusServiceUnavailable: "temporarily_unavailable", http.StatusConflict: "conflict"}[code]
	if e == "" {
		e = "invalid_request"
	}
	writeStatus(w, code, map[string]string{"error": e, "error_description": desc})
}
