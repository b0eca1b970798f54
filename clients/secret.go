package clients

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// GenerateSecret returns a new client secret: 32 random bytes, base64url
// without padding (43 characters, 256 bits).
func GenerateSecret() string {
	return randomString(32)
}

// GenerateID returns a new client_id: 16 random bytes, base64url.
func GenerateID() string {
	return randomString(16)
}

func randomString(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never fails on supported platforms (Go 1.24+ panics
	// inside instead), so there is no error to return.
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret hashes a client secret with bcrypt at the default cost, the
// form the provider compares against (storage.Client.SecretHash).
func HashSecret(secret string) ([]byte, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(secret), bcrypt.DefaultCost)
	if err != nil {
		return nil, fmt.Errorf("clients: hash secret: %w", err)
	}
	return h, nil
}
