package idportenmock

import (
	"net/http"
	"strings"
)

// Endpoint paths relative to the issuer, as ID-porten names them.
const (
	pathDiscovery  = "/.well-known/openid-configuration"
	pathJWKS       = "/jwks.json"
	pathPAR        = "/par"
	pathAuthorize  = "/authorize"
	pathLogin      = "/login" // the login page's form target (mock only)
	pathToken      = "/token"
	pathUserinfo   = "/userinfo"
	pathEndSession = "/endsession"
)

// maxRequestBytes bounds a request's query and body: what the mock keeps
// of one (a pending login) is bounded by it.
const maxRequestBytes = 16 << 10

// ServeHTTP routes a request by its path relative to the issuer. Callers
// normally strip the issuer's path with http.StripPrefix; a path that still
// carries it is accepted too, so mounting is hard to get wrong.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.RawQuery) > maxRequestBytes {
		http.Error(w, "request too large", http.StatusRequestURITooLong)
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
	}
	p := r.URL.Path
	if s.issuerPath != "" && strings.HasPrefix(p, s.issuerPath+"/") {
		p = strings.TrimPrefix(p, s.issuerPath)
	}
	switch p {
	case pathDiscovery:
		s.onlyMethods(w, r, s.discovery, http.MethodGet, http.MethodHead)
	case pathJWKS:
		s.onlyMethods(w, r, s.jwks, http.MethodGet, http.MethodHead)
	case pathPAR:
		s.onlyMethods(w, r, s.par, http.MethodPost)
	case pathAuthorize:
		// OIDC Core §3.1.2.1: GET and POST must both be supported.
		s.onlyMethods(w, r, s.authorize, http.MethodGet, http.MethodPost)
	case pathLogin:
		s.onlyMethods(w, r, s.login, http.MethodPost)
	case pathToken:
		s.onlyMethods(w, r, s.token, http.MethodPost)
	case pathUserinfo:
		s.onlyMethods(w, r, s.userinfo, http.MethodGet, http.MethodPost)
	case pathEndSession:
		s.onlyMethods(w, r, s.endSession, http.MethodGet, http.MethodPost)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) onlyMethods(w http.ResponseWriter, r *http.Request, h http.HandlerFunc, methods ...string) {
	for _, m := range methods {
		if r.Method == m {
			h(w, r)
			return
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
}

// endpoint is the absolute URL of one of the mock's endpoints.
func (s *Server) endpoint(path string) string { return s.issuer + path }
