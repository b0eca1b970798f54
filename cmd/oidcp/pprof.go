package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"strings"
)

// pprofRoutes are Go's runtime profiles (net/http/pprof) on the admin
// listener, behind the admin token: a CPU profile or a heap dump shows
// request data and costs CPU, so only the operator may take one. Without
// an admin token they answer 404, like the registry import API.
//
//	curl -H "Authorization: Bearer $OIDCP_ADMIN_TOKEN" -o cpu.pprof \
//	  'http://127.0.0.1:8081/debug/pprof/profile?seconds=20'
//	go tool pprof -top cpu.pprof
func pprofRoutes(token string) []adminRoute {
	guard := adminTokenGuard(token, "the profiling endpoints are disabled: set admin_token (OIDCP_ADMIN_TOKEN) to enable them")
	return []adminRoute{
		{"GET /debug/pprof/", guard(http.HandlerFunc(pprof.Index))},
		{"GET /debug/pprof/cmdline", guard(http.HandlerFunc(pprof.Cmdline))},
		{"GET /debug/pprof/profile", guard(http.HandlerFunc(pprof.Profile))},
		{"GET /debug/pprof/symbol", guard(http.HandlerFunc(pprof.Symbol))},
		{"POST /debug/pprof/symbol", guard(http.HandlerFunc(pprof.Symbol))},
		{"GET /debug/pprof/trace", guard(http.HandlerFunc(pprof.Trace))},
	}
}

// adminTokenGuard lets a request through only with the admin token as an
// RFC 6750 bearer token; with no token configured the endpoint is off
// (404, saying how to turn it on).
func adminTokenGuard(token, disabled string) func(http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if token == "" {
				writeAdminError(w, http.StatusNotFound, "not_found", disabled)
				return
			}
			scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
			ok = ok && strings.EqualFold(scheme, "Bearer")
			// Hashing first makes the comparison constant-time whatever
			// the lengths.
			if sum := sha256.Sum256([]byte(strings.TrimSpace(got))); !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="oidcp-admin"`)
				writeAdminError(w, http.StatusUnauthorized, "invalid_token", "send the admin token as Authorization: Bearer <admin_token>")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func writeAdminError(w http.ResponseWriter, code int, errCode, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": errCode, "error_description": desc})
}
