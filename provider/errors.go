package provider

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/oautherr"
)

// protocolError is the one place where an error from fosite, storage or
// our handlers becomes a protocol error value (oautherr), which each
// channel then writes: JSON, bearer challenge, redirect, page.
func protocolError(err error) *oautherr.Error {
	var oe *oautherr.Error
	if errors.As(err, &oe) {
		return oe
	}
	if unavailable(err) {
		// Not an unknown client nor a failed login (unavailable.go).
		return oautherr.Unavailable.Wrap(err)
	}
	rfc := fosite.ErrorToRFC6749Error(standardError(err))
	e := &oautherr.Error{Code: rfc.ErrorField, Description: rfc.GetDescription(), Detail: rfc.HintField, Status: rfc.CodeField}
	var ra retryAfter
	if errors.As(err, &ra) {
		e.RetryAfter, e.Page = time.Duration(ra), "too_many"
	}
	return e.Wrap(err)
}

// authorizePageError is what a person sees when an authorization
// request fails before its redirect URI is known to be registered.
func authorizePageError(err error) *oautherr.Error {
	e := protocolError(err)
	switch {
	case e.Status >= 500 || e.Page != "":
		// First: a 503's cause may be fosite's invalid_client.
	case errors.Is(err, fosite.ErrInvalidClient) || errors.Is(err, fosite.ErrNotFound):
		e = e.WithPage("unknown_client")
	case e.Code == fosite.ErrInvalidRequest.ErrorField && strings.Contains(strings.ToLower(e.Detail), "redirect"):
		e = e.WithPage("bad_redirect")
	}
	return e
}

// writeJSONError is the JSON channel for any error (RFC 6749 §5.2).
func writeJSONError(w http.ResponseWriter, err error) { oautherr.WriteJSON(w, protocolError(err)) }
