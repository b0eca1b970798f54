package dpop

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// ProofHeader returns the request's DPoP header: "" when there is none,
// an error when there is more than one (RFC 9449 §4.3 check 1).
func ProofHeader(h http.Header) (string, error) {
	vs := h.Values("DPoP")
	switch {
	case len(vs) == 0:
		return "", nil
	case len(vs) > 1 || strings.Contains(vs[0], ","):
		return "", invalid("Send exactly one DPoP header with one proof.")
	}
	return strings.TrimSpace(vs[0]), nil
}

// AuthorizationToken splits the Authorization header into its scheme,
// lower-cased ("bearer", "dpop"), and the token; both are "" without one.
func AuthorizationToken(r *http.Request) (scheme, token string) { return splitAuthorization(r.Header) }

func splitAuthorization(h http.Header) (scheme, token string) {
	s, t, ok := strings.Cut(h.Get("Authorization"), " ")
	if !ok {
		return "", ""
	}
	return strings.ToLower(s), strings.TrimSpace(t)
}

// VerifyRequest is the check a resource server makes of a request that
// presents accessToken, a token bound to the key whose thumbprint is jkt
// (the token's cnf.jkt, from introspection or the JWT): the token must
// come with the DPoP scheme (RFC 9449 §7.1), and the request must carry a
// valid proof by that key for this method and URL whose ath is the
// token's hash. The proof's jti is then used up.
//
// Resource servers behind a proxy set Options.Origin, so the URL is the
// one the client sent the request to. A refusal is an *Error for
// Challenge; any other error is a failure of the replay store.
func (v *Verifier) VerifyRequest(r *http.Request, accessToken, jkt string) error {
	return v.VerifyHeader(r.Context(), r.Header, r.Method, v.requestURL(r), accessToken, jkt)
}

// VerifyHeader is VerifyRequest for a server that knows the URL the
// request was sent to better than the request does (a path prefix a
// proxy removed): h are the request's headers, url its URL.
func (v *Verifier) VerifyHeader(ctx context.Context, h http.Header, method, url, accessToken, jkt string) error {
	if jkt == "" {
		return errors.New("dpop: the jkt the token is bound to is required")
	}
	if scheme, _ := splitAuthorization(h); scheme != "dpop" {
		return &Error{Code: CodeInvalidToken, Description: "The access token is DPoP-bound: send it as Authorization: DPoP <token> with a DPoP proof (RFC 9449 section 7.1)."}
	}
	proof, err := ProofHeader(h)
	if err != nil {
		return err
	}
	if proof == "" {
		return &Error{Code: CodeInvalidToken, Description: "The access token is DPoP-bound: the request needs a DPoP header with a proof by the token's key.", Nonce: v.Nonce()}
	}
	_, err = v.Verify(ctx, Check{Proof: proof, Method: method, URL: url, AccessToken: accessToken, JKT: jkt})
	return err
}

// requestURL is the URL the client sent r to, without the query.
func (v *Verifier) requestURL(r *http.Request) string {
	origin := v.o.Origin
	if origin == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		origin = scheme + "://" + r.Host
	}
	return strings.TrimRight(origin, "/") + r.URL.EscapedPath()
}

// Challenge is the WWW-Authenticate value of a refused resource request
// (RFC 9449 §7.1): the DPoP scheme with the error, its description and
// the accepted algorithms. For a refused proof the error is
// invalid_dpop_proof or use_dpop_nonce; for anything else invalid_token.
func (v *Verifier) Challenge(err error) string {
	code, desc := CodeInvalidToken, "The access token is invalid."
	if e, ok := AsError(err); ok {
		code, desc = e.Code, e.Description
	}
	return `DPoP error="` + quote(code) + `", error_description="` + quote(desc) + `", algs="` + strings.Join(v.o.Algs, " ") + `"`
}

// quote keeps a value inside an auth-param's quoted string.
func quote(s string) string { return strings.NewReplacer(`"`, `'`, `\`, `/`).Replace(s) }
