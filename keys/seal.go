package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
)

// sealV1 is the format byte of a sealed blob: 0x01 || nonce(12) ||
// AES-256-GCM ciphertext and tag. The byte lets a later format (another
// cipher, a KEK id for KEK rotation) coexist with stored v1 blobs.
const sealV1 byte = 0x01

// KEKSize is the length in bytes of a key-encryption key (AES-256).
const KEKSize = 32

// ErrOpen means a sealed blob could not be opened: wrong KEK, tampered
// ciphertext, or a blob moved to another tenant, kid or secret name.
var ErrOpen = errors.New("keys: cannot open sealed value (wrong key-encryption key, or tampered or moved)")

// Seal encrypts plaintext under kek with AES-256-GCM and a random nonce.
// aad is authenticated but not stored; Open must be given the same aad, so
// a sealed value only opens in the place it was sealed for.
func Seal(kek, plaintext, aad []byte) ([]byte, error) {
	aead, err := newAEAD(kek)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = sealV1
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("keys: nonce: %w", err)
	}
	// A random 96-bit nonce is safe here: a KEK seals a handful of keys
	// and secrets per tenant, far below the 2^32 messages NIST SP 800-38D
	// §8.3 allows per key with random nonces.
	return aead.Seal(out, out[1:], plaintext, versionedAAD(sealV1, aad)), nil
}

// Open decrypts a value made by Seal with the same kek and aad. Every
// failure other than a malformed KEK is ErrOpen.
func Open(kek, sealed, aad []byte) ([]byte, error) {
	aead, err := newAEAD(kek)
	if err != nil {
		return nil, err
	}
	if len(sealed) < 1+aead.NonceSize()+aead.Overhead() || sealed[0] != sealV1 {
		return nil, ErrOpen
	}
	nonce := sealed[1 : 1+aead.NonceSize()]
	pt, err := aead.Open(nil, nonce, sealed[1+aead.NonceSize():], versionedAAD(sealV1, aad))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

func newAEAD(kek []byte) (cipher.AEAD, error) {
	if len(kek) != KEKSize {
		return nil, fmt.Errorf("keys: key-encryption key is %d bytes, want %d", len(kek), KEKSize)
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return cipher.NewGCM(block)
}

// versionedAAD authenticates the format byte too, so it cannot be changed
// to steer a future parser.
func versionedAAD(v byte, aad []byte) []byte {
	return append([]byte{v}, aad...)
}

// bindAAD builds unambiguous additional data from a purpose and its
// parts: each part is length-prefixed, so ("a|b","c") and ("a","b|c")
// differ and a signing key can never open as a secret or vice versa.
func bindAAD(purpose string, parts ...string) []byte {
	b := []byte("oidcp/" + purpose)
	for _, p := range parts {
		b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
	}
	return b
}

// keyAAD binds a sealed private key to its tenant, kid and alg.
func keyAAD(tenant, kid, alg string) []byte { return bindAAD("signing-key/v1", tenant, kid, alg) }

// secretAAD binds a sealed tenant secret to its tenant and name.
func secretAAD(tenant, name string) []byte { return bindAAD("tenant-secret/v1", tenant, name) }
