package sessionstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/gorilla/sessions"

	"github.com/oidcp/oidcp/storage"
)

// Login is who is logged in to a session and how (OpenID Connect Core 1.0
// §2: auth_time, acr, amr), plus what logging out upstream needs.
type Login struct {
	// Subject is the person's pid (fødselsnummer or d-nummer).
	Subject string
	ACR     string
	AMR     []string
	// AuthTime is when the person authenticated at the upstream.
	AuthTime time.Time
	// UpstreamSID and UpstreamIDToken are the upstream eID's sid and id
	// token, for RP-initiated logout there (id_token_hint).
	UpstreamSID     string
	UpstreamIDToken string
	// Locale is the ui_locales choice the person made at login.
	Locale string
	// ChainID names the browser's chain of login sessions of this person:
	// the id of the first session of the chain. A new login of the same
	// person in the same browser (prompt=login, max_age, step-up) rotates
	// the session id but keeps the chain, so everything bound to the chain
	// (the provider's tokens and sid claims) is reached by ending the
	// newest session. A login of another person starts a new chain. Set
	// by the store; SetLogin ignores it.
	ChainID string
}

// maxUserAgent bounds the User-Agent kept per session; it is shown to the
// citizen to tell devices apart, not evidence, and the header is the
// client's to make as long as it likes.
const maxUserAgent = 512

// Login returns the session's login, and false when nobody is logged in.
func (s *Store) Login(sess *sessions.Session) (*Login, bool) {
	st := stateOf(sess)
	if !st.stored || st.rec.Subject == "" {
		return nil, false
	}
	return &Login{
		Subject:         st.rec.Subject,
		ACR:             st.rec.ACR,
		AMR:             slices.Clone(st.rec.AMR),
		AuthTime:        st.rec.AuthTime,
		UpstreamSID:     st.up.SID,
		UpstreamIDToken: st.up.IDToken,
		Locale:          st.up.Locale,
		ChainID:         chainOf(st.rec.ID, st.up),
	}, true
}

// chainOf is the chain of the session id with upstream fields up.
func chainOf(id string, up upstream) string {
	if up.Chain != "" {
		return up.Chain
	}
	return id
}

// ChainID returns Login.ChainID of a stored session, for callers that list
// sessions themselves (e.g. "Aktive innlogginger": ending one of them must
// reach the tokens of its whole chain). A record whose Values cannot be
// read is its own chain.
func ChainID(rec storage.LoginSession) string {
	_, up, err := decodeValues(rec.Values)
	if err != nil {
		return rec.ID
	}
	return chainOf(rec.ID, up)
}

// SetLogin records a login in the session and saves it under a new id: the
// old id is ended in storage first (so a failure leaves no session rather
// than a fixable one), then a new record is created and the cookie
// rewritten. Renewing the id on login defeats session fixation (OWASP
// Session Management Cheat Sheet). The new record starts its own idle and
// absolute timeouts, since the person has just authenticated.
//
// Values are kept when the session was anonymous or the same person logs in
// again (step-up), and so are the signed-in clients; when a different person
// logs in on a browser that held someone else's session, both are dropped so
// nothing of the first person carries over. The same person's new session
// stays in the old one's chain (Login.ChainID); any other login starts a
// new chain. Revoking the tokens of a chain whose person was replaced is
// the provider's.
func (s *Store) SetLogin(r *http.Request, w http.ResponseWriter, sess *sessions.Session, l Login) error {
	if l.Subject == "" {
		return errors.New("sessionstore: login without subject")
	}
	now := s.now()
	if l.AuthTime.IsZero() {
		l.AuthTime = now
	}
	if sess.Options == nil {
		sess.Options = s.sessionOptions()
	}
	st := stateOf(sess)
	ctx := r.Context()
	var clients []string
	chain := ""
	if st.stored {
		if err := s.be.EndSession(ctx, sess.ID, now); err != nil && !isGone(err) {
			return fmt.Errorf("end pre-login session: %w", err)
		}
		if st.rec.Subject == l.Subject {
			chain = chainOf(st.rec.ID, st.up)
		}
		if st.rec.Subject == "" || st.rec.Subject == l.Subject {
			clients = st.rec.Clients
		} else {
			clear(sess.Values)
			sess.Values[stateKey{}] = st
		}
	}
	rec := s.newRecord(newID(), now)
	if chain == "" {
		chain = rec.ID
	}
	up := upstream{SID: l.UpstreamSID, IDToken: l.UpstreamIDToken, Locale: l.Locale, Chain: chain}
	blob, err := encodeValues(sess.Values, up)
	if err != nil {
		return err
	}
	rec.Subject = l.Subject
	rec.AuthTime = l.AuthTime
	rec.ACR = l.ACR
	rec.AMR = slices.Clone(l.AMR)
	rec.UserAgent = truncateUTF8(r.UserAgent(), maxUserAgent)
	rec.Clients = slices.Clone(clients)
	rec.Values = blob
	if err := s.be.CreateSession(ctx, rec); err != nil {
		// The old id is already ended; leave the session new so nothing
		// refers to it.
		*st = state{}
		sess.ID, sess.IsNew = "", true
		return fmt.Errorf("create login session: %w", err)
	}
	st.stored, st.rec, st.up = true, rec, up
	sess.ID, sess.IsNew = rec.ID, false
	sess.Options.MaxAge = 0
	return s.writeCookie(w, sess)
}

// AddClient records that clientID was signed in through this session, for
// single sign-on and for front/back-channel logout (OpenID Connect
// Back-Channel Logout 1.0 §2). The session must have been saved. The
// clients as last read are the storage's expected value, so a session
// created or read earlier in the same request costs one statement; a
// client already among them costs none. ErrEnded if the session ended
// meanwhile, unless clientID was already among them: then nothing is
// recorded, so nothing is read either.
func (s *Store) AddClient(ctx context.Context, sess *sessions.Session, clientID string) error {
	st := stateOf(sess)
	if !st.stored {
		return errors.New("sessionstore: add client to an unsaved session")
	}
	clients, err := s.be.AddSessionClient(ctx, s.opts.Tenant, sess.ID, st.rec.Clients, clientID)
	if isGone(err) {
		return ErrEnded
	}
	if err != nil {
		return fmt.Errorf("add client to session: %w", err)
	}
	st.rec.Clients = clients
	return nil
}

// Clients returns the clients signed in through the session, as last read.
func (s *Store) Clients(sess *sessions.Session) []string {
	return slices.Clone(stateOf(sess).rec.Clients)
}

// End logs out: the session is ended in storage (if it was ever saved), its
// Values are dropped and the cookie is deleted. Ending a session that has
// already ended is not an error.
func (s *Store) End(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	if sess.Options == nil {
		sess.Options = s.sessionOptions()
	}
	return s.end(r, w, sess)
}

// end is End and Save with MaxAge < 0.
func (s *Store) end(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	st := stateOf(sess)
	if st.stored {
		if err := s.be.EndSession(r.Context(), sess.ID, s.now()); err != nil && !isGone(err) {
			return fmt.Errorf("end session: %w", err)
		}
	}
	s.forget(w, sess)
	return nil
}

// forget turns sess into a new, empty session whose cookie is deleted;
// MaxAge stays -1 so a later registry Save does not bring it back.
func (s *Store) forget(w http.ResponseWriter, sess *sessions.Session) {
	st := stateOf(sess)
	*st = state{}
	clear(sess.Values)
	sess.Values[stateKey{}] = st
	sess.ID, sess.IsNew = "", true
	sess.Options.MaxAge = -1
	s.deleteCookie(w, sess)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
