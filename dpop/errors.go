package dpop

import "errors"

// Error codes (RFC 9449 §5, §7.1, §8, §12.2).
const (
	// CodeInvalidProof: the DPoP proof is missing, malformed or fails a
	// rule of §4.3.
	CodeInvalidProof = "invalid_dpop_proof"
	// CodeUseNonce: the proof must carry the server's current nonce,
	// which is sent in the DPoP-Nonce header (§8, §9).
	CodeUseNonce = "use_dpop_nonce"
	// CodeInvalidToken: at a resource, a DPoP-bound token presented
	// without the DPoP scheme or a proof by its key (§7.1).
	CodeInvalidToken = "invalid_token"
)

// Error is a refused proof. Description is for the client's developer
// and never holds the proof or a token. Nonce, when set, is the nonce to
// send in the DPoP-Nonce header with the refusal.
type Error struct {
	Code        string
	Description string
	Nonce       string
	cause       error
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.cause }

func invalid(desc string) *Error { return &Error{Code: CodeInvalidProof, Description: desc} }

func invalidCause(desc string, err error) *Error {
	return &Error{Code: CodeInvalidProof, Description: desc, cause: err}
}

// AsError returns err as an *Error; a non-dpop error (storage trouble)
// gives false.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
