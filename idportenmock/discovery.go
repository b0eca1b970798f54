package idportenmock

import (
	"encoding/json"
	"net/http"

	"github.com/go-jose/go-jose/v4"
)

// ACR values ID-porten issues.
const (
	ACRSubstantial = "idporten-loa-substantial"
	ACRHigh        = "idporten-loa-high"
)

// discovery serves the OpenID Provider Metadata (OIDC Discovery §3) with
// ID-porten's endpoint names.
func (s *Server) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.issuer,
		"authorization_endpoint":                s.endpoint(pathAuthorize),
		"pushed_authorization_request_endpoint": s.endpoint(pathPAR),
		"token_endpoint":                        s.endpoint(pathToken),
		"userinfo_endpoint":                     s.endpoint(pathUserinfo),
		"end_session_endpoint":                  s.endpoint(pathEndSession),
		"jwks_uri":                              s.endpoint(pathJWKS),
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{string(jose.RS256)},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "profile"},
		"claims_supported":                      []string{"iss", "aud", "sub", "pid", "acr", "amr", "auth_time", "sid", "locale", "nonce", "jti", "iat", "exp"},
		"acr_values_supported":                  []string{ACRSubstantial, ACRHigh},
		"ui_locales_supported":                  []string{"nb", "nn", "en"},
		"request_uri_parameter_supported":       true,
		// RFC 9207 §3: clients must then require iss in the response.
		"authorization_response_iss_parameter_supported": true,
		"require_pushed_authorization_requests":          false,
	})
}

// jwks serves the public signing key (RFC 7517 §5).
func (s *Server) jwks(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{s.publicJWK()}})
}
