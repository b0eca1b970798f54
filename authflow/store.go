package authflow

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// Purpose is the storage purpose of flow records. It is the one the
// login flow has always used, so a flow started before an upgrade is
// still found after it.
const Purpose = "login"

// ErrExpired is returned by Take for a flow that is unknown,
// used, of another tenant, expired, or not at the expected step: to the
// person all of these are "the login expired, start again". For a flow
// at another step the error also matches ErrWrongStep, and Take leaves
// the flow in place.
var ErrExpired = errors.New("authflow: no such flow in progress")

// Options configure a Store.
type Options struct {
	Tenant string
	// Key signs the step verifiers.
	Key []byte
	// Lifespan is how long a flow waits at a step.
	Lifespan time.Duration
	// Cookie names the flow cookie; Path and Secure scope it.
	Cookie string
	Path   string
	Secure bool
	Now    func() time.Time
}

// Store keeps one tenant's flows in the storage contract's FlowStore and
// binds them to the browser with one cookie.
type Store struct {
	flows storage.FlowStore
	o     Options
}

// NewStore returns a Store over flows.
func NewStore(flows storage.FlowStore, o Options) *Store {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{flows: flows, o: o}
}

// Save persists f at its current Step, under its ID (a new random one if
// it has none), waiting at most Lifespan from now. The flow must have
// been taken (Take) before it is saved again.
func (s *Store) Save(ctx context.Context, f *Flow) error {
	if f.ID == "" {
		f.ID = randomID()
	}
	now := s.o.Now()
	if f.CreatedAt.IsZero() {
		f.CreatedAt = now
	}
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("authflow: encode: %w", err)
	}
	return s.flows.CreateFlow(ctx, storage.Flow{
		ID: f.ID, Tenant: s.o.Tenant, Purpose: Purpose, Data: data,
		CreatedAt: f.CreatedAt, ExpiresAt: now.Add(s.o.Lifespan),
	})
}

// Take reads and deletes the flow id at step: each step is completed
// once (of two concurrent requests, one gets ErrExpired). A flow that
// waits at another step is put back untouched, so a stale request (a
// reloaded callback while the chooser is open) cannot end it.
func (s *Store) Take(ctx context.Context, id string, step Step) (*Flow, error) {
	rec, err := s.flows.TakeFlow(ctx, id, Purpose)
	f, derr := s.decode(rec, err, step)
	if errors.Is(derr, ErrWrongStep) {
		if perr := s.flows.CreateFlow(ctx, rec); perr != nil {
			return nil, fmt.Errorf("authflow: put back a flow at another step: %w", perr)
		}
	}
	return f, derr
}

func (s *Store) decode(rec storage.Flow, err error, step Step) (*Flow, error) {
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrExpired
	}
	if err != nil {
		return nil, err
	}
	var f Flow
	if rec.Tenant != s.o.Tenant || !rec.ExpiresAt.After(s.o.Now()) || json.Unmarshal(rec.Data, &f) != nil {
		return nil, ErrExpired
	}
	if f.Step != step {
		// Both: to the person the login expired; the caller may keep
		// the cookie of a flow that lives on at its own step.
		return nil, fmt.Errorf("%w: %w at %q, not %q", ErrExpired, ErrWrongStep, f.Step, step)
	}
	f.ID, f.CreatedAt = rec.ID, rec.CreatedAt
	return &f, nil
}

// Verifier is the value a form that completes f's current step carries:
// bound to the flow, the step and the login session it was shown to.
func (s *Store) Verifier(f *Flow, sessionID string) string {
	return s.verifier(f.ID, f.Step, sessionID)
}

// Verify checks a form's verifier for flow id at step in login session
// sessionID, in constant time.
func (s *Store) Verify(id string, step Step, sessionID, got string) bool {
	return hmac.Equal([]byte(got), []byte(s.verifier(id, step, sessionID)))
}

func (s *Store) verifier(id string, step Step, sessionID string) string {
	m := hmac.New(sha256.New, s.o.Key)
	for _, p := range []string{"authflow-step", s.o.Tenant, id, string(step), sessionID} {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// SetCookie binds flow id to the browser: HttpOnly, SameSite=Lax (the
// upstream's callback is a top-level GET from another site), scoped to
// the tenant's path, for the flow's lifespan.
func (s *Store) SetCookie(w http.ResponseWriter, id string) {
	s.cookie(w, id, int(s.o.Lifespan.Seconds()))
}

// ClearCookie removes the flow cookie.
func (s *Store) ClearCookie(w http.ResponseWriter) { s.cookie(w, "", -1) }

// CookieID is the flow id the browser carries, "" if none.
func (s *Store) CookieID(r *http.Request) string {
	c, err := r.Cookie(s.o.Cookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// CookieMatches reports whether the browser carries exactly flow id,
// in constant time.
func (s *Store) CookieMatches(r *http.Request, id string) bool {
	got := s.CookieID(r)
	return id != "" && got != "" && hmac.Equal([]byte(got), []byte(id))
}

func (s *Store) cookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: s.o.Cookie, Value: value, Path: s.o.Path, MaxAge: maxAge,
		HttpOnly: true, Secure: s.o.Secure, SameSite: http.SameSiteLaxMode,
	})
}

func randomID() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
