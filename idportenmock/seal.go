package idportenmock

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// Pushed requests, codes and access tokens are self-contained: the value
// handed out is the record itself, encrypted and authenticated with a key
// derived from the salt every node shares, so issuing one writes nothing.
// ID-porten's own access tokens are self-contained too (signed JWTs).
// What has to be remembered is only what makes a value one-time (a pushed
// request used at /authorize, a code redeemed at /token) and what takes
// one back (a replayed code revokes its access token; a logout ends its
// sid): one marker each, written when it happens. A login through the
// headless test hint thus costs the store two inserts, where storing
// every record and deleting it on use cost six statements.

// Kinds of self-contained values, bound into each as associated data.
const (
	sealPAR   = "par"   // pushed authorization requests (request_uri)
	sealCode  = "code"  // authorization codes
	sealToken = "token" // access tokens
)

// sealed is the plaintext of a self-contained value.
type sealed[V any] struct {
	V V `json:"v"`
	// JTI names the value in the one-time and revocation markers.
	JTI string `json:"jti"`
	// Exp is when it stops being accepted, in Unix seconds.
	Exp int64 `json:"exp"`
}

// sealKey derives the AES-256 key of self-contained values from the
// pairwise-sub salt: a different purpose under the same shared secret, so
// nodes that agree on subs agree on these too, and neither value reveals
// the other.
func sealKey(salt []byte) (cipher.AEAD, error) {
	mac := hmac.New(sha256.New, salt)
	mac.Write([]byte("idporten-mock/seal/v1"))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal returns v as a self-contained value of kind, valid until exp, and
// the jti it carries. The kind is authenticated, so a code is never
// accepted as an access token or a pushed request.
func seal[V any](s *Server, kind string, v V, exp time.Time) (value, jti string, err error) {
	jti = randomString(16)
	plain, err := json.Marshal(sealed[V]{V: v, JTI: jti, Exp: exp.Unix()})
	if err != nil {
		return "", "", err
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", "", fmt.Errorf("idportenmock: nonce: %w", err)
	}
	out := s.aead.Seal(nonce, nonce, plain, []byte(kind))
	return base64.RawURLEncoding.EncodeToString(out), jti, nil
}

// unseal returns the record in a value seal made for kind, unless it was
// altered, made for another kind or by another key, or has expired at
// the server's now. exp is when it expires, by the clock of the node
// that sealed it: a marker of its use must outlive it (markerExpiry).
func unseal[V any](s *Server, kind, value string) (v V, jti string, exp time.Time, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return v, "", exp, false
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(kind))
	if err != nil {
		return v, "", exp, false
	}
	var rec sealed[V]
	if json.Unmarshal(plain, &rec) != nil || rec.JTI == "" {
		return v, "", exp, false
	}
	exp = time.Unix(rec.Exp, 0)
	if !s.now().Before(exp) {
		return v, "", exp, false
	}
	return rec.V, rec.JTI, exp, true
}

// markerSkew is how much longer than the value it marks a marker lives:
// nodes' clocks differ, and a marker gone while another node still
// accepts the value would let it be used again.
const markerSkew = time.Minute

// markerExpiry is when the marker of a value expiring at exp may go.
func markerExpiry(exp time.Time) time.Time { return exp.Add(markerSkew) }

// mark records that (kind, key) happened, with value, until exp. It
// reports false, and leaves the first value in place, when it was already
// recorded: of concurrent callers exactly one marks.
func mark[V any](ctx context.Context, s *Server, kind, key string, v V, exp time.Time) (bool, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return false, err
	}
	return s.store.Add(ctx, kind, key, b, s.now(), exp)
}
