package idportenmock

import (
	"net/http"
	"net/url"
	"slices"
)

// endSession is RP-initiated logout (OIDC RP-Initiated Logout 1.0 §2-3).
// The post_logout_redirect_uri is honoured only when it is registered for
// the client named by id_token_hint's aud (or client_id); otherwise the
// browser gets an error page, never a redirect. A valid hint revokes the
// login's access tokens; a hint that does not verify is ignored when
// client_id is given.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, "Ugyldig forespørsel.")
		return
	}
	q := r.Form
	clientID := q.Get("client_id")
	var sid string // revoked only once the request is accepted
	if hint := q.Get("id_token_hint"); hint != "" {
		c, err := s.parseOwnIDToken(hint)
		switch {
		case err != nil && clientID == "":
			s.errorPage(w, http.StatusBadRequest, "Utloggingsforespørselen har et ugyldig id_token_hint.")
			return
		case err != nil:
			// Signed with another key (a mock without a persisted key
			// makes a new one each start): the client_id still names the
			// client, and its registered URIs still bound the redirect,
			// so logout keeps working in dev.
		case clientID != "" && clientID != c.Aud:
			s.errorPage(w, http.StatusBadRequest, "client_id stemmer ikke med id_token_hint.")
			return
		default:
			clientID, sid = c.Aud, c.SID
		}
	}
	target := q.Get("post_logout_redirect_uri")
	if target == "" {
		if err := s.logout(r, sid, clientID); err != nil {
			s.unavailablePage(w, r, err)
			return
		}
		s.messagePage(w, http.StatusOK, "Du er logget ut", "Du er nå logget ut av ID-porten (testmiljø).")
		return
	}
	c, ok := s.clients[clientID]
	if !ok || !slices.Contains(c.PostLogoutRedirectURIs, target) {
		s.errorPage(w, http.StatusBadRequest, "Adressen for retur etter utlogging er ikke registrert for tjenesten.")
		return
	}
	if err := s.logout(r, sid, clientID); err != nil {
		s.unavailablePage(w, r, err)
		return
	}
	v := url.Values{}
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	s.redirect(w, r, target, v)
}

// logout ends the login sid: its access tokens stop working at
// userinfo (an access token lives at most accessTokenLifetime, so the
// mark need not outlive that).
func (s *Server) logout(r *http.Request, sid, clientID string) error {
	if sid != "" {
		if err := save(r.Context(), s, kindEnded, sid, true, s.now().Add(accessTokenLifetime)); err != nil {
			return err
		}
	}
	s.log.Info("idportenmock: logout", "client_id", clientID)
	return nil
}
