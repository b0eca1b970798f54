package clients

import (
	"errors"
	"fmt"
)

// Error kinds a FieldError unwraps to. Their text is the RFC 7591 §3.2.2
// error code, so a registration endpoint can answer with err.Error() of
// the kind.
var (
	// ErrInvalidRedirectURI: a redirect or post-logout redirect URI is not
	// acceptable.
	ErrInvalidRedirectURI = errors.New("invalid_redirect_uri")
	// ErrInvalidMetadata: any other field is not acceptable.
	ErrInvalidMetadata = errors.New("invalid_client_metadata")
)

// FieldError is one rejected field: Field is the RFC 7591 metadata name
// (e.g. "redirect_uris"), Reason says what is wrong and how to fix it.
type FieldError struct {
	Field  string
	Reason string
	kind   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Unwrap returns ErrInvalidRedirectURI or ErrInvalidMetadata.
func (e *FieldError) Unwrap() error { return e.kind }

func metadataErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...), kind: ErrInvalidMetadata}
}

func redirectErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...), kind: ErrInvalidRedirectURI}
}

// Fields returns the field names of every FieldError in err (which may
// be an errors.Join of several), in order.
func Fields(err error) []string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if fe, ok := e.(*FieldError); ok {
			out = append(out, fe.Field)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		walk(errors.Unwrap(e))
	}
	walk(err)
	return out
}
