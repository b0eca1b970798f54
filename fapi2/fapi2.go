package fapi2

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oidcp/oidcp/claimjson"
)

// Profile is the profile's name in a tenant's configuration.
const Profile = "fapi2"

// Lifetimes the profile caps (FAPI 2.0 Security Profile §5.3.2.1,
// §5.3.2.2).
const (
	MaxAssertionLifetime  = 60 * time.Second
	MaxCodeLifetime       = 60 * time.Second
	MaxRequestURILifetime = 600 * time.Second
)

// SigningAlgs are the JWS algorithms the profile accepts for client
// assertions and ID tokens (§5.4.1: PS256, ES256 or EdDSA; oidcp signs
// with PS256 and ES256 keys).
var SigningAlgs = []string{"PS256", "ES256"}

// DPoPAlgs are the DPoP proof algorithms the profile accepts (§5.4.1).
var DPoPAlgs = []string{"ES256", "PS256", "EdDSA"}

// AuthMethod is the one client authentication method without mTLS.
const AuthMethod = "private_key_jwt"

// Violation is one broken rule: the metadata field or request parameter
// at fault, and the rule in words a vendor can act on.
type Violation struct {
	Field, Rule string
}

func (v *Violation) Error() string { return v.Field + ": " + v.Rule }

func violation(field, format string, args ...any) *Violation {
	return &Violation{Field: field, Rule: "the tenant follows the FAPI 2.0 Security Profile: " + fmt.Sprintf(format, args...)}
}

// Client is what CheckClient reads of a registration, after its
// defaults are applied.
type Client struct {
	Public         bool
	AuthMethod     string
	AuthSigningAlg string
	IDTokenAlg     string
	// JWKS is the registered JWK Set (JSON), if any.
	JWKS          json.RawMessage
	ResponseTypes []string
}

// CheckClient returns every rule the client breaks.
func CheckClient(c Client) []*Violation {
	var out []*Violation
	if c.Public {
		out = append(out, violation("token_endpoint_auth_method", "only confidential clients are allowed (section 5.3.2.1); register a client that authenticates with private_key_jwt"))
	} else if c.AuthMethod != AuthMethod {
		out = append(out, violation("token_endpoint_auth_method", "%q is not allowed; clients authenticate with private_key_jwt (section 5.3.2.1; mTLS is not offered)", c.AuthMethod))
	}
	if c.AuthSigningAlg != "" && !slices.Contains(SigningAlgs, c.AuthSigningAlg) {
		out = append(out, violation("token_endpoint_auth_signing_alg", "%q is not allowed; use PS256 or ES256 (section 5.4.1)", c.AuthSigningAlg))
	}
	if !slices.Contains(SigningAlgs, c.IDTokenAlg) {
		out = append(out, violation("id_token_signed_response_alg", "%q is not allowed; use PS256 or ES256 (section 5.4.1)", c.IDTokenAlg))
	}
	if len(c.JWKS) > 0 {
		// Read with exact member names, as go-jose reads the keys it uses.
		var set struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if claimjson.Unmarshal(c.JWKS, &set) == nil {
			for _, raw := range set.Keys {
				var k struct {
					Kid string `json:"kid"`
					Alg string `json:"alg"`
				}
				if claimjson.Unmarshal(raw, &k) == nil && k.Alg != "" && !slices.Contains(SigningAlgs, k.Alg) {
					out = append(out, violation("jwks", "key %q is for %s; new keys must be for PS256 or ES256 (section 5.4.1)", k.Kid, k.Alg))
				}
			}
		}
	}
	for _, rt := range c.ResponseTypes {
		if rt != "code" {
			out = append(out, violation("response_types", "%q is not allowed; only code (section 5.3.2.2)", rt))
		}
	}
	return out
}

// CheckAuthorize checks an authorization request (at /authorize, or its
// pushed form at /par, where viaPAR is true): pushed, response_type code,
// PKCE with S256.
func CheckAuthorize(viaPAR bool, form url.Values) *Violation {
	switch {
	case !viaPAR:
		return violation("request_uri", "authorization requests must be pushed to the pushed_authorization_request_endpoint first (PAR, RFC 9126; section 5.3.2.2)")
	case form.Get("response_type") != "code":
		return violation("response_type", "only code is allowed (section 5.3.2.2)")
	case form.Get("code_challenge") == "" || form.Get("code_challenge_method") != "S256":
		return violation("code_challenge", "PKCE with code_challenge_method S256 is required (section 5.3.2.2)")
	}
	return nil
}

// CheckAssertion checks a private_key_jwt client assertion's header and
// claims (its signature and jti are checked where it is verified): alg
// PS256 or ES256, aud the issuer alone, and a lifetime of at most
// MaxAssertionLifetime, from iat when it has one, and from now.
func CheckAssertion(assertion, issuer string, now time.Time) *Violation {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return violation("client_assertion", "the client_assertion is not a signed JWT")
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	var cl struct {
		Aud json.RawMessage `json:"aud"`
		Exp *float64        `json:"exp"`
		Iat *float64        `json:"iat"`
	}
	if decode(parts[0], &hdr) != nil || decode(parts[1], &cl) != nil {
		return violation("client_assertion", "the client_assertion's header or claims are not base64url JSON")
	}
	if !slices.Contains(SigningAlgs, hdr.Alg) {
		return violation("client_assertion", "it is signed with %q; sign client assertions with PS256 or ES256 (section 5.4.1)", hdr.Alg)
	}
	var aud string
	var auds []string
	if json.Unmarshal(cl.Aud, &aud) != nil {
		if json.Unmarshal(cl.Aud, &auds) == nil && len(auds) == 1 {
			aud = auds[0]
		}
	}
	if aud != issuer {
		return violation("client_assertion", "its aud must be the issuer, %s, and nothing else (section 5.3.2.1)", issuer)
	}
	if cl.Exp == nil {
		return violation("client_assertion", "it has no exp")
	}
	exp := time.Unix(int64(*cl.Exp), 0)
	if exp.Sub(now) > MaxAssertionLifetime || cl.Iat != nil && exp.Sub(time.Unix(int64(*cl.Iat), 0)) > MaxAssertionLifetime {
		return violation("client_assertion", "it may live at most %v (exp at most %v after iat and after now); mint a fresh one per request", MaxAssertionLifetime, MaxAssertionLifetime)
	}
	return nil
}

func decode(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return claimjson.Unmarshal(b, v)
}
