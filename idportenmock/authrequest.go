package idportenmock

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// parseAuthRequest validates authorization request parameters, whether they
// arrive at /authorize or at /par. Errors before the client and redirect_uri
// are known good are fatal (shown, never redirected: RFC 6749 §4.1.2.1);
// later ones are redirectable.
func (s *Server) parseAuthRequest(q url.Values) (authRequest, *oauthError) {
	req := authRequest{
		ClientID:    q.Get("client_id"),
		RedirectURI: q.Get("redirect_uri"),
		State:       q.Get("state"),
		Nonce:       q.Get("nonce"),
		Scope:       q.Get("scope"),
		LoginHint:   q.Get("login_hint"),
		Prompt:      q.Get("prompt"),
		Locale:      pickLocale(q.Get("ui_locales")),
	}
	c, ok := s.clients[req.ClientID]
	if !ok {
		return req, fatal(errInvalidClient, "unknown client_id")
	}
	// Exact string match, no normalisation (OAuth 2.0 Security BCP §4.1.3).
	if req.RedirectURI == "" || !slices.Contains(c.RedirectURIs, req.RedirectURI) {
		return req, fatal(errInvalidRequest, "redirect_uri is not registered for this client")
	}
	if q.Get("request") != "" {
		return req, redirectable("request_not_supported", "request objects are not supported")
	}
	if q.Get("response_type") != "code" {
		return req, redirectable(errUnsupportedResponseType, "response_type must be code")
	}
	if rm := q.Get("response_mode"); rm != "" && rm != "query" {
		return req, redirectable(errInvalidRequest, "only response_mode=query is supported")
	}
	if !slices.Contains(strings.Fields(req.Scope), "openid") {
		return req, redirectable(errInvalidScope, "scope must include openid")
	}
	// ID-porten requires state, nonce and PKCE S256.
	if req.State == "" {
		return req, redirectable(errInvalidRequest, "state is required")
	}
	if req.Nonce == "" {
		return req, redirectable(errInvalidRequest, "nonce is required")
	}
	req.CodeChallenge = q.Get("code_challenge")
	if req.CodeChallenge == "" || q.Get("code_challenge_method") != "S256" {
		return req, redirectable(errInvalidRequest, "PKCE with code_challenge_method=S256 is required")
	}
	// RFC 7636 §4.2: S256 challenge is 43 base64url characters.
	if len(req.CodeChallenge) != 43 {
		return req, redirectable(errInvalidRequest, "code_challenge must be a base64url SHA-256 hash")
	}
	for _, a := range strings.Fields(q.Get("acr_values")) {
		switch a {
		case ACRHigh:
			req.WantHigh = true
		case ACRSubstantial:
		default:
			return req, redirectable(errInvalidRequest, "unsupported acr_values")
		}
	}
	for _, p := range strings.Fields(req.Prompt) {
		if !slices.Contains([]string{"none", "login", "consent", "select_account"}, p) {
			return req, redirectable(errInvalidRequest, "unsupported prompt")
		}
	}
	if ma := q.Get("max_age"); ma != "" {
		// Every login here is fresh, so any max_age is satisfied; it only
		// has to be well-formed.
		if n, err := strconv.Atoi(ma); err != nil || n < 0 {
			return req, redirectable(errInvalidRequest, "max_age must be a non-negative integer")
		}
	}
	return req, nil
}

// pickLocale returns the first of nb, nn, en in ui_locales (OIDC Core
// §3.1.2.1: a space-separated preference list), defaulting to nb.
func pickLocale(uiLocales string) string {
	for _, l := range strings.Fields(uiLocales) {
		switch strings.ToLower(l) {
		case "nb", "nb-no", "no":
			return "nb"
		case "nn", "nn-no":
			return "nn"
		case "en", "en-gb", "en-us":
			return "en"
		}
	}
	return "nb"
}
