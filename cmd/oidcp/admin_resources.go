package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/oidcp/oidcp/resources"
	"github.com/oidcp/oidcp/storage"
)

// resourceAdminRoutes are the operator API for token exchange resources
// (what `oidcp resources` does), behind the admin token:
//
//	GET    /admin/v1/tenants/{tenant}/resources
//	PUT    /admin/v1/tenants/{tenant}/resources  {"audience": "...", "name": "...", "allowed_clients": ["..."], "scopes": ["..."]}
//	DELETE /admin/v1/tenants/{tenant}/resources?audience=...
//
// The audience travels in the body or the query, not the path: it is
// usually a URI.
func resourceAdminRoutes(cfg Config, store storage.Storage, now func() time.Time) []adminRoute {
	guard := adminTokenGuard(cfg.AdminToken, "the operator API is disabled: set admin_token (OIDCP_ADMIN_TOKEN, at least 32 characters) to enable it")
	fail := func(w http.ResponseWriter, status int, code, desc string) {
		writeStatus(w, status, map[string]string{"error": code, "error_description": desc})
	}
	tenantOf := func(w http.ResponseWriter, r *http.Request) (string, bool) {
		tenant := r.PathValue("tenant")
		if _, err := cfg.tenant(tenant); err != nil {
			fail(w, http.StatusNotFound, "not_found", err.Error())
			return "", false
		}
		return tenant, true
	}
	const path = "/admin/v1/tenants/{tenant}/resources"
	return []adminRoute{
		{"GET " + path, guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tenant, ok := tenantOf(w, r)
			if !ok {
				return
			}
			rs, err := store.ListResources(r.Context(), tenant)
			if err != nil {
				fail(w, http.StatusInternalServerError, "server_error", err.Error())
				return
			}
			if rs == nil {
				rs = []storage.Resource{}
			}
			writeStatus(w, http.StatusOK, rs)
		}))},
		{"PUT " + path, guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tenant, ok := tenantOf(w, r)
			if !ok {
				return
			}
			var body struct {
				Audience       string   `json:"audience"`
				Name           string   `json:"name"`
				AllowedClients []string `json:"allowed_clients"`
				Scopes         []string `json:"scopes"`
			}
			raw, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
			if err == nil {
				err = json.Unmarshal(raw, &body)
			}
			if err != nil {
				fail(w, http.StatusBadRequest, "invalid_request", `the body must be a JSON object like {"audience": "https://api.example/x", "allowed_clients": ["my-tool"], "scopes": ["pid"]}`)
				return
			}
			res, warnings, err := putResource(r.Context(), store, tenant, resources.Registration{
				Audience: body.Audience, Name: body.Name, AllowedClients: body.AllowedClients, Scopes: body.Scopes,
			}, now())
			switch {
			case errors.Is(err, resources.ErrInvalid), errors.Is(err, errUnknownClient):
				fail(w, http.StatusBadRequest, "invalid_request", err.Error())
			case err != nil:
				fail(w, http.StatusInternalServerError, "server_error", err.Error())
			default:
				writeStatus(w, http.StatusOK, map[string]any{"resource": res, "warnings": append([]string{}, warnings...)})
			}
		}))},
		{"DELETE " + path, guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tenant, ok := tenantOf(w, r)
			if !ok {
				return
			}
			aud := r.URL.Query().Get("audience")
			switch err := store.DeleteResource(r.Context(), tenant, aud); {
			case aud == "":
				fail(w, http.StatusBadRequest, "invalid_request", "the audience query parameter is required")
			case errors.Is(err, storage.ErrNotFound):
				fail(w, http.StatusNotFound, "not_found", "no such resource in the tenant")
			case err != nil:
				fail(w, http.StatusInternalServerError, "server_error", err.Error())
			default:
				writeStatus(w, http.StatusOK, map[string]any{"tenant": tenant, "removed": aud})
			}
		}))},
	}
}
