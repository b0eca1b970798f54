package provider

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/fapi2"
	"github.com/oidcp/oidcp/storage"
)

// A tenant configured with profile fapi2 follows the FAPI 2.0 Security
// Profile (package fapi2 has the rules). This file applies them where
// the provider decides: authorization requests (checkFAPI2Request), client
// authentication (checkFAPI2ClientAuth), token issuance (bindDPoP
// requires a proof), lifetimes (newTenant caps them) and discovery.

// fapi2 reports whether the tenant follows the FAPI 2.0 profile.
func (t *tenant) fapi2() bool { return t.cfg.Profile == fapi2.Profile }

// fapi2For reports whether the profile binds client id at t: not one of
// oidcp's own first-party clients.
func (t *tenant) fapi2For(id string) bool {
	return t.fapi2() && !slices.Contains(t.cfg.FirstPartyClients, id)
}

// capped is d, or limit when the tenant follows FAPI 2.0 and d is longer.
func (t *tenant) capped(d, limit time.Duration) time.Duration {
	if t.fapi2() && d > limit {
		return limit
	}
	return d
}

// fapi2Client is what the profile reads of a stored client.
func fapi2Client(c storage.Client) fapi2.Client {
	return fapi2.Client{
		Public: c.Public, AuthMethod: c.TokenEndpointAuthMethod, AuthSigningAlg: c.TokenEndpointAuthSigningAlg,
		IDTokenAlg: c.IDTokenSignedResponseAlg, JWKS: c.JWKS, ResponseTypes: c.ResponseTypes,
	}
}

// checkFAPI2Request applies the profile to an authorization request at
// /authorize (viaPAR when it came through a request_uri) or /par: the
// client must follow the profile's client rules (one registered before
// the tenant took the profile may not), and the request be pushed, for
// code, with PKCE S256.
func (p *Provider) checkFAPI2Request(c storage.Client, ar fosite.AuthorizeRequester, viaPAR bool) error {
	t, ok := p.tenants[c.Tenant]
	if !ok || !t.fapi2For(c.ID) {
		return nil
	}
	if vs := fapi2.CheckClient(fapi2Client(c)); len(vs) > 0 {
		errs := make([]error, len(vs))
		for i, v := range vs {
			errs[i] = v
		}
		return fosite.ErrUnauthorizedClient.WithHintf("The client's registration breaks the tenant's profile; update it: %v", errors.Join(errs...))
	}
	if v := fapi2.CheckAuthorize(viaPAR, ar.GetRequestForm()); v != nil {
		return fosite.ErrInvalidRequest.WithHint(v.Error())
	}
	return nil
}

// checkFAPI2ClientAuth applies the profile to a client authentication
// before it is verified: private_key_jwt only, and the assertion's alg,
// audience and lifetime as the profile requires (its signature and
// single-use jti are checked by the verification that follows). now is
// the clock fosite verifies exp with.
func checkFAPI2ClientAuth(t *tenant, r *http.Request, form url.Values, now time.Time) error {
	a := form.Get("client_assertion")
	id, _ := secretCredentials(r, form) // the id fosite authenticates
	if !t.fapi2() || a == "" && !t.fapi2For(id) {
		return nil
	}
	if a == "" {
		return fosite.ErrInvalidClient.WithHint("client_assertion: the tenant follows the FAPI 2.0 Security Profile: clients authenticate with private_key_jwt only (section 5.3.2.1).")
	}
	if v := fapi2.CheckAssertion(a, t.issuer, now); v != nil {
		return fosite.ErrInvalidClient.WithHint(v.Error())
	}
	return nil
}

// fapi2Discovery narrows the discovery document to what the profile
// allows.
func fapi2Discovery(md map[string]any) {
	md["require_pushed_authorization_requests"] = true
	for _, f := range []string{"token_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported", "introspection_endpoint_auth_methods_supported"} {
		md[f] = []string{fapi2.AuthMethod}
	}
	for _, f := range []string{"token_endpoint_auth_signing_alg_values_supported", "revocation_endpoint_auth_signing_alg_values_supported", "introspection_endpoint_auth_signing_alg_values_supported"} {
		md[f] = fapi2.SigningAlgs
	}
	if algs, ok := md["id_token_signing_alg_values_supported"].([]string); ok {
		md["id_token_signing_alg_values_supported"] = slices.DeleteFunc(slices.Clone(algs), func(a string) bool { return !slices.Contains(fapi2.SigningAlgs, a) })
	}
}
