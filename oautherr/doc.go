// Package oautherr holds oidcp's protocol errors as values, and writes
// them in the one place per channel: JSON (RFC 6749 §5.2), a bearer
// challenge (RFC 6750 §3), and the parameters of an error redirect
// (RFC 6749 §4.1.2.1). The person-facing page is the fourth channel; it
// is rendered by the provider from the same value (its Page key names
// the message in the page catalogue), as zitadel/oidc's pkg/oidc/error.go
// and pkg/op/error.go split the error from its rendering.
//
// An Error carries the OAuth error code, an English description for the
// tool's developer, the HTTP status, what the person is told, and the
// cause (for the log, never for the client). oautherr knows no fosite
// type: the provider's fosite adapter converts fosite's errors once.
package oautherr
