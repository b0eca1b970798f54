package upstream

import (
	"context"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/claimjson"
	"github.com/oidcp/oidcp/representation"
)

// idClaims are the ID token claims validated here.
type idClaims struct {
	Iss      string   `json:"iss"`
	Aud      audience `json:"aud"`
	Azp      string   `json:"azp"`
	Sub      string   `json:"sub"`
	PID      string   `json:"pid"`
	ACR      string   `json:"acr"`
	AMR      []string `json:"amr"`
	AuthTime *float64 `json:"auth_time"`
	SID      string   `json:"sid"`
	Locale   string   `json:"locale"`
	Nonce    string   `json:"nonce"`
	Exp      *float64 `json:"exp"`
	Iat      *float64 `json:"iat"`
}

// audience accepts both forms of aud (RFC 7519 §4.1.3).
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("aud is neither a string nor an array of strings")
	}
	*a = many
	return nil
}

// validateIDToken is OIDC Core §3.1.3.7. Only RS256 is accepted: it is
// what ID-porten signs with, and a fixed list closes the door on "none"
// and on HMAC with the public key as secret (RFC 8725 §2.1, §3.1).
func (c *Client) validateIDToken(ctx context.Context, md *metadata, raw, nonce string) (*Identity, error) {
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, invalidIDToken("parse: %v", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, invalidIDToken("expected one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	keys, err := c.verificationKeys(ctx, md.JWKSURI, kid)
	if err != nil {
		return nil, err
	}
	var payload []byte
	for _, k := range keys {
		pub, ok := k.Key.(*rsa.PublicKey)
		if !ok {
			continue
		}
		if payload, err = jws.Verify(pub); err == nil {
			break
		}
		payload = nil
	}
	if payload == nil {
		return nil, invalidIDToken("signature does not verify with any key of the issuer (kid %q)", kid)
	}

	var cl idClaims
	if err := claimjson.Unmarshal(payload, &cl); err != nil {
		return nil, invalidIDToken("claims: %v", err)
	}
	now := c.cfg.Now()
	switch {
	case cl.Iss != c.cfg.Issuer:
		return nil, invalidIDToken("iss %q is not the configured issuer", cl.Iss)
	case !slices.Contains(cl.Aud, c.cfg.ClientID):
		return nil, invalidIDToken("aud does not contain the client id")
	case len(cl.Aud) > 1 && cl.Azp == "":
		// §3.1.3.7 #4-5: with several audiences the authorized party must be us.
		return nil, invalidIDToken("azp missing with multiple audiences")
	case cl.Azp != "" && cl.Azp != c.cfg.ClientID:
		return nil, invalidIDToken("azp is not the client id")
	case cl.Exp == nil:
		return nil, invalidIDToken("exp missing")
	case !now.Before(unixTime(*cl.Exp).Add(clockLeeway)):
		return nil, invalidIDToken("expired")
	case cl.Iat == nil:
		return nil, invalidIDToken("iat missing")
	case unixTime(*cl.Iat).After(now.Add(clockLeeway)):
		return nil, invalidIDToken("iat is in the future")
	case cl.Sub == "":
		return nil, invalidIDToken("sub missing")
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(cl.Nonce), []byte(nonce)) != 1 {
		return nil, ErrNonceMismatch
	}
	if !slices.Contains(c.cfg.AllowedACR, cl.ACR) {
		return nil, fmt.Errorf("%w: %q", ErrACRNotAllowed, cl.ACR)
	}
	if !representation.ValidPID(cl.PID) {
		// The value stays out of the message: errors end up in logs.
		return nil, invalidIDToken("pid missing or not a valid fødselsnummer")
	}
	id := &Identity{
		Subject: cl.Sub, PID: cl.PID, ACR: cl.ACR, AMR: cl.AMR,
		SID: cl.SID, Locale: cl.Locale, IDToken: raw,
	}
	if cl.AuthTime != nil {
		id.AuthTime = unixTime(*cl.AuthTime)
	}
	return id, nil
}

// unixTime converts a NumericDate (RFC 7519 §2), which may be fractional.
func unixTime(v float64) time.Time {
	sec, frac := math.Modf(v)
	return time.Unix(int64(sec), int64(frac*1e9))
}
