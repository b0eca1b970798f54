package clients

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestBuildFAPI2: in a fapi2 tenant only a private_key_jwt client with
// PS256 or ES256 keys registers; it gets PS256 ID tokens, DPoP-bound
// tokens and PAR by default; each refusal names the field and the rule.
func TestBuildFAPI2(t *testing.T) {
	fapi := func() Registration {
		return Registration{ID: "bank-app", Profile: "fapi2", AuthMethod: AuthPrivateKeyJWT, JWKS: jwks(t, false),
			RedirectURIs: []string{"https://app.example/cb"}}
	}
	c, err := Build("fapi", fapi(), now)
	if err != nil {
		t.Fatal(err)
	}
	if c.IDTokenSignedResponseAlg != AlgPS256 || !c.DPoPBoundAccessTokens || !c.RequirePAR || !c.RequirePKCE {
		t.Fatalf("defaults of a fapi2 client: id token %s, dpop %v, par %v, pkce %v", c.IDTokenSignedResponseAlg, c.DPoPBoundAccessTokens, c.RequirePAR, c.RequirePKCE)
	}
	rsaKeys := json.RawMessage(`{"keys":[{"kty":"RSA","kid":"old","alg":"RS256","n":"` + strings.Repeat("A", 342) + `","e":"AQAB"}]}`)
	for name, tc := range map[string]struct {
		edit  func(*Registration)
		field string
	}{
		"client secret":    {func(r *Registration) { r.AuthMethod, r.JWKS, r.Secret = AuthClientSecretBasic, nil, goodSecret }, "token_endpoint_auth_method"},
		"public":           {func(r *Registration) { r.Public, r.AuthMethod, r.JWKS = true, "", nil }, "token_endpoint_auth_method"},
		"RS256 ID tokens":  {func(r *Registration) { r.IDTokenAlg = AlgRS256 }, "id_token_signed_response_alg"},
		"RS256 assertions": {func(r *Registration) { r.AuthSigningAlg = AlgRS256 }, "token_endpoint_auth_signing_alg"},
		"an RS256 key":     {func(r *Registration) { r.JWKS = rsaKeys }, "jwks"},
	} {
		r := fapi()
		tc.edit(&r)
		_, err := Build("fapi", r, now)
		if !errors.Is(err, ErrInvalidMetadata) || !slices.Contains(Fields(err), tc.field) || !strings.Contains(err.Error(), "FAPI 2.0") {
			t.Errorf("%s: %v, want %s refused under FAPI 2.0", name, err, tc.field)
		}
	}
	// The same registrations are fine without the profile.
	r := fapi()
	r.Profile, r.IDTokenAlg = "", AlgRS256
	if _, err := Build("main", r, now); err != nil {
		t.Errorf("RS256 ID tokens outside fapi2: %v", err)
	}
	r.Profile = "fapi3"
	if _, err := Build("main", r, now); !slices.Contains(Fields(err), "profile") {
		t.Errorf("an unknown profile: %v", err)
	}
}
