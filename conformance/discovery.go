package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// Discovery is an OP's discovery document (OpenID Connect Discovery 1.0
// §3), kept as raw JSON with typed accessors so that type errors are
// reported, not hidden by decoding.
type Discovery struct {
	Raw map[string]any
}

// Str returns a string member, or "" when absent or not a string.
func (d *Discovery) Str(k string) string {
	s, _ := d.Raw[k].(string)
	return s
}

// Strs returns a string-array member, or nil.
func (d *Discovery) Strs(k string) []string {
	a, _ := d.Raw[k].([]any)
	var out []string
	for _, v := range a {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Has reports whether member k is present.
func (d *Discovery) Has(k string) bool { _, ok := d.Raw[k]; return ok }

// Bool returns a boolean member, or def when absent (Discovery §3 gives
// each boolean a default).
func (d *Discovery) Bool(k string, def bool) bool {
	if b, ok := d.Raw[k].(bool); ok {
		return b
	}
	return def
}

// Supports reports whether list member k contains v.
func (d *Discovery) Supports(k, v string) bool { return slices.Contains(d.Strs(k), v) }

// Metadata members by JSON type (Discovery §3, RFC 8414 §2, RFC 9126 §5,
// RFC 9207 §3, Back-Channel Logout §2.1, RP-Initiated Logout §2.1).
var (
	discURLs = []string{
		"issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
		"registration_endpoint", "end_session_endpoint", "revocation_endpoint",
		"introspection_endpoint", "pushed_authorization_request_endpoint", "check_session_iframe",
		"service_documentation", "op_policy_uri", "op_tos_uri", "device_authorization_endpoint",
		"backchannel_authentication_endpoint",
	}
	discStrArrays = []string{
		"scopes_supported", "response_types_supported", "response_modes_supported",
		"grant_types_supported", "acr_values_supported", "subject_types_supported",
		"id_token_signing_alg_values_supported", "id_token_encryption_alg_values_supported",
		"id_token_encryption_enc_values_supported", "userinfo_signing_alg_values_supported",
		"userinfo_encryption_alg_values_supported", "userinfo_encryption_enc_values_supported",
		"request_object_signing_alg_values_supported", "request_object_encryption_alg_values_supported",
		"request_object_encryption_enc_values_supported", "token_endpoint_auth_methods_supported",
		"token_endpoint_auth_signing_alg_values_supported", "display_values_supported",
		"claim_types_supported", "claims_supported", "claims_locales_supported", "ui_locales_supported",
		"code_challenge_methods_supported", "revocation_endpoint_auth_methods_supported",
		"introspection_endpoint_auth_methods_supported",
	}
	discBools = []string{
		"claims_parameter_supported", "request_parameter_supported", "request_uri_parameter_supported",
		"require_request_uri_registration", "frontchannel_logout_supported",
		"frontchannel_logout_session_supported", "backchannel_logout_supported",
		"backchannel_logout_session_supported", "authorization_response_iss_parameter_supported",
		"require_pushed_authorization_requests", "tls_client_certificate_bound_access_tokens",
	}
	discRequired = []string{
		"issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
		"response_types_supported", "subject_types_supported", "id_token_signing_alg_values_supported",
	}
)

// discoveryURL is where Discovery §4 says the document lives.
func discoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}

// fetch GETs uri (the discovery document or jwks_uri) with the
// back-channel client and reads the answer.
func (e *env) fetch(uri string) (status int, ct string, body []byte, err error) {
	resp, err := e.api.Get(uri)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header.Get("Content-Type"), body, err
}

// discovery returns the parsed discovery document, fetching it on first
// use; modules other than the discovery module need only a parsable one.
func (e *env) discovery() (*Discovery, error) {
	if e.fetched {
		return e.disc, e.discErr
	}
	e.fetched = true
	status, _, body, err := e.fetch(discoveryURL(e.opts.Issuer))
	if err != nil {
		e.discErr = fmt.Errorf("fetch discovery: %w", err)
		return nil, e.discErr
	}
	if status != http.StatusOK {
		e.discErr = fmt.Errorf("discovery: HTTP %d", status)
		return nil, e.discErr
	}
	d := &Discovery{}
	if err := json.Unmarshal(body, &d.Raw); err != nil {
		e.discErr = fmt.Errorf("discovery: %w", err)
		return nil, e.discErr
	}
	e.disc = d
	return d, nil
}

// validateDiscovery runs the Config OP checks on a fetched document and
// records them on rec. It returns the document when it parsed.
func validateDiscovery(rec recorder, issuer string, status int, contentType string, body []byte, allowHTTPLoopback bool) *Discovery {
	const ref = "OIDC-Discovery-4.2"
	if status != http.StatusOK {
		rec.Errorf(ref, "discovery endpoint answered HTTP %d, want 200", status)
		return nil
	}
	rec.OKf(ref, "discovery endpoint answered HTTP 200")
	mt, _, _ := mime.ParseMediaType(contentType)
	rec.Check(mt == "application/json", ref, "Content-Type is application/json (got %q)", contentType)
	d := &Discovery{}
	if err := json.Unmarshal(body, &d.Raw); err != nil || d.Raw == nil {
		rec.Errorf(ref, "discovery document is not a JSON object: %v", err)
		return nil
	}
	rec.OKf(ref, "discovery document is a JSON object with %d members", len(d.Raw))

	if got := d.Str("issuer"); rec.Check(got == issuer, "OIDC-Discovery-4.3", "issuer %q equals the issuer the document was fetched for (%q)", got, issuer) {
		if u, err := url.Parse(got); err != nil || u.RawQuery != "" || u.Fragment != "" {
			rec.Errorf("OIDC-Discovery-3", "issuer %q must be a URL without query or fragment", got)
		}
	}
	for _, k := range discRequired {
		rec.Check(d.Has(k), "OIDC-Discovery-3", "required member %s is present", k)
	}
	if !d.Has("userinfo_endpoint") {
		rec.Warnf("OIDC-Discovery-3", "userinfo_endpoint is RECOMMENDED but absent")
	}
	typesOK := true
	for _, k := range discURLs {
		if v, ok := d.Raw[k]; ok {
			s, isStr := v.(string)
			u, err := url.Parse(s)
			if !isStr || err != nil || !u.IsAbs() || u.Host == "" {
				typesOK = false
				rec.Errorf("OIDC-Discovery-3", "%s must be an absolute URL string, got %#v", k, v)
				continue
			}
			if u.Scheme != "https" {
				if allowHTTPLoopback && isLoopback(u.Hostname()) {
					rec.Warnf("OIDC-Discovery-3", "%s uses %s (allowed for loopback in development only): %s", k, u.Scheme, s)
				} else {
					rec.Errorf("OIDC-Discovery-3", "%s must use https: %s", k, s)
				}
			}
		}
	}
	for _, k := range discStrArrays {
		if v, ok := d.Raw[k]; ok {
			a, isArr := v.([]any)
			good := isArr
			for _, x := range a {
				if _, s := x.(string); !s {
					good = false
				}
			}
			if !good {
				typesOK = false
				rec.Errorf("OIDC-Discovery-3", "%s must be a JSON array of strings, got %#v", k, v)
			}
		}
	}
	for _, k := range discBools {
		if v, ok := d.Raw[k]; ok {
			if _, b := v.(bool); !b {
				typesOK = false
				rec.Errorf("OIDC-Discovery-3", "%s must be a boolean, got %#v", k, v)
			}
		}
	}
	if typesOK {
		rec.OKf("OIDC-Discovery-3", "every known member has the JSON type the metadata schema gives it")
	}
	rec.Check(d.Supports("response_types_supported", "code"), "OIDC-Discovery-3", "response_types_supported contains code (Basic OP)")
	for _, s := range d.Strs("subject_types_supported") {
		if s != "public" && s != "pairwise" {
			rec.Errorf("OIDC-Discovery-3", "subject_types_supported has unknown value %q (public, pairwise)", s)
		}
	}
	rec.Check(d.Supports("id_token_signing_alg_values_supported", "RS256"), "OIDC-Discovery-3",
		"id_token_signing_alg_values_supported includes RS256")
	if d.Has("scopes_supported") {
		rec.Check(d.Supports("scopes_supported", "openid"), "OIDC-Discovery-3", "scopes_supported includes openid")
	} else {
		rec.Warnf("OIDC-Discovery-3", "scopes_supported is RECOMMENDED but absent")
	}
	if !d.Has("claims_supported") {
		rec.Warnf("OIDC-Discovery-3", "claims_supported is RECOMMENDED but absent")
	} else if !d.Supports("claims_supported", "sub") {
		rec.Warnf("OIDC-Discovery-3", "claims_supported does not list sub")
	}
	if d.Has("grant_types_supported") {
		rec.Check(d.Supports("grant_types_supported", "authorization_code"), "OIDC-Discovery-3",
			"grant_types_supported includes authorization_code")
	}
	if d.Has("response_modes_supported") && !d.Supports("response_modes_supported", "query") {
		rec.Warnf("OIDC-Discovery-3", "response_modes_supported does not include query, the code flow default")
	}
	if d.Has("token_endpoint_auth_methods_supported") && !d.Supports("token_endpoint_auth_methods_supported", "client_secret_basic") {
		rec.Warnf("OIDC-Discovery-3", "token_endpoint_auth_methods_supported lacks client_secret_basic, which Basic OPs support")
	}
	if d.Supports("id_token_signing_alg_values_supported", "none") {
		rec.Logf("id_token_signing_alg_values_supported lists none: unsigned ID tokens must only go to clients that registered for them")
	}
	return d
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// recorder is the part of *T the pure validators need, so that unit tests
// can collect steps without running a module.
type recorder interface {
	OKf(ref, format string, args ...any)
	Warnf(ref, format string, args ...any)
	Errorf(ref, format string, args ...any)
	Logf(format string, args ...any)
	Check(cond bool, ref, format string, args ...any) bool
}

var _ recorder = (*T)(nil)

// sortedKeys is for stable messages.
func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
