package accountapi

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/representation"
)

// PersonKey returns a tenant's secret from which the opaque person ids
// of the API are derived (cmd/oidcp: keys.Manager.Secret). It must stay
// the same for as long as a client may hold an id it was given.
type PersonKey func(ctx context.Context, tenant string) ([]byte, error)

// PersonKeyName is the name of the tenant secret cmd/oidcp passes as
// PersonKey.
const PersonKeyName = "account-api-person-id"

// personIDs names persons in the API's answers by an opaque id instead
// of their fødselsnummer, which would otherwise end up in every caller's
// logs and, through who, in URLs. An id is the AES-128 encryption of the
// 11-digit number padded to one block (PKCS #7: five bytes of 5): a
// pseudorandom permutation, so it is stable (a caller can filter by it,
// compare it across pages and calls) and reversible by the API alone.
// The key is derived per (tenant, client) by HMAC-SHA-256 from the
// tenant's secret, so two tools cannot correlate a person by their ids.
type personIDs struct{ block cipher.Block }

// pidLen is the length of a fødselsnummer.
const pidLen = 11

// personIDLen is the length of an opaque id: one AES block, base64url.
const personIDLen = 22

// errPersonID: who names no person of this caller.
var errPersonID = errors.New("who is neither \"self\" nor a person's id as this API gives it in an event's actor.id or subject.id")

func newPersonIDs(secret []byte, tenant, clientID string) (personIDs, error) {
	if len(secret) == 0 {
		return personIDs{}, errors.New("accountapi: no person id key")
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("oidcp accountapi person id v1\x00" + tenant + "\x00" + clientID))
	block, err := aes.NewCipher(m.Sum(nil)[:16])
	if err != nil {
		return personIDs{}, fmt.Errorf("accountapi: person id key: %w", err)
	}
	return personIDs{block: block}, nil
}

// seal returns the opaque id of pid; "" for "" (nobody) and for anything
// that is not 11 bytes, which is never shown.
func (p personIDs) seal(pid string) string {
	if len(pid) != pidLen {
		return ""
	}
	var buf [aes.BlockSize]byte
	copy(buf[:], pid)
	for i := pidLen; i < aes.BlockSize; i++ {
		buf[i] = aes.BlockSize - pidLen
	}
	p.block.Encrypt(buf[:], buf[:])
	return base64.RawURLEncoding.EncodeToString(buf[:])
}

// open returns the pid of an opaque id, or errPersonID when id is not
// one seal gave under this key.
func (p personIDs) open(id string) (string, error) {
	if len(id) != personIDLen {
		return "", errPersonID
	}
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(b) != aes.BlockSize || base64.RawURLEncoding.EncodeToString(b) != id {
		return "", errPersonID
	}
	p.block.Decrypt(b, b)
	for _, c := range b[pidLen:] {
		if c != aes.BlockSize-pidLen {
			return "", errPersonID
		}
	}
	pid := string(b[:pidLen])
	if !representation.ValidPID(pid) {
		return "", errPersonID
	}
	return pid, nil
}

// person is the Party of a person as the caller sees it: the opaque id,
// the name, and the pid only when the token may show it.
func (p personIDs) person(in account.Party, showPID bool) account.Party {
	out := account.Party{ID: p.seal(in.ID), Name: in.Name}
	if showPID {
		out.PID = in.ID
	}
	return out
}
