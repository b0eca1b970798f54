package provider

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/ory/fosite/token/jwt"
)

// TestIDTokenHintRules: an id_token_hint must be an ID token of this
// tenant: signed by its key, its iss, not an RFC 9068 access token (typ
// at+jwt, or client_id/scope claims); expiry alone does not disqualify it
// (RP-Initiated Logout 1.0 §2), any other validation error does.
func TestIDTokenHintRules(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	const iss = "https://op.example/main"
	tn := &tenant{issuer: iss, signer: &joseSigner{tenant: "main", keys: oneKey{kid: "k1", key: k}}}
	now := time.Now()
	idToken := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": iss, "sub": "pairwise-sub", "aud": []string{"tool"}, "sid": "s1",
			"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "j1"}
		if edit != nil {
			edit(c)
		}
		return c
	}
	atHeader := &jwt.Headers{Extra: map[string]any{"typ": "at+jwt"}}
	for _, tc := range []struct {
		name   string
		key    *rsa.PrivateKey
		claims jwt.MapClaims
		header jwt.Mapper
		ok     bool
	}{
		{"ID token", k, idToken(nil), nil, true},
		{"expired ID token", k, idToken(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() }), nil, true},
		{"expired and signed by another key", other, idToken(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() }), nil, false},
		{"not valid yet", k, idToken(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() }), nil, false},
		{"JWT access token (typ at+jwt)", k, idToken(func(c jwt.MapClaims) { c["client_id"] = "tool"; c["scope"] = "openid" }), atHeader, false},
		{"typ at+jwt alone", k, idToken(nil), atHeader, false},
		{"client_id claim alone", k, idToken(func(c jwt.MapClaims) { c["client_id"] = "tool" }), nil, false},
		{"scope claim alone", k, idToken(func(c jwt.MapClaims) { c["scope"] = "openid" }), nil, false},
		{"another issuer", k, idToken(func(c jwt.MapClaims) { c["iss"] = "https://op.example/sandbox" }), nil, false},
		{"no sub", k, idToken(func(c jwt.MapClaims) { delete(c, "sub") }), nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := signJWT(tc.key, "k1", "RS256", tc.claims, tc.header)
			if err != nil {
				t.Fatal(err)
			}
			claims, err := tn.idTokenHint(t.Context(), raw)
			if tc.ok && (err != nil || claims["sub"] != "pairwise-sub") {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && err == nil {
				t.Fatal("accepted as an id_token_hint")
			}
		})
	}
}
