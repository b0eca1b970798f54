package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/storage"
)

// adminRoutes are the admin listener's operator API for clients and
// grants, behind the admin token:
//
//	POST /admin/v1/tenants/{tenant}/clients/{id}/disable  {"reason": "...", "operator": "..."}
//	POST /admin/v1/tenants/{tenant}/clients/{id}/enable   {"reason": "...", "operator": "..."}
//	POST /admin/v1/tenants/{tenant}/grants/{id}/revoke    {"reason": "...", "operator": "..."}
//	POST /admin/v1/tenants/{tenant}/clients/{id}/handoff  {"handoff_portal": true, "initiate_login_uri": "...", "launch_uris": [...]}
func (cw *consentWiring) adminRoutes(cfg Config) []adminRoute {
	auth := adminAuth(cfg.AdminToken)
	known := func(w http.ResponseWriter, tenant string) bool {
		if _, err := cfg.tenant(tenant); err != nil {
			writeStatus(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": err.Error()})
			return false
		}
		return true
	}
	return []adminRoute{
		{"POST /admin/v1/tenants/{tenant}/clients/{id}/handoff", adminTokenGuard(cfg.AdminToken, "the operator API is disabled: set admin_token (OIDCP_ADMIN_TOKEN, at least 32 characters) to enable it")(
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tenant := r.PathValue("tenant")
				if !known(w, tenant) {
					return
				}
				var ch handoffChange
				dec := json.NewDecoder(io.LimitReader(r.Body, 16<<10))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&ch); err != nil || ch == (handoffChange{}) {
					writeStatus(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": `the body must be a JSON object with any of "handoff_portal", "initiate_login_uri", "launch_uris"`})
					return
				}
				c, err := applyHandoffChange(r.Context(), cw.store, tenant, r.PathValue("id"), ch, cw.now())
				switch {
				case errors.Is(err, storage.ErrNotFound):
					writeStatus(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": "no such client in the tenant"})
				case len(clients.Fields(err)) > 0:
					writeStatus(w, http.StatusBadRequest, map[string]string{"error": "invalid_client_metadata", "error_description": err.Error()})
				case err != nil:
					writeStatus(w, http.StatusInternalServerError, map[string]string{"error": "server_error", "error_description": err.Error()})
				default:
					writeStatus(w, http.StatusOK, c)
				}
			}))},
		{"POST /admin/v1/tenants/{tenant}/clients/{id}/disable", auth(func(w http.ResponseWriter, r *http.Request, body operatorBody) {
			tenant := r.PathValue("tenant")
			if !known(w, tenant) {
				return
			}
			res, err := cw.disableClient(r.Context(), tenant, r.PathValue("id"), body.operatorOr("admin-api"), body.Reason)
			switch {
			case errors.Is(err, errNoReason):
				writeStatus(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": err.Error()})
			case errors.Is(err, storage.ErrNotFound):
				writeStatus(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": err.Error()})
			case err != nil:
				writeStatus(w, http.StatusInternalServerError, map[string]any{"error": "server_error", "error_description": err.Error(), "result": res})
			default:
				writeStatus(w, http.StatusOK, res)
			}
		})},
		{"POST /admin/v1/tenants/{tenant}/clients/{id}/enable", auth(func(w http.ResponseWriter, r *http.Request, body operatorBody) {
			tenant := r.PathValue("tenant")
			if !known(w, tenant) {
				return
			}
			switch err := cw.enableClient(r.Context(), tenant, r.PathValue("id"), body.operatorOr("admin-api"), body.Reason); {
			case errors.Is(err, storage.ErrNotFound):
				writeStatus(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": err.Error()})
				return
			case err != nil:
				writeStatus(w, http.StatusInternalServerError, map[string]string{"error": "server_error", "error_description": err.Error()})
				return
			}
			writeStatus(w, http.StatusOK, map[string]any{"tenant": tenant, "client_id": r.PathValue("id"), "disabled": false})
		})},
		{"POST /admin/v1/tenants/{tenant}/grants/{id}/revoke", auth(func(w http.ResponseWriter, r *http.Request, body operatorBody) {
			tenant := r.PathValue("tenant")
			if !known(w, tenant) {
				return
			}
			res, err := cw.service.Revoke(r.Context(), tenant, r.PathValue("id"), storage.Revocation{
				By: consent.RevokedByOperator, Actor: body.operatorOr("admin-api"), Reason: body.Reason})
			switch {
			case errors.Is(err, storage.ErrNotFound):
				writeStatus(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": "no such grant in the tenant"})
			case errors.Is(err, storage.ErrInactive):
				writeStatus(w, http.StatusConflict, map[string]string{"error": "already_revoked", "error_description": "the grant was revoked already"})
			case err != nil:
				writeStatus(w, http.StatusInternalServerError, map[string]string{"error": "server_error", "error_description": err.Error()})
			default:
				writeStatus(w, http.StatusOK, map[string]any{"tenant": tenant, "grant_id": r.PathValue("id"), "tokens_revoked": res.Tokens})
			}
		})},
	}
}

// operatorBody is the JSON body of an operator action; it may be empty.
type operatorBody struct {
	Reason   string `json:"reason"`
	Operator string `json:"operator"`
}

func (b operatorBody) operatorOr(def string) string {
	if b.Operator != "" {
		return b.Operator
	}
	return def
}

// adminAuth wraps an operator handler in adminTokenGuard and decodes
// its body: 400 for a body that is not the JSON object.
func adminAuth(token string) func(func(http.ResponseWriter, *http.Request, operatorBody)) http.Handler {
	guard := adminTokenGuard(token, "the operator API is disabled: set admin_token (OIDCP_ADMIN_TOKEN, at least 32 characters) to enable it")
	return func(h func(http.ResponseWriter, *http.Request, operatorBody)) http.Handler {
		return guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body operatorBody
			raw, err := io.ReadAll(io.LimitReader(r.Body, 16<<10))
			if err == nil && len(strings.TrimSpace(string(raw))) > 0 {
				err = json.Unmarshal(raw, &body)
			}
			if err != nil {
				writeStatus(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "the body must be a JSON object like {\"reason\": \"...\"}"})
				return
			}
			h(w, r, body)
		}))
	}
}
