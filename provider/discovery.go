package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"

	josev4 "github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/exchange"
	"github.com/oidcp/oidcp/oautherr"
	"github.com/oidcp/oidcp/uilang"
	"github.com/oidcp/oidcp/upstream"
)

// supportedScopes are the scopes oidcp knows how to fill; account lets
// the token call the account API ({issuer}/api/v1/me/).
var supportedScopes = []string{"openid", "profile", "pid", "offline_access", "account"}

// discovery serves OpenID Connect Discovery 1.0 §3 metadata, with the
// OAuth extensions oidcp implements (RFC 8414, RFC 9126, RFC 9207,
// RFC 7009, RFC 7662, RP-Initiated Logout).
func (p *Provider) discovery(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		iss := t.issuer
		md := map[string]any{
			"issuer":                                           iss,
			"authorization_endpoint":                           iss + "/authorize",
			"pushed_authorization_request_endpoint":            iss + "/par",
			"token_endpoint":                                   iss + "/token",
			"userinfo_endpoint":                                iss + "/userinfo",
			"jwks_uri":                                         iss + "/jwks",
			"revocation_endpoint":                              iss + "/revoke",
			"introspection_endpoint":                           iss + "/introspect",
			"end_session_endpoint":                             iss + "/logout",
			"scopes_supported":                                 p.scopesSupported(t),
			"response_types_supported":                         []string{"code"},
			"response_modes_supported":                         []string{"query", "form_post"},
			"grant_types_supported":                            []string{"authorization_code", "refresh_token", "client_credentials"},
			"subject_types_supported":                          []string{"pairwise"},
			"id_token_signing_alg_values_supported":            p.signingAlgs(r.Context(), t),
			"userinfo_signing_alg_values_supported":            []string{"none"},
			"token_endpoint_auth_methods_supported":            []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "none"},
			"token_endpoint_auth_signing_alg_values_supported": assertionAlgs,
			"revocation_endpoint_auth_methods_supported":       []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "none"},
			"introspection_endpoint_auth_methods_supported":    []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
			// RFC 8414 §2: required beside private_key_jwt.
			"revocation_endpoint_auth_signing_alg_values_supported":    assertionAlgs,
			"introspection_endpoint_auth_signing_alg_values_supported": assertionAlgs,
			"code_challenge_methods_supported":                         []string{"S256"},
			"dpop_signing_alg_values_supported":                        t.dpop.Algs(),
			"claims_supported":                                         []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "at_hash", "pid", "name", "given_name", "family_name", "birthdate", "locale", "representation"},
			"acr_values_supported":                                     []string{upstream.ACRSubstantial, upstream.ACRHigh},
			"ui_locales_supported":                                     uilang.Codes(),
			"claims_locales_supported":                                 []string{"nb", "nn", "en"},
			"prompt_values_supported":                                  []string{"none", "login", "consent", "select_account"},
			"display_values_supported":                                 []string{"page"},
			"claims_parameter_supported":                               false,
			"request_parameter_supported":                              false,
			"request_uri_parameter_supported":                          false,
			"require_request_uri_registration":                         true,
			"require_pushed_authorization_requests":                    false,
			"authorization_response_iss_parameter_supported":           true,
			"frontchannel_logout_supported":                            false,
			"backchannel_logout_supported":                             p.cfg.Logouts != nil,
			"backchannel_logout_session_supported":                     p.cfg.Logouts != nil,
		}
		if p.cfg.Exchange != nil {
			md["grant_types_supported"] = []string{"authorization_code", "refresh_token", "client_credentials", exchange.GrantType}
		}
		if t.fapi2() {
			fapi2Discovery(md)
		}
		if ep := t.cfg.RegistrationEndpoint; ep != "" {
			md["registration_endpoint"] = ep // RFC 8414 §2, RFC 7591
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		writeJSON(w, http.StatusOK, md)
	}
}

// idTokenAlgs are the algorithms the tenant can sign ID tokens with, in
// the order discovery lists them.
var idTokenAlgs = []string{"RS256", "ES256", "PS256"}

// signingAlgs are the algorithms the tenant has a published key for
// (keys.Options.Algs decides which it keeps): what its ID tokens can be
// signed with. Should the key set be unreadable, every supported alg.
func (p *Provider) signingAlgs(ctx context.Context, t *tenant) []string {
	set, err := p.keys.JWKS(ctx, t.name)
	if err != nil {
		p.log.WarnContext(ctx, "discovery: read the key set", "tenant", t.name, "err", err)
		return idTokenAlgs
	}
	var out []string
	for _, alg := range idTokenAlgs {
		if slices.ContainsFunc(set.Keys, func(k josev4.JSONWebKey) bool { return k.Algorithm == alg }) {
			out = append(out, alg)
		}
	}
	if len(out) == 0 {
		return idTokenAlgs
	}
	return out
}

// jwks serves the tenant's published keys (RFC 7517). Caches may keep it
// for five minutes: a new key is published longer than that before it
// signs (keys.Options.PublishLead), so no cache ever misses a signing key.
func (p *Provider) jwks(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		set, err := p.keys.JWKS(r.Context(), t.name)
		if err != nil {
			p.log.ErrorContext(r.Context(), "jwks", "tenant", t.name, "err", err)
			oautherr.WriteJSON(w, oautherr.ServerError)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_ = json.NewEncoder(w).Encode(set)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
