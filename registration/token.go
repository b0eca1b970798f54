package registration

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// vendorPattern keeps vendor names short and printable: they appear in
// logs, in the admin API's paths and in client metadata.
var vendorPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// CheckVendor reports why name is not a valid vendor name, or nil.
func CheckVendor(name string) error {
	if !vendorPattern.MatchString(name) {
		return fmt.Errorf("vendor %q must be 1–64 characters of a-z 0-9 . _ - starting with a letter or digit", name)
	}
	return nil
}

// TokenStore is what issuing and revoking initial access tokens needs.
type TokenStore interface {
	PutInitialAccessToken(ctx context.Context, t storage.InitialAccessToken) error
	RevokeInitialAccessToken(ctx context.Context, tenant, vendor string, at time.Time) error
}

// tokenPrefix marks oidcp's initial access tokens, so secret scanners
// and people can tell one apart from other tokens.
const tokenPrefix = "oidcp_iat_"

// IssueToken creates vendor's initial access token in tenant, valid for
// ttl (zero: until revoked), and returns it. It is shown only now; the
// store keeps its hash. An earlier token of the vendor stops working.
func IssueToken(ctx context.Context, s TokenStore, tenant, vendor string, ttl time.Duration, now time.Time) (string, storage.InitialAccessToken, error) {
	if err := CheckVendor(vendor); err != nil {
		return "", storage.InitialAccessToken{}, err
	}
	if ttl < 0 {
		return "", storage.InitialAccessToken{}, fmt.Errorf("expiry %s is negative", ttl)
	}
	tok := tokenPrefix + randomToken()
	now = now.UTC().Truncate(time.Microsecond)
	iat := storage.InitialAccessToken{Tenant: tenant, Vendor: vendor, Hash: hashToken(tok), CreatedAt: now}
	if ttl > 0 {
		iat.ExpiresAt = now.Add(ttl)
	}
	if err := s.PutInitialAccessToken(ctx, iat); err != nil {
		return "", storage.InitialAccessToken{}, fmt.Errorf("store initial access token: %w", err)
	}
	return tok, iat, nil
}

// RevokeToken revokes vendor's initial access token in tenant; the
// vendor's clients keep working.
func RevokeToken(ctx context.Context, s TokenStore, tenant, vendor string, now time.Time) error {
	return s.RevokeInitialAccessToken(ctx, tenant, vendor, now.UTC().Truncate(time.Microsecond))
}

// randomToken is 32 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("registration: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is the stored form of a bearer token: hex SHA-256. The
// tokens are 256 random bits, so a fast hash is enough.
func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}
