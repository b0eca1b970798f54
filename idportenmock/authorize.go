package idportenmock

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/oidcp/oidcp/representation"
)

// authorize is the authorization endpoint (RFC 6749 §4.1.1, OIDC Core
// §3.1.2). A request_uri from /par replaces all other parameters (RFC 9126
// §4); otherwise the parameters are validated here.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, "Ugyldig forespørsel.")
		return
	}
	q := r.Form
	var req authRequest
	if uri := q.Get("request_uri"); uri != "" {
		value, isOurs := strings.CutPrefix(uri, requestURIPrefix)
		pushed, jti, exp, ok := unseal[authRequest](s, sealPAR, value)
		// §4: client_id must be present and the same as in the pushed request.
		ok = ok && isOurs && q.Get("client_id") != "" && q.Get("client_id") == pushed.ClientID
		if ok {
			// One use (§4's SHOULD): the first use marks it.
			first, err := mark(r.Context(), s, kindPARUsed, jti, true, markerExpiry(exp))
			if err != nil {
				s.unavailablePage(w, r, err)
				return
			}
			ok = first
		}
		if !ok {
			s.errorPage(w, http.StatusBadRequest, "Innloggingsforespørselen er ukjent eller utløpt. Gå tilbake til tjenesten og prøv igjen.")
			return
		}
		req = pushed
	} else {
		var oerr *oauthError
		req, oerr = s.parseAuthRequest(q)
		if oerr != nil {
			if !oerr.redirectable {
				s.errorPage(w, http.StatusBadRequest, "Tjenesten sendte en ugyldig innloggingsforespørsel ("+oerr.Description+").")
				return
			}
			s.redirectError(w, r, req, oerr)
			return
		}
	}

	if pid, acr, isTestID := parseTestIDHint(req.LoginHint); isTestID {
		if !representation.ValidPID(pid) {
			s.redirectError(w, r, req, redirectable(errInvalidRequest, "login_hint testid: is not a valid fødselsnummer"))
			return
		}
		if !s.acceptable(pid) {
			s.redirectError(w, r, req, redirectable(errInvalidRequest, "login_hint testid: is not a synthetic fødselsnummer; the mock accepts only synthetic test numbers (month + 40 or + 80) and D-numbers derived from them"))
			return
		}
		// Like ID-porten's test login, the hint decides the level even when
		// acr_values asked for more; the relying party must check acr.
		s.completeLogin(w, r, req, pid, acr, "TestID")
		return
	}
	if slices.Contains(strings.Fields(req.Prompt), "none") {
		// There is no SSO session to reuse (OIDC Core §3.1.2.6).
		s.redirectError(w, r, req, redirectable(errLoginRequired, "the mock keeps no session; interactive login required"))
		return
	}
	id := randomString(32)
	csrf := randomString(32)
	now := s.now()
	if err := save(r.Context(), s, kindPending, id, pendingLogin{Req: req, CSRF: csrf}, now.Add(pendingLifetime)); err != nil {
		s.unavailablePage(w, r, err)
		return
	}
	http.SetCookie(w, s.csrfCookie(id, csrf, int(pendingLifetime.Seconds())))
	s.renderLogin(w, http.StatusOK, loginView{ID: id, CSRF: csrf, Req: req})
}

// parseTestIDHint recognises ID-porten's headless test login hint:
// "testid:<pid>" or "testid:<pid>_idporten-loa-high".
func parseTestIDHint(hint string) (pid, acr string, ok bool) {
	rest, ok := strings.CutPrefix(hint, "testid:")
	if !ok {
		return "", "", false
	}
	if p, high := strings.CutSuffix(rest, "_"+ACRHigh); high {
		return p, ACRHigh, true
	}
	return rest, ACRSubstantial, true
}

// completeLogin issues a one-time code for an authenticated person and
// sends the browser back with code, state and iss (RFC 6749 §4.1.2,
// RFC 9207 §2).
func (s *Server) completeLogin(w http.ResponseWriter, r *http.Request, req authRequest, pid, acr, amr string) {
	now := s.now()
	auth := authentication{PID: pid, ACR: acr, AMR: []string{amr}, AuthTime: now, SID: randomString(16)}
	// The code carries what /token needs; the rest stays out of it (and
	// out of the URL it travels in).
	kept := req
	kept.State, kept.LoginHint, kept.Prompt = "", "", ""
	code, _, err := seal(s, sealCode, codeGrant{Req: kept, Auth: auth}, now.Add(codeLifetime))
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Innloggingen kunne ikke fullføres. Prøv igjen.")
		return
	}
	s.log.Info("idportenmock: login", "client_id", req.ClientID, "acr", acr, "amr", amr)
	s.redirect(w, r, req.RedirectURI, url.Values{"code": {code}, "state": {req.State}, "iss": {s.issuer}})
}
