package idportenmock

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"github.com/oidcp/oidcp/representation"
)

// Login methods offered on the page; each becomes the amr value (the
// page shows ID-porten's names for them, methodNames).
var loginMethods = []string{"TestID", "BankID", "Minid-PIN"}

// login handles the login page's form. The POST is bound to its pending
// authorization by the hidden id, and to the browser that loaded the page
// by a double-submitted anti-forgery token (hidden field and cookie).
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, "Ugyldig skjema.")
		return
	}
	f := r.PostForm
	id := f.Get("auth_id")
	pending, ok, err := load[pendingLogin](r.Context(), s, kindPending, id)
	if err != nil {
		s.unavailablePage(w, r, err)
		return
	}
	if !ok {
		s.errorPage(w, http.StatusBadRequest, "Innloggingen er utløpt. Gå tilbake til tjenesten og prøv igjen.")
		return
	}
	cookie, err := r.Cookie(csrfCookieName(id))
	if err != nil ||
		subtle.ConstantTimeCompare([]byte(f.Get("csrf")), []byte(pending.CSRF)) != 1 ||
		subtle.ConstantTimeCompare([]byte(cookie.Value), []byte(pending.CSRF)) != 1 {
		s.errorPage(w, http.StatusForbidden, "Skjemaet kunne ikke bekreftes. Gå tilbake til tjenesten og prøv igjen.")
		return
	}
	view := loginView{ID: id, CSRF: pending.CSRF, Req: pending.Req,
		Manual: strings.TrimSpace(f.Get("pid_manual")), ACR: f.Get("acr"), AMR: f.Get("amr")}

	if f.Get("action") == "cancel" {
		if done, err := s.finishPending(w, r, id); err != nil {
			s.unavailablePage(w, r, err)
			return
		} else if !done {
			s.errorPage(w, http.StatusBadRequest, "Innloggingen er allerede fullført.")
			return
		}
		// OIDC Core §3.1.2.6: the person refused.
		s.redirectError(w, r, pending.Req, redirectable(errAccessDenied, "the person cancelled the login"))
		return
	}
	pid := f.Get("pid")
	if f.Get("action") == "manual" || pid == "" {
		pid = view.Manual
	}
	if !representation.ValidPID(pid) {
		view.Error = text(pending.Req.Locale, "err_invalid", pid)
		if pid == "" {
			view.Error = text(pending.Req.Locale, "err_empty")
		}
		s.renderLogin(w, http.StatusBadRequest, view)
		return
	}
	if !s.acceptable(pid) {
		// The number is not repeated: it may be a real person's.
		view.Error = text(pending.Req.Locale, "err_not_synthetic")
		s.renderLogin(w, http.StatusBadRequest, view)
		return
	}
	acr := ACRSubstantial
	if pending.Req.WantHigh || f.Get("acr") == ACRHigh {
		acr = ACRHigh
	}
	amr := f.Get("amr")
	if !slices.Contains(loginMethods, amr) {
		amr = loginMethods[0]
	}
	if done, err := s.finishPending(w, r, id); err != nil {
		s.unavailablePage(w, r, err)
		return
	} else if !done {
		s.errorPage(w, http.StatusBadRequest, "Innloggingen er allerede fullført.")
		return
	}
	s.completeLogin(w, r, pending.Req, pid, acr, amr)
}

// finishPending makes the pending authorization single-use; false means
// a concurrent POST already completed it.
func (s *Server) finishPending(w http.ResponseWriter, r *http.Request, id string) (bool, error) {
	_, ok, err := claim[pendingLogin](r.Context(), s, kindPending, id)
	if err != nil {
		return false, err
	}
	http.SetCookie(w, s.csrfCookie(id, "", -1))
	return ok, nil
}
