package provider

// This file is the one place where fosite's go-jose v3 API meets oidcp's
// go-jose v4 key handling. fosite asks a jwt.Signer for signed strings and
// parsed tokens; we sign with v4 and hand fosite only plain crypto keys,
// so no v3 key type is ever built from our keys.

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	josev4 "github.com/go-jose/go-jose/v4"
	"github.com/ory/fosite/token/jwt"
)

// signingKeys is what the provider needs from keys.Manager.
type signingKeys interface {
	// SigningKeyFor returns the active key for alg: kid, alg and signer.
	SigningKeyFor(ctx context.Context, tenant, alg string) (kid string, key crypto.Signer, err error)
	// PublicKey returns any published key by kid; its Algorithm is the
	// only alg to accept for it.
	PublicKey(ctx context.Context, tenant, kid string) (josev4.JSONWebKey, error)
	// JWKS returns the tenant's published keys.
	JWKS(ctx context.Context, tenant string) (josev4.JSONWebKeySet, error)
}

type algKey struct{}

// withSigningAlg selects the JWS alg for tokens signed under ctx (the
// client's id_token_signed_response_alg); RS256 when absent, OIDC's default.
func withSigningAlg(ctx context.Context, alg string) context.Context {
	if alg == "" {
		return ctx
	}
	return context.WithValue(ctx, algKey{}, alg)
}

func signingAlg(ctx context.Context) string {
	if a, ok := ctx.Value(algKey{}).(string); ok && a != "" {
		return a
	}
	return "RS256"
}

// joseSigner implements fosite's jwt.Signer for one tenant.
type joseSigner struct {
	tenant string
	keys   signingKeys
}

var _ jwt.Signer = (*joseSigner)(nil)

// Generate signs claims with the tenant's active key for the alg in ctx.
func (s *joseSigner) Generate(ctx context.Context, claims jwt.MapClaims, header jwt.Mapper) (string, string, error) {
	alg := signingAlg(ctx)
	kid, key, err := s.keys.SigningKeyFor(ctx, s.tenant, alg)
	if err != nil {
		return "", "", fmt.Errorf("signing key %s: %w", alg, err)
	}
	raw, err := signJWT(key, kid, alg, claims, header)
	if err != nil {
		return "", "", err
	}
	sig := raw[strings.LastIndexByte(raw, '.')+1:]
	return raw, sig, nil
}

// signJWT signs a claim set with go-jose v4. Extra header fields from
// fosite (e.g. typ) are kept; kid and alg are ours.
func signJWT(key crypto.Signer, kid, alg string, claims map[string]any, header jwt.Mapper) (string, error) {
	opts := (&josev4.SignerOptions{}).WithType("JWT")
	if header != nil {
		for k, v := range header.ToMap() {
			if k == "alg" || k == "kid" {
				continue
			}
			opts = opts.WithHeader(josev4.HeaderKey(k), v)
		}
	}
	opts = opts.WithHeader("kid", kid)
	signer, err := josev4.NewSigner(josev4.SigningKey{Algorithm: josev4.SignatureAlgorithm(alg), Key: key}, opts)
	if err != nil {
		return "", fmt.Errorf("new signer: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("marshal claims: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return jws.CompactSerialize()
}

// Decode parses and verifies one of our own tokens (id_token_hint, JWT
// access tokens) with whichever published key its kid names, so tokens
// signed before a rotation still verify. The token is parsed once: the
// kid and alg come from the header fosite's parser hands the key func, and
// the alg must be the one the key was made for (RFC 8725 §3.1), so an RSA
// key published for RS256 does not verify a PS256 token or the reverse.
func (s *joseSigner) Decode(ctx context.Context, token string) (*jwt.Token, error) {
	return jwt.ParseWithClaims(token, jwt.MapClaims{}, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		jwk, err := s.keys.PublicKey(ctx, s.tenant, kid)
		if err != nil {
			return nil, fmt.Errorf("unknown kid: %w", err)
		}
		if string(t.Method) != jwk.Algorithm {
			return nil, fmt.Errorf("alg %q is not the %s of key %s", t.Method, jwk.Algorithm, kid)
		}
		return jwk.Key, nil
	})
}

// Validate verifies a token and returns its signature part.
func (s *joseSigner) Validate(ctx context.Context, token string) (string, error) {
	if _, err := s.Decode(ctx, token); err != nil {
		return "", err
	}
	return s.GetSignature(ctx, token)
}

// Hash is SHA-256: at_hash/c_hash for RS256, ES256 and PS256 all use it.
func (s *joseSigner) Hash(_ context.Context, in []byte) ([]byte, error) {
	h := sha256.Sum256(in)
	return h[:], nil
}

// GetSignature returns the third part of a compact JWS.
func (s *joseSigner) GetSignature(_ context.Context, token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", errors.New("jwt: header, body and signature must all be set")
	}
	return parts[2], nil
}

// GetSigningMethodLength is the SHA-256 size (half of it is at_hash).
func (s *joseSigner) GetSigningMethodLength(context.Context) int { return sha256.Size }

func asValidationError(err error, target **jwt.ValidationError) bool {
	return errors.As(err, target)
}
