package upstream

import (
	"errors"
	"fmt"
)

// Sentinel errors for errors.Is. Each marks a check that failed on the
// authorization response or the ID token.
var (
	// ErrStateMismatch: the callback's state is not the one Start made
	// (login CSRF or a stale tab).
	ErrStateMismatch = errors.New("upstream: state mismatch")
	// ErrIssuerMismatch: the callback's iss is not the configured issuer,
	// or is missing though the issuer advertises it (RFC 9207 §2.4).
	ErrIssuerMismatch = errors.New("upstream: issuer mismatch in authorization response")
	// ErrNonceMismatch: the ID token's nonce is not the one Start made
	// (replayed or injected token, OIDC Core §3.1.3.7 #11).
	ErrNonceMismatch = errors.New("upstream: nonce mismatch")
	// ErrInvalidIDToken: signature, issuer, audience, times or required
	// claims are wrong; the wrapped message says which.
	ErrInvalidIDToken = errors.New("upstream: invalid ID token")
	// ErrACRNotAllowed: the authentication level is not in AllowedACR.
	ErrACRNotAllowed = errors.New("upstream: acr not allowed")
	// ErrNoEndSession: the issuer advertises no end_session_endpoint.
	ErrNoEndSession = errors.New("upstream: issuer has no end_session_endpoint")
)

// CallbackError is an error the upstream returned in the authorization
// response (RFC 6749 §4.1.2.1), e.g. access_denied when the person cancels.
type CallbackError struct {
	Code        string
	Description string
}

func (e *CallbackError) Error() string {
	if e.Description == "" {
		return "upstream: authorization error " + e.Code
	}
	return fmt.Sprintf("upstream: authorization error %s: %s", e.Code, e.Description)
}

// TokenError is an error response from the token or PAR endpoint
// (RFC 6749 §5.2, RFC 9126 §2.3), e.g. invalid_grant.
type TokenError struct {
	Endpoint    string // "token" or "par"
	Status      int
	Code        string
	Description string
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("upstream: %s endpoint returned %d %s: %s", e.Endpoint, e.Status, e.Code, e.Description)
}

func invalidIDToken(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidIDToken, fmt.Sprintf(format, args...))
}
