package provider

import (
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ory/fosite"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/oidcp/oidcp/storage"
)

// Sealed access tokens. A client_credentials access token is the only
// thing its grant writes, and writing it cost more than half of such a
// request's CPU and nearly all of the database's. So the token carries
// its own record instead: its request, in a compact binary form
// (sealed_compact.go) or, when the session holds more than that form
// carries, the JSON a stored token's row holds; sealed with
// XChaCha20-Poly1305 under a key derived from the
// tenant's token HMAC secret (every node has it), with the tenant as
// associated data. Its nonces are 192 random bits, so a busy tenant can
// seal for years under one key without a nonce repeating (AES-GCM's 96
// bits would reach NIST's 2^32 bound within days at benchmark rates).
// The body starts with a version byte, so a later key or format can sit
// beside this one. Nothing is written when it is issued but the
// usage-log event, which the token endpoint records before it answers
// (so a database outage still refuses the grant).
//
// It stays revocable and is checked on every use, like a row:
//   - revoked on its own (RFC 7009), a tombstone row is written under its
//     request ID, and every use checks it: in the node's copy of the
//     tenant's tombstones (tombstones.go), trusted for ClientCacheTTL,
//     or by reading the row when the copy is older: void at once on the
//     revoking node and within ClientCacheTTL on every other;
//   - with its client: the record carries the client's CreatedAt and
//     TokensRevokedAt as they were at issuance, and every use compares
//     them with the client record, which each node keeps at most
//     ClientCacheTTL. A deleted client (or one registered again under the
//     same id), a disabled one, or one whose tokens the kill-switch or a
//     vendor's reset revoked (RevokeClientGrants and ResetClients move
//     TokensRevokedAt) voids it.
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
// by request ID knows to write a tombstone; the token's expiry follows
// (Unix seconds, then "-"), so the tombstone outlives it whatever the
// revoking node's configuration or clock.
const sealedIDPrefix = "sealed-"

// sealedVersion is the first byte of a sealed body.
const sealedVersion = 1

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
	// aadCompact authenticates the version byte of a compact body too,
	// so a body cannot be read in the other form.
	aadCompact []byte
}

func newTokenSealer(tenant string, secret []byte) (*tokenSealer, error) {
	if len(secret) < 32 {
		return nil, errors.New("sealed tokens: the token secret is shorter than 32 bytes")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("oidcp/sealed-access-token/v1"))
	aead, err := chacha20poly1305.NewX(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	aad := []byte("access_token\x00" + tenant)
	return &tokenSealer{aead: aead, aad: aad, aadCompact: append(aad[:len(aad):len(aad)], 0, sealedVersionCompact)}, nil
}

// sealedRecord is what a sealed token carries: its request ID (the
// tombstone's key), the client record's incarnation (CreatedAt) and last
// revocation (TokensRevokedAt) at issuance, in Unix nanoseconds, and the
// encoded request: compact, or the JSON a stored token's row would hold.
// It is framed in binary (the request ID's length and the two times as
// varints, then the request).
type sealedRecord struct {
	RequestID     string
	ClientCreated int64
	ClientRevoked int64
	Data          []byte
	// Compact tells that Data is in the compact form (sealed_compact.go),
	// not JSON; the body's version byte says which.
	Compact bool
}

func (r sealedRecord) append(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(r.RequestID)))
	b = append(b, r.RequestID...)
	b = binary.AppendVarint(b, r.ClientCreated)
	b = binary.AppendVarint(b, r.ClientRevoked)
	return append(b, r.Data...)
}

func parseSealedRecord(b []byte) (sealedRecord, error) {
	var r sealedRecord
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return r, errors.New("sealed token: bad frame")
	}
	r.RequestID, b = string(b[k:k+int(n)]), b[k+int(n):]
	for _, v := range []*int64{&r.ClientCreated, &r.ClientRevoked} {
		x, k := binary.Varint(b)
		if k <= 0 {
			return r, errors.New("sealed token: bad frame")
		}
		*v, b = x, b[k:]
	}
	r.Data = b
	return r, nil
}

// sealedRequestID marks id as a sealed token's expiring at exp.
func sealedRequestID(id string, exp time.Time) string {
	return sealedIDPrefix + strconv.FormatInt(exp.Unix()+1, 10) + "-" + id
}

// sealedExpiry is the expiry a sealed token's request ID carries.
func sealedExpiry(id string) (time.Time, bool) {
	rest, _ := strings.CutPrefix(id, sealedIDPrefix)
	unix, _, ok := strings.Cut(rest, "-")
	sec, err := strconv.ParseInt(unix, 10, 64)
	return time.Unix(sec, 0), ok && err == nil
}

// issue seals r, client c's client_credentials request whose session
// has its access token's expiry, into a token and its storage signature.
// The request ID is marked as a sealed token's.
func (s *tokenSealer) issue(c storage.Client, r fosite.Requester) (token, sig string, err error) {
	exp := r.GetSession().GetExpiresAt(fosite.AccessToken)
	if exp.IsZero() {
		return "", "", errors.New("sealed token: the session has no access token expiry")
	}
	r.SetID(sealedRequestID(r.GetID(), exp))
	version := byte(sealedVersionCompact)
	sanitized := r.Sanitize([]string{})
	data, ok := compactRequest(sanitized)
	if !ok {
		version = sealedVersion
		if data, err = marshalRequest(sanitized); err != nil {
			return "", "", err
		}
	}
	rec := sealedRecord{RequestID: r.GetID(), ClientCreated: c.CreatedAt.UnixNano(), ClientRevoked: revokedAt(c), Data: data}
	plain := rec.append(make([]byte, 0, 32+len(rec.RequestID)+len(data)))
	n := s.aead.NonceSize()
	out := make([]byte, 1+n, 1+n+len(plain)+s.aead.Overhead())
	out[0] = version
	if _, err := rand.Read(out[1:]); err != nil {
		return "", "", err
	}
	body := base64.RawURLEncoding.EncodeToString(s.aead.Seal(out, out[1:], plain, s.aadFor(version)))
	return accessTokenPrefix + body, sealedSigPrefix + body, nil
}

// aadFor is the associated data of a body of the given version.
func (s *tokenSealer) aadFor(version byte) []byte {
	if version == sealedVersionCompact {
		return s.aadCompact
	}
	return s.aad
}

// open authenticates and decodes a sealed token's body.
func (s *tokenSealer) open(body string) (sealedRecord, error) {
	var rec sealedRecord
	raw, err := base64.RawURLEncoding.DecodeString(body)
	n := s.aead.NonceSize()
	if err != nil || len(raw) < 1+n+s.aead.Overhead() || raw[0] != sealedVersion && raw[0] != sealedVersionCompact {
		return rec, errors.New("sealed token: malformed")
	}
	plain, err := s.aead.Open(nil, raw[1:1+n], raw[1+n:], s.aadFor(raw[0]))
	if err != nil {
		return rec, errors.New("sealed token: not sealed by this tenant")
	}
	rec, err = parseSealedRecord(plain)
	rec.Compact = raw[0] == sealedVersionCompact
	return rec, err
}

// revokedAt is the client's TokensRevokedAt as a sealed token carries it.
func revokedAt(c storage.Client) int64 {
	if c.TokensRevokedAt.IsZero() {
		return 0
	}
	return c.TokensRevokedAt.UnixNano()
}

// getSealed is GetAccessTokenSession for a sealed token: its own record,
// checked against its tombstone and its client as a row would be.
func (s *fositeStore) getSealed(ctx context.Context, sig string, sess fosite.Session) (fosite.Requester, error) {
	rec, err := s.openSealed(sig)
	if err != nil {
		return nil, err
	}
	var req *fosite.AuthorizeRequest
	if rec.Compact {
		req, err = s.uncompactRequest(ctx, rec.RequestID, rec.Data, sess)
	} else {
		req, err = s.unmarshalRequest(ctx, rec.Data, sess)
	}
	if err != nil {
		return nil, err // a deleted or disabled client: not found, so inactive
	}
	revoked, known := s.tombstones.revoked(rec.RequestID)
	if !known {
		_, err = s.store.GetToken(ctx, s.tenant, storage.KindAccessToken, storage.SealedTombstonePrefix+rec.RequestID)
		switch {
		case err == nil:
			revoked = true
		case !errors.Is(err, storage.ErrNotFound):
			return nil, err
		}
	}
	if revoked {
		return req, fosite.ErrInactiveToken
	}
	c, err := clientOf(req)
	if err != nil {
		return nil, err
	}
	if c.CreatedAt.UnixNano() != rec.ClientCreated || revokedAt(c) != rec.ClientRevoked {
		return req, fosite.ErrInactiveToken
	}
	return req, nil
}

// openSealed opens the sealed token whose storage signature is sig; one
// that does not open, or a store without a sealer, is not found.
func (s *fositeStore) openSealed(sig string) (sealedRecord, error) {
	if s.sealer == nil {
		return sealedRecord{}, fosite.ErrNotFound.WithDebug("sealed tokens are not enabled")
	}
	rec, err := s.sealer.open(strings.TrimPrefix(sig, sealedSigPrefix))
	if err != nil {
		return rec, fosite.ErrNotFound.WithWrap(err)
	}
	return rec, nil
}

// sealedTombstoneSlack is how long a tombstone outlives its token: more
// than the clock skew between nodes.
const sealedTombstoneSlack = 5 * time.Minute

// voidSealed writes the tombstone of the sealed token with request ID id,
// kept until the expiry the ID carries (without one, the longest access
// token lifetime from now) and sealedTombstoneSlack more; voiding twice is
// no error.
func (s *fositeStore) voidSealed(ctx context.Context, id string) error {
	now := s.now()
	exp := now.Add(s.sealedTTL)
	if carried, ok := sealedExpiry(id); ok && carried.After(exp) {
		exp = carried
	}
	err := s.store.CreateToken(ctx, storage.TokenRecord{
		Kind: storage.KindAccessToken, Signature: storage.SealedTombstonePrefix + id, Tenant: s.tenant,
		RequestID: id, Active: false, RequestedAt: now, ExpiresAt: exp.Add(sealedTombstoneSlack),
	})
	if err != nil && !errors.Is(err, storage.ErrConflict) {
		return err
	}
	// Written means committed outside a transaction (fosite's revocation
	// handler opens none). Inside one, the commit is yet to come: the
	// copy learns of it from a reload, within its bound.
	if _, inTx := ctx.Value(pendingAccessKey{}).(*pendingAccess); !inTx {
		s.tombstones.add(id)
	}
	return nil
}
