package sessionstore

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/oidcp/oidcp/storage"
)

// ErrEnded reports that a session was ended (logout elsewhere, expiry, the
// citizen ending it from "Aktive innlogginger") while this request held it,
// so its changes were not saved. The cookie has been cleared.
var ErrEnded = errors.New("sessionstore: session has ended")

// Store is a gorilla/sessions Store for one tenant's login sessions, kept in
// the database. It is safe for concurrent use.
type Store struct {
	be    Backend
	opts  Options
	codec *securecookie.SecureCookie
}

// Interface guard.
var _ sessions.Store = (*Store)(nil)

// New returns a Store over be. It panics if opts fail Validate: that is a
// wiring mistake cmd/oidcp should have caught.
func New(be Backend, opts Options) *Store {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	opts = opts.withDefaults()
	maxAge := int(math.Ceil(opts.AbsoluteTimeout.Seconds()))
	return &Store{be: be, opts: opts, codec: newCodec(opts.HashKey, maxAge)}
}

// Get returns the request's session named name, cached for the request by
// gorilla's registry.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session the request's cookie names, or returns a new empty
// one (IsNew) when there is none or it cannot be used: bad signature,
// unknown, another tenant's, ended, or expired. Expired sessions are ended
// in storage on the way. A usable session has its LastSeenAt touched, at
// most once per TouchEvery. The error is non-nil only when storage fails;
// the session is never nil.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := s.fresh(name)
	id := s.readID(r, name)
	if id == "" {
		return sess, nil
	}
	ctx := r.Context()
	rec, err := s.be.GetSession(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return sess, nil
	}
	if err != nil {
		return sess, fmt.Errorf("load session: %w", err)
	}
	// Ids are unique across tenants, so a match means the cookie was
	// minted by another tenant's store (same key, same name). Leave that
	// session alone: it is not this tenant's to end or touch.
	if rec.Tenant != s.opts.Tenant || rec.EndedAt != nil {
		return sess, nil
	}
	now := s.now()
	if end, expired := s.expiry(rec, now); expired {
		if err := s.be.EndSession(ctx, id, end); err != nil && !isGone(err) {
			return sess, fmt.Errorf("end expired session: %w", err)
		}
		return sess, nil
	}
	vals, up, err := decodeValues(rec.Values)
	if err != nil {
		// Unreadable Values (e.g. a type no longer gob-registered). End it
		// so that the next request starts clean instead of failing again.
		if endErr := s.be.EndSession(ctx, id, now); endErr != nil && !isGone(endErr) {
			err = errors.Join(err, endErr)
		}
		return sess, err
	}
	if now.Sub(rec.LastSeenAt) >= s.opts.TouchEvery {
		switch err := s.be.TouchSession(ctx, id, now); {
		case isGone(err):
			return sess, nil // ended since we read it
		case err != nil:
			return sess, fmt.Errorf("touch session: %w", err)
		}
		rec.LastSeenAt = now
	}
	st := stateOf(sess)
	for k, v := range vals {
		sess.Values[k] = v
	}
	st.stored, st.rec, st.up = true, rec, up
	sess.ID = id
	sess.IsNew = false
	return sess, nil
}

// Save writes the session's Values and its cookie. A new session gets an id
// and a record here. Options.MaxAge < 0 logs out: the session is ended in
// storage and the cookie deleted. If the session was ended meanwhile, Save
// returns ErrEnded rather than bring it back.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	if sess.Options == nil {
		sess.Options = s.sessionOptions()
	}
	if sess.Options.MaxAge < 0 {
		return s.end(r, w, sess)
	}
	st := stateOf(sess)
	blob, err := encodeValues(sess.Values, st.up)
	if err != nil {
		return err
	}
	now := s.now()
	if !st.stored {
		rec := s.newRecord(newID(), now)
		rec.Values = blob
		if err := s.be.CreateSession(r.Context(), rec); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		st.stored, st.rec = true, rec
		sess.ID, sess.IsNew = rec.ID, false
		return s.writeCookie(w, sess)
	}
	var updated storage.LoginSession
	err = s.be.UpdateSession(r.Context(), sess.ID, func(old storage.LoginSession) (storage.LoginSession, error) {
		if old.EndedAt != nil || old.Tenant != s.opts.Tenant {
			return old, storage.ErrInactive
		}
		old.Values = blob
		if now.After(old.LastSeenAt) {
			old.LastSeenAt = now
		}
		updated = old
		return old, nil
	})
	if isGone(err) {
		s.forget(w, sess)
		return ErrEnded
	}
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	st.rec = updated
	return s.writeCookie(w, sess)
}

// ID returns the session's id, the key of its storage.LoginSession; "" for
// a new session until it is first saved. It changes on SetLogin.
func (s *Store) ID(sess *sessions.Session) string {
	if !stateOf(sess).stored {
		return ""
	}
	return sess.ID
}

// Expired reports whether a stored session can no longer be used at now
// under this store's timeouts, for callers that list sessions themselves
// (e.g. "Aktive innlogginger").
func (s *Store) Expired(rec storage.LoginSession, now time.Time) bool {
	return s.opts.Expired(rec, now)
}

// Expired is Store.Expired under these options' timeouts (defaults for
// zero ones), for callers that list sessions without a Store of the
// tenant at hand (the account package).
func (o Options) Expired(rec storage.LoginSession, now time.Time) bool {
	if rec.EndedAt != nil {
		return true
	}
	_, expired := o.withDefaults().expiry(rec, now)
	return expired
}

func (s *Store) expiry(rec storage.LoginSession, now time.Time) (time.Time, bool) {
	return s.opts.expiry(rec, now)
}

// expiry applies the idle and absolute timeouts: idle-expired when now is
// after LastSeenAt+Idle, absolutely expired from ExpiresAt on (or from
// CreatedAt+Absolute, should the configured timeout have been shortened
// since the session began). It returns the instant the session expired.
func (o Options) expiry(rec storage.LoginSession, now time.Time) (time.Time, bool) {
	abs := rec.CreatedAt.Add(o.AbsoluteTimeout)
	if !rec.ExpiresAt.IsZero() && rec.ExpiresAt.Before(abs) {
		abs = rec.ExpiresAt
	}
	idle := rec.LastSeenAt.Add(o.IdleTimeout)
	end := idle
	if abs.Before(end) {
		end = abs
	}
	expired := now.After(idle) || !now.Before(abs)
	return end, expired
}

// fresh is a new, unsaved session.
func (s *Store) fresh(name string) *sessions.Session {
	sess := sessions.NewSession(s, name)
	sess.Options = s.sessionOptions()
	sess.IsNew = true
	stateOf(sess)
	return sess
}

// newRecord is an empty record for a session starting at now.
func (s *Store) newRecord(id string, now time.Time) storage.LoginSession {
	return storage.LoginSession{
		ID:         id,
		Tenant:     s.opts.Tenant,
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(s.opts.AbsoluteTimeout),
	}
}

// isGone reports the backend errors that mean "no usable session".
func isGone(err error) bool {
	return errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrInactive)
}

// now is the clock at the storage backends' resolution. PostgreSQL keeps
// timestamps to the microsecond, so a nanosecond "now" compared with a
// LastSeenAt read back from storage would move the timeout boundaries by
// up to 999ns; truncating keeps "exactly 30 minutes" exact.
func (s *Store) now() time.Time {
	return s.opts.Now().UTC().Truncate(time.Microsecond)
}
