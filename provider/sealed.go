package provider

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/storage"
)

// Sealed access tokens. A client_credentials access token is the only
// thing its grant writes, and writing it cost more than half of such a
// request's CPU and nearly all of the database's. So the token carries
// its own record instead: the same encoded request a stored token's row
// holds, sealed with AES-256-GCM under a key derived from the tenant's
// token HMAC secret (every node has it), with the tenant as associated
// data. Nothing is written when it is issued; the usage-log event still
// is.
//
// It stays revocable and is checked on every use, like a row:
//   - revoked on its own (RFC 7009), a tombstone row is written under its
//     request ID, and every use reads it (one primary-key lookup, the
//     read a stored token costs too): void at once on every node;
//   - with its client: the record carries the client's CreatedAt and
//     TokensRevokedAt as they were at issuance, and every use compares
//     them with the client record, which each node keeps at most
//     ClientCacheTTL. A deleted client (or one registered again under the
//     same id), a disabled one, or one whose tokens the kill-switch
//     revoked (RevokeClientGrants moves TokensRevokedAt) voids it.
//     Tokens a node issues from a stale client record carry the old
//     value, so they are void too.
//
// Only client_credentials tokens in the opaque format are sealed: a
// person's tokens belong to a grant and a login session, whose
// revocations find them by row.

// sealedSigPrefix marks the storage signature of a sealed token: the
// token's sealed body, which the store opens instead of reading a row.
const sealedSigPrefix = "sealed:"

// sealedIDPrefix starts the request ID of a sealed token, so a revocation
// by request ID knows to write a tombstone.
const sealedIDPrefix = "sealed-"

// sealedRevokedPrefix is the signature of a sealed token's tombstone.
const sealedRevokedPrefix = "sealed-revoked:"

// accessTokenPrefix is fosite's prefix of opaque access tokens, which a
// sealed token shares; its body has no dot (an HMAC token has one, a JWT
// two).
const accessTokenPrefix = "ory_at_"

// isSealed tells a sealed access token by its shape.
func isSealed(token string) bool {
	return strings.HasPrefix(token, accessTokenPrefix) && !strings.Contains(token, ".")
}

// tokenSealer seals and opens one tenant's sealed access tokens.
type tokenSealer struct {
	aead cipher.AEAD
	aad  []byte
}

func newTokenSealer(tenant string, secret []byte) (*tokenSealer, error) {
	if len(secret) < 32 {
		return nil, errors.New("sealed tokens: the token secret is shorter than 32 bytes")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("oidcp/sealed-access-token/v1"))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &tokenSealer{aead: aead, aad: []byte("access_token\x00" + tenant)}, nil
}

// sealedRecord is what a sealed token carries.
type sealedRecord struct {
	RequestID   string    `json:"i"`
	ClientID    string    `json:"c"`
	RequestedAt time.Time `json:"t"`
	ExpiresAt   time.Time `json:"e"`
	// The client record's incarnation and last revocation at issuance.
	ClientCreated int64           `json:"cc"`
	ClientRevoked int64           `json:"cr,omitempty"`
	Data          json.RawMessage `json:"d"`
}

// issue seals r (a client_credentials request whose session has its
// access token's expiry) into a token and its storage signature. The
// request ID is marked as a sealed token's.
func (s *tokenSealer) issue(r fosite.Requester) (token, sig string, err error) {
	c, err := clientOf(r)
	if err != nil {
		return "", "", err
	}
	r.SetID(sealedIDPrefix + r.GetID())
	sanitized := r.Sanitize([]string{})
	data, err := marshalRequest(sanitized)
	if err != nil {
		return "", "", err
	}
	exp := r.GetSession().GetExpiresAt(fosite.AccessToken)
	if exp.IsZero() {
		return "", "", errors.New("sealed token: the session has no access token expiry")
	}
	rec := sealedRecord{
		RequestID: r.GetID(), ClientID: c.ID, RequestedAt: r.GetRequestedAt().UTC(), ExpiresAt: exp.UTC(),
		ClientCreated: c.CreatedAt.UnixNano(), Data: data,
	}
	if !c.TokensRevokedAt.IsZero() {
		rec.ClientRevoked = c.TokensRevokedAt.UnixNano()
	}
	plain, err := json.Marshal(rec)
	if err != nil {
		return "", "", err
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", "", err
	}
	body := base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, s.aad))
	return accessTokenPrefix + body, sealedSigPrefix + body, nil
}

// open authenticates and decodes a sealed token's body.
func (s *tokenSealer) open(body string) (sealedRecord, error) {
	var rec sealedRecord
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return rec, errors.New("sealed token: malformed")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], s.aad)
	if err != nil {
		return rec, errors.New("sealed token: not sealed by this tenant")
	}
	if err := json.Unmarshal(plain, &rec); err != nil {
		return rec, fmt.Errorf("sealed token: %w", err)
	}
	return rec, nil
}

// getSealed is GetAccessTokenSession for a sealed token: its own record,
// checked against its tombstone and its client as a row would be.
func (s *fositeStore) getSealed(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	if s.sealer == nil {
		return nil, fosite.ErrNotFound.WithDebug("sealed tokens are not enabled")
	}
	rec, err := s.sealer.open(strings.TrimPrefix(sig, sealedSigPrefix))
	if err != nil {
		return nil, fosite.ErrNotFound.WithWrap(err)
	}
	req, err := s.unmarshalRequest(ctx, rec.Data, sess)
	if err != nil {
		return nil, err // a deleted or disabled client: not found, so inactive
	}
	_, err = s.store.GetToken(ctx, s.tenant, storage.KindAccessToken, sealedRevokedPrefix+rec.RequestID)
	switch {
	case err == nil:
		return req, fosite.ErrInactiveToken
	case !errors.Is(err, storage.ErrNotFound):
		return nil, err
	}
	c, err := clientOf(req)
	if err != nil {
		return nil, err
	}
	var revoked int64
	if !c.TokensRevokedAt.IsZero() {
		revoked = c.TokensRevokedAt.UnixNano()
	}
	if c.CreatedAt.UnixNano() != rec.ClientCreated || revoked != rec.ClientRevoked {
		return req, fosite.ErrInactiveToken
	}
	return req, nil
}

// voidSealed writes the tombstone of the sealed token with request ID id.
// It outlives every token that can carry the ID (ttl is the longest
// access token lifetime); voiding twice is no error.
func (s *fositeStore) voidSealed(ctx context.Context, id string) error {
	now := s.now()
	err := s.store.CreateToken(ctx, storage.TokenRecord{
		Kind: storage.KindAccessToken, Signature: sealedRevokedPrefix + id, Tenant: s.tenant,
		RequestID: id, Active: false, RequestedAt: now, ExpiresAt: now.Add(s.sealedTTL + time.Minute),
	})
	if errors.Is(err, storage.ErrConflict) {
		return nil
	}
	return err
}
