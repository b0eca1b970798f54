package idportenmock

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/claimjson"
)

// pairwiseSub is the subject one client sees for one person (OIDC Core §8.1):
// base64url(HMAC-SHA256(salt, client_id|pid)). The salt is random per
// server, so subjects change when the mock restarts, as test data may.
func (s *Server) pairwiseSub(clientID, pid string) string {
	m := hmac.New(sha256.New, s.salt)
	m.Write([]byte(clientID + "|" + pid))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// idTokenClaims are ID-porten's ID token claims.
type idTokenClaims struct {
	Iss      string   `json:"iss"`
	Aud      string   `json:"aud"`
	Sub      string   `json:"sub"`
	PID      string   `json:"pid"`
	ACR      string   `json:"acr"`
	AMR      []string `json:"amr"`
	AuthTime int64    `json:"auth_time"`
	SID      string   `json:"sid"`
	Locale   string   `json:"locale"`
	Nonce    string   `json:"nonce"`
	JTI      string   `json:"jti"`
	IAT      int64    `json:"iat"`
	EXP      int64    `json:"exp"`
}

// signIDToken builds and signs the ID token (OIDC Core §2) with RS256.
func (s *Server) signIDToken(clientID, sub string, req authRequest, a authentication, now time.Time) (string, error) {
	c := idTokenClaims{
		Iss: s.issuer, Aud: clientID, Sub: sub, PID: a.PID, ACR: a.ACR, AMR: a.AMR,
		AuthTime: a.AuthTime.Unix(), SID: a.SID, Locale: req.Locale, Nonce: req.Nonce,
		JTI: randomString(16), IAT: now.Unix(), EXP: now.Add(idTokenLifetime).Unix(),
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: s.key, KeyID: s.kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// parseOwnIDToken verifies an ID token this server signed; expiry is not
// checked, since an id_token_hint at logout is usually expired (OIDC
// RP-Initiated Logout §2).
func (s *Server) parseOwnIDToken(raw string) (idTokenClaims, error) {
	var c idTokenClaims
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return c, err
	}
	payload, err := jws.Verify(&s.key.PublicKey)
	if err != nil {
		return c, err
	}
	if err := claimjson.Unmarshal(payload, &c); err != nil {
		return c, fmt.Errorf("claims: %w", err)
	}
	if c.Iss != s.issuer {
		return c, errors.New("issued by another issuer")
	}
	return c, nil
}
