package sessionstore

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// newID returns a fresh session id: 32 random bytes, base64url without
// padding (256 bits, well above the 64 bits OWASP asks of session ids).
func newID() string {
	b := make([]byte, 32)
	// crypto/rand.Read never returns an error (Go 1.24+); it crashes the
	// program instead of handing out a guessable id.
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newCodec signs (no encryption: the id is not secret from its own holder)
// the cookie value. securecookie also stamps the time and refuses cookies
// older than maxAge seconds by the wall clock; a valid session's cookie is
// never older than the absolute timeout, so that is the limit.
func newCodec(hashKey []byte, maxAge int) *securecookie.SecureCookie {
	return securecookie.New(hashKey, nil).
		SetSerializer(securecookie.NopEncoder{}).
		MaxAge(maxAge)
}

// readID returns the session id the request's cookie carries, or "" when
// there is none or it fails verification (tampered, other key, too old).
// The cookie name is part of the signed input, so a cookie cannot be moved
// to another name either.
func (s *Store) readID(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	var id []byte
	if err := s.codec.Decode(name, c.Value, &id); err != nil {
		return ""
	}
	return string(id)
}

// writeCookie sets the session's cookie to its signed id.
func (s *Store) writeCookie(w http.ResponseWriter, sess *sessions.Session) error {
	v, err := s.codec.Encode(sess.Name(), []byte(sess.ID))
	if err != nil {
		return err
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), v, sess.Options))
	return nil
}

// deleteCookie tells the browser to drop the session cookie.
func (s *Store) deleteCookie(w http.ResponseWriter, sess *sessions.Session) {
	opts := *sess.Options
	opts.MaxAge = -1
	http.SetCookie(w, sessions.NewCookie(sess.Name(), "", &opts))
}

// sessionOptions are the cookie attributes of every session: HttpOnly so
// scripts cannot read the id, SameSite=Lax, Secure under https, scoped to
// the tenant's path. MaxAge 0 makes it a browser-session cookie; the server
// enforces the real lifetime.
func (s *Store) sessionOptions() *sessions.Options {
	return &sessions.Options{
		Path:     s.opts.Path,
		MaxAge:   0,
		Secure:   s.opts.Secure,
		HttpOnly: true,
		SameSite: cookieSameSite,
	}
}
