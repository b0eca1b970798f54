package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v3"

	"github.com/oidcp/oidcp/claimjson"
)

// Which algorithm a private_key_jwt client may sign its assertion with.
// OIDC Registration §2: when a client registered no
// token_endpoint_auth_signing_alg, any algorithm the server supports is
// allowed. So an assertion may use any algorithm discovery advertises
// (token_endpoint_auth_signing_alg_values_supported) for which the client
// registered a fitting key: the key the assertion names by kid (any key
// without kid), of the right type (RSA for RS256 and PS256, P-256 for
// ES256), whose own "alg", if it has one, is that algorithm (RFC 7517
// §4.4). This is what lets a vendor list an RSA and an EC key and roll
// from one to the other. A client that registered
// token_endpoint_auth_signing_alg gets that algorithm and no other.
//
// fosite asks the client for the one algorithm it enforces
// (GetTokenEndpointAuthSigningAlgorithm) without telling it which one the
// assertion uses; the client authentication strategy therefore reads the
// assertion's header first (unverified: fosite verifies the signature
// right after) and hands it to the client through the context.

// assertionAlgs are the advertised client assertion algorithms.
var assertionAlgs = []string{"RS256", "ES256", "PS256"}

// noFittingAlg is what a client enforces when the assertion's algorithm
// cannot be used; it equals no algorithm, so fosite refuses, and the
// strategy replaces fosite's message with the refusal.
const noFittingAlg = "(none fits)"

type assertionCtxKey struct{}

// assertionHeader is the unverified JOSE header of the client assertion
// being authenticated, and why it cannot be used, once that is known.
type assertionHeader struct {
	alg, kid string
	refusal  string
}

// withAssertionHeader puts the header of form's client_assertion into
// ctx. Without an assertion, or with one whose header is not unpadded
// base64url JSON, it returns ctx and nil, and the caller refuses it.
func withAssertionHeader(ctx context.Context, assertion string) (context.Context, *assertionHeader) {
	head, _, ok := strings.Cut(assertion, ".")
	if !ok {
		return ctx, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return ctx, nil
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if claimjson.Unmarshal(raw, &hdr) != nil {
		return ctx, nil
	}
	h := &assertionHeader{alg: hdr.Alg, kid: hdr.Kid}
	return context.WithValue(ctx, assertionCtxKey{}, h), h
}

func assertionHeaderFrom(ctx context.Context) *assertionHeader {
	h, _ := ctx.Value(assertionCtxKey{}).(*assertionHeader)
	return h
}

// enforcedAlg is the algorithm a client accepts for the assertion h:
// h.alg when the client may use it, else a value fosite will refuse, with
// h.refusal saying why. reg is the client's registered
// token_endpoint_auth_signing_alg, keys its registered keys (nil with a
// jwks_uri: those are checked when fetched, in fitKeys).
func enforcedAlg(reg string, keys *jose.JSONWebKeySet, h *assertionHeader) string {
	if reg != "" {
		if h.alg != reg {
			h.refusal = fmt.Sprintf("this client registered token_endpoint_auth_signing_alg %s; sign the client_assertion with %s, not %q", reg, reg, h.alg)
		}
		return reg
	}
	if !slices.Contains(assertionAlgs, h.alg) {
		h.refusal = fmt.Sprintf("alg %q is not supported for client assertions; use %s (token_endpoint_auth_signing_alg_values_supported)", h.alg, strings.Join(assertionAlgs, ", "))
		return noFittingAlg
	}
	if keys != nil && len(fittingKeys(keys, h.alg, h.kid)) == 0 {
		h.refusal = noKeyReason(h)
		return noFittingAlg
	}
	return h.alg
}

func noKeyReason(h *assertionHeader) string {
	which := "no registered key"
	if h.kid != "" {
		which = fmt.Sprintf("no registered key with kid %q", h.kid)
	}
	return which + " can verify " + h.alg + " (RS256 and PS256 need an RSA key, ES256 an EC key on P-256, and a key's own alg must be the one used)"
}

// fitKeys narrows set to the keys that may verify the assertion in ctx
// (all keys when ctx carries none), recording the refusal when none may.
func fitKeys(ctx context.Context, set *jose.JSONWebKeySet) *jose.JSONWebKeySet {
	h := assertionHeaderFrom(ctx)
	if h == nil || set == nil {
		return set
	}
	keys := fittingKeys(set, h.alg, "")
	if len(fittingKeys(set, h.alg, h.kid)) == 0 && h.refusal == "" {
		h.refusal = noKeyReason(h)
	}
	return &jose.JSONWebKeySet{Keys: keys}
}

// fittingKeys returns the keys of set that may verify a signature made
// with alg, only those with kid when kid is not empty.
func fittingKeys(set *jose.JSONWebKeySet, alg, kid string) []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, k := range set.Keys {
		if (kid == "" || k.KeyID == kid) && keyFits(k, alg) {
			out = append(out, k)
		}
	}
	return out
}

// keyFits reports whether k may verify a JWS made with alg.
func keyFits(k jose.JSONWebKey, alg string) bool {
	if k.Use != "" && k.Use != "sig" || k.Algorithm != "" && k.Algorithm != alg {
		return false
	}
	switch pub := k.Key.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		switch alg {
		case "ES256":
			return pub.Curve == elliptic.P256()
		case "ES384":
			return pub.Curve == elliptic.P384()
		case "ES512":
			return pub.Curve == elliptic.P521()
		}
	}
	return false
}
