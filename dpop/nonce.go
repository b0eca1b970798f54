package dpop

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// Server nonces (RFC 9449 §8, §9) are stateless: the number of the
// rotation period they were made in and an HMAC over it with the
// tenant's key, so every node of a cluster (same key) makes and accepts
// the same nonces without storing them. A nonce is accepted in its own
// period and the next, so it lives between one and two periods.

const nonceMACSize = 16

func (v *Verifier) nonceAt(period int64) string {
	buf := make([]byte, 8, 8+nonceMACSize)
	binary.BigEndian.PutUint64(buf, uint64(period))
	return base64.RawURLEncoding.EncodeToString(append(buf, v.nonceMAC(period)...))
}

func (v *Verifier) nonceMAC(period int64) []byte {
	m := hmac.New(sha256.New, v.o.NonceKey)
	m.Write([]byte("dpop-nonce\x00" + v.o.Tenant + "\x00"))
	_ = binary.Write(m, binary.BigEndian, period)
	return m.Sum(nil)[:nonceMACSize]
}

func (v *Verifier) period(t time.Time) int64 {
	return t.Unix() / int64(v.o.NonceRotation/time.Second)
}

// Nonce is the current server nonce, to send in the DPoP-Nonce header;
// "" when the verifier has no nonce key.
func (v *Verifier) Nonce() string {
	if len(v.o.NonceKey) == 0 {
		return ""
	}
	return v.nonceAt(v.period(v.o.Now()))
}

// validNonce reports whether n is a nonce of this or the previous period.
func (v *Verifier) validNonce(n string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(raw) != 8+nonceMACSize {
		return false
	}
	period := int64(binary.BigEndian.Uint64(raw[:8]))
	now := v.period(v.o.Now())
	if period != now && period != now-1 {
		return false
	}
	return hmac.Equal(raw[8:], v.nonceMAC(period))
}
