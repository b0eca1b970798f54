package conformance

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// clientAssertion is a private_key_jwt assertion of c (RFC 7523 §3) for
// audience aud, living for life, signed with c.PrivateJWK.
func (t *T) clientAssertion(c Client, aud string, life time.Duration) string {
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON([]byte(c.PrivateJWK)); err != nil || k.IsPublic() {
		t.Fatalf("", "client %s: private_jwk is not a private JWK: %v", c.ClientID, err)
	}
	alg := jose.SignatureAlgorithm(k.Algorithm)
	if alg == "" {
		switch k.Key.(type) {
		case *ecdsa.PrivateKey:
			alg = jose.ES256
		case *rsa.PrivateKey:
			alg = jose.PS256
		}
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: k.Key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.KeyID))
	if err != nil {
		t.Fatalf("", "client %s: assertion signer: %v", c.ClientID, err)
	}
	now := t.env.opts.Now()
	b, _ := json.Marshal(map[string]any{
		"iss": c.ClientID, "sub": c.ClientID, "aud": aud, "jti": randomString(),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(life).Unix(),
	})
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatalf("", "client %s: sign assertion: %v", c.ClientID, err)
	}
	out, _ := jws.CompactSerialize()
	return out
}
