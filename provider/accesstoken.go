package provider

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/token/jwt"
)

// accessTokenFormatJWT is storage.Client.AccessTokenFormat for RFC 9068
// tokens; anything else means opaque.
const accessTokenFormatJWT = "jwt"

// accessTokenStrategy is fosite's CoreStrategy with the access token
// format chosen per client: an RFC 9068 JWT signed with the tenant's keys
// for clients registered with access_token_format jwt, the opaque HMAC
// token otherwise. Refresh tokens and codes are always HMAC.
//
// A JWT access token is stored by its signature like an opaque one, so
// introspection, userinfo, revocation and every grant revocation (refresh
// reuse, code reuse, relation ended, logout) treat both formats alike: a
// resource server that only checks the signature trusts the token until
// exp, one that introspects sees revocation at once.
type accessTokenStrategy struct {
	*oauth2.HMACSHAStrategy
	signer *joseSigner
	issuer string
	// alg signs JWT access tokens: RS256, or PS256 under FAPI 2.0.
	alg string
	// sealer seals client_credentials tokens (sealed.go).
	sealer *tokenSealer
}

// accessTokenAlg is the alg of t's JWT access tokens: RS256, which RFC
// 9068 §4 requires resource servers to support, except under the FAPI
// 2.0 profile, which refuses RS256 (§5.4.1).
func accessTokenAlg(t *tenant) string {
	if t.fapi2() {
		return "PS256"
	}
	return "RS256"
}

var _ oauth2.CoreStrategy = (*accessTokenStrategy)(nil)

// isJWT tells the formats apart by shape: a compact JWS has two dots, an
// HMAC token ("ory_at_<key>.<sig>") one.
func isJWT(token string) bool { return strings.Count(token, ".") == 2 }

// AccessTokenSignature is the key the token is stored under.
func (s *accessTokenStrategy) AccessTokenSignature(ctx context.Context, token string) string {
	if isSealed(token) {
		return sealedSigPrefix + strings.TrimPrefix(token, accessTokenPrefix)
	}
	if isJWT(token) {
		return token[strings.LastIndexByte(token, '.')+1:]
	}
	return s.HMACSHAStrategy.AccessTokenSignature(ctx, token)
}

// GenerateAccessToken issues the client's format.
func (s *accessTokenStrategy) GenerateAccessToken(ctx context.Context, r fosite.Requester) (string, string, error) {
	c, err := clientOf(r)
	if err == nil && c.AccessTokenFormat != accessTokenFormatJWT && s.sealer != nil && ctx.Value(issueOnlyKey{}) != nil {
		// client_credentials: the token is all the grant writes, so it
		// carries its record instead (sealed.go).
		return s.sealer.issue(c, r)
	}
	if err != nil || c.AccessTokenFormat != accessTokenFormatJWT {
		return s.HMACSHAStrategy.GenerateAccessToken(ctx, r)
	}
	sess, ok := r.GetSession().(*Session)
	if !ok {
		return "", "", errors.New("access token: unexpected session type")
	}
	claims := s.jwtClaims(c.ID, r, sess)
	// RFC 9068 §2.1: typ at+jwt, so the token cannot pass for an ID token.
	// The tenant's access token alg whatever the client's ID token alg:
	// resource servers, not the client, verify it (accessTokenAlg).
	header := &jwt.Headers{Extra: map[string]any{"typ": "at+jwt"}}
	return s.signer.Generate(withSigningAlg(ctx, s.alg), claims, header)
}

// jwtClaims are the RFC 9068 §2.2 claims. A person's token carries what
// userinfo returns for it (Session.UserinfoClaims, fixed at issuance by
// the scope and the client's category: pid only with scope pid, nothing
// identifying for a pseudonymous tool, the representation claim when
// acting for someone); a client_credentials token has the client as sub.
//
// iat and exp are on fosite's clock, the one that decided the session's
// expiry (fosite stamps it with time.Now), so the two always agree.
func (s *accessTokenStrategy) jwtClaims(clientID string, r fosite.Requester, sess *Session) jwt.MapClaims {
	claims := jwt.MapClaims{}
	if sess.PID != "" {
		for k, v := range sess.UserinfoClaims {
			claims[k] = v
		}
		for _, k := range []string{"acr", "amr"} {
			if empty(claims[k]) {
				delete(claims, k)
			}
		}
	}
	now := time.Now().UTC()
	exp := sess.GetExpiresAt(fosite.AccessToken)
	if exp.IsZero() {
		exp = now.Add(10 * time.Minute)
	}
	sub := sess.Subject
	if sub == "" {
		sub = clientID
	}
	aud := []string{clientID}
	for _, a := range r.GetGrantedAudience() {
		if a != clientID {
			aud = append(aud, a)
		}
	}
	if sess.Act != nil {
		// RFC 8693: an exchanged token is for its target alone; the
		// client that asked for it is in act and client_id.
		aud = append([]string(nil), r.GetGrantedAudience()...)
		claims["act"] = sess.Act
	}
	claims["iss"] = s.issuer
	claims["sub"] = sub
	claims["aud"] = aud
	claims["client_id"] = clientID
	claims["iat"] = now.Unix()
	claims["exp"] = exp.Unix()
	claims["jti"] = rand.Text()
	if scopes := r.GetGrantedScopes(); len(scopes) > 0 {
		claims["scope"] = strings.Join(scopes, " ")
	}
	if sess.CnfJKT != "" {
		claims["cnf"] = map[string]any{"jkt": sess.CnfJKT} // RFC 9449 §6.1
	}
	return claims
}

// ValidateAccessToken runs after the stored record was found active: a
// JWT must carry a valid signature by one of the tenant's published keys,
// and either format must not be past the session's expiry.
func (s *accessTokenStrategy) ValidateAccessToken(ctx context.Context, r fosite.Requester, token string) error {
	exp := r.GetSession().GetExpiresAt(fosite.AccessToken)
	switch {
	case isSealed(token):
		// Opened and authenticated when its record was read; what is
		// left is its expiry, which every sealed token has.
		if exp.IsZero() {
			return fosite.ErrTokenExpired.WithHint("The access token carries no expiry.")
		}
	case !isJWT(token):
		return s.HMACSHAStrategy.ValidateAccessToken(ctx, r, token)
	default:
		if _, err := s.signer.Decode(ctx, token); err != nil {
			var ve *jwt.ValidationError
			if asValidationError(err, &ve) && ve.Has(jwt.ValidationErrorExpired) {
				return fosite.ErrTokenExpired.WithWrap(err)
			}
			return fosite.ErrTokenSignatureMismatch.WithWrap(err)
		}
	}
	if !exp.IsZero() && exp.Before(time.Now().UTC()) {
		return fosite.ErrTokenExpired.WithHintf("Access token expired at '%s'.", exp)
	}
	return nil
}

// empty reports a claim not worth sending: absent, "" or an empty list
// (a list is []string when fresh, []any after a stored session is read).
func empty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []string:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return false
}
