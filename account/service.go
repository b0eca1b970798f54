package account

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/backchannel"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/sessionstore"
	"github.com/oidcp/oidcp/storage"
)

// Store is the slice of the storage contract the Service uses.
type Store interface {
	BeginTx(ctx context.Context) (context.Context, error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error

	AppendEvent(ctx context.Context, e storage.Event) (int64, error)
	ListEvents(ctx context.Context, f storage.EventFilter) ([]storage.Event, error)
	DeleteEventsBefore(ctx context.Context, tenant string, before time.Time) (int64, error)

	GetPersons(ctx context.Context, registry string, pids []string) ([]storage.Person, error)
	GetClient(ctx context.Context, tenant, id string) (storage.Client, error)
	GetGrant(ctx context.Context, tenant, id string) (storage.Grant, error)

	ListSessions(ctx context.Context, tenant, subject string) ([]storage.LoginSession, error)
	EndSession(ctx context.Context, id string, at time.Time) error
	RevokeBySession(ctx context.Context, tenant, sessionID string) (int64, error)
}

var _ Store = storage.Storage(nil)

// LogoutNotifier queues the back-channel logout of the clients signed in
// to an ended login session chain, joining the context's transaction so
// that the notification commits with the session's end or not at all.
// backchannel.Enqueuer implements it.
type LogoutNotifier interface {
	SessionEnded(ctx context.Context, tenant, pid, chainID string, clientIDs []string, reason string) error
}

var _ LogoutNotifier = (*backchannel.Enqueuer)(nil)

// EndedByAccount is the reason the usage log gives for a session the
// person ended from "Aktive innlogginger" (audit.SessionEnded, TokenRevoked).
const EndedByAccount = "account"

// DefaultRetention is how long the usage log is kept when a tenant does
// not say: five years.
const DefaultRetention = 5 * 365 * 24 * time.Hour

// Options configure a Service.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Registries names the registry each tenant reads (persons' names in
	// the lists); a tenant without one shows ids without names.
	Registries map[string]string
	// SessionIdle and SessionAbsolute are the login sessions' timeouts,
	// as the session store applies them (sessionstore defaults for zero).
	SessionIdle, SessionAbsolute time.Duration
	// Logouts queues back-channel logouts when a session ends; optional.
	Logouts LogoutNotifier
}

// Service is what a person may see and stop: their usage log, their
// login sessions and the grants given for them.
type Service struct {
	store   Store
	consent *consent.Service
	opts    Options
	timeout sessionstore.Options
}

// New returns a Service on store; grants are listed and revoked through
// consent, so that a withdrawal runs its revocation cascade.
func New(store Store, consent *consent.Service, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{store: store, consent: consent, opts: o,
		timeout: sessionstore.Options{IdleTimeout: o.SessionIdle, AbsoluteTimeout: o.SessionAbsolute}}
}

func (s *Service) now() time.Time { return s.opts.Now().UTC() }

// check rejects a Viewer that names nobody, or another person without
// the relation that lets the viewer act for them (Self would take it
// for the person themself).
func (v Viewer) check() error {
	if v.Tenant == "" || v.Person == "" || v.Subject == "" {
		return fmt.Errorf("%w: the viewer names no tenant or person", ErrInvalid)
	}
	if v.Subject != v.Person && v.Relation == "" {
		return fmt.Errorf("%w: the viewer acts for another person without a relation", ErrInvalid)
	}
	return nil
}

// WhoSelf is EventQuery.Who for the subject's own use.
const WhoSelf = "self"

// Events returns a page of the subject's usage log, newest first: every
// event the subject acted in or that was done for them. A representative
// with limited access (Viewer.Limited) sees only what they did for the
// subject themself: the subject's own use is theirs alone.
func (s *Service) Events(ctx context.Context, v Viewer, q EventQuery) (EventPage, error) {
	if err := v.check(); err != nil {
		return EventPage{}, err
	}
	limit := q.Limit
	switch {
	case limit < 0:
		return EventPage{}, fmt.Errorf("%w: a negative page size", ErrInvalid)
	case limit == 0:
		limit = DefaultPageSize
	case limit > MaxPageSize:
		limit = MaxPageSize
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Since.Before(q.Until) {
		return EventPage{}, fmt.Errorf("%w: the period ends before it starts", ErrInvalid)
	}
	f := storage.EventFilter{Tenant: v.Tenant, Person: v.Subject, ClientID: q.ClientID,
		Since: q.Since, Until: q.Until, Limit: limit + 1}
	if !v.Self() {
		// A representative sees what was done for the person they
		// represent, not what that person did for someone else: that is
		// a third person's business.
		f.Person, f.Subject = "", v.Subject
	}
	switch q.Who {
	case "":
	case WhoSelf:
		f.Actor = v.Subject
	default:
		if !representation.ValidPID(q.Who) {
			return EventPage{}, fmt.Errorf("%w: who is neither %q nor a person's number", ErrInvalid, WhoSelf)
		}
		f.Actor = q.Who
	}
	if v.limited() {
		if f.Actor != "" && f.Actor != v.Person {
			// Somebody else's use (the subject's own included): none of
			// it is shown to a limited representative.
			return EventPage{Events: []Event{}}, nil
		}
		f.Actor = v.Person
	}
	if q.Cursor != "" {
		id, err := decodeCursor(q.Cursor)
		if err != nil {
			return EventPage{}, err
		}
		f.AfterID = id
	}
	es, err := s.store.ListEvents(ctx, f)
	if err != nil {
		return EventPage{}, fmt.Errorf("account: events: %w", err)
	}
	page := EventPage{Events: make([]Event, 0, min(len(es), limit))}
	if len(es) > limit {
		es = es[:limit]
		page.Next = encodeCursor(es[limit-1].ID)
	}
	n := s.namer(v.Tenant)
	vias := make([]string, len(es)) // read once from each event's detail
	for i, e := range es {
		vias[i] = viaOf(e)
		n.person(e.Actor)
		n.person(e.Subject)
		n.client(e.ClientID)
		n.client(vias[i])
	}
	if err := n.resolve(ctx); err != nil {
		return EventPage{}, err
	}
	grants := map[string]storage.Grant{}
	for i, e := range es {
		rel, err := s.relationOf(ctx, e, grants)
		if err != nil {
			return EventPage{}, err
		}
		page.Events = append(page.Events, Event{
			ID: strconv.FormatInt(e.ID, 10), Time: e.Time.UTC(), Kind: e.Kind,
			Client: n.clientParty(e.ClientID), Subject: n.personParty(e.Subject), Actor: n.personParty(e.Actor),
			Relation: rel, SelfUse: e.Actor != "" && e.Actor == e.Subject,
		})
		if via := vias[i]; via != "" {
			p := n.clientParty(via)
			page.Events[len(page.Events)-1].Via = &p
		}
	}
	return page, nil
}

// viaOf is the portal a hand-off event names, "" for any other event.
func viaOf(e storage.Event) string {
	if e.Kind != audit.HandoffIssued {
		return ""
	}
	return detailString(e.Detail, "portal_client_id")
}

// relationOf says how an event's actor was related to its subject: the
// relation the event recorded (consent, representation chosen or ended),
// else that of the grant it was done under, when that grant was given by
// the same actor for the same subject. Empty for the subject's own use
// and when nothing recorded it.
func (s *Service) relationOf(ctx context.Context, e storage.Event, grants map[string]storage.Grant) (string, error) {
	if e.Actor == "" || e.Actor == e.Subject {
		return "", nil
	}
	if rel := detailString(e.Detail, "relation"); rel != "" {
		return rel, nil
	}
	if e.GrantID == "" {
		return "", nil
	}
	g, ok := grants[e.GrantID]
	if !ok {
		var err error
		g, err = s.store.GetGrant(ctx, e.Tenant, e.GrantID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return "", fmt.Errorf("account: grant of an event: %w", err)
		}
		grants[e.GrantID] = g
	}
	if g.Actor == e.Actor && g.Subject == e.Subject {
		return g.Relation, nil
	}
	return "", nil
}

// Events' cursors: base64url of this prefix and the last id shown.
const cursorPrefix = "ev1:"

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), cursorPrefix); ok {
			id, err := strconv.ParseInt(rest, 10, 64)
			if err == nil && id > 0 && encodeCursor(id) == c {
				return id, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: the cursor is not one this service gave", ErrInvalid)
}

// Prune deletes a tenant's usage-log events older than before (the
// tenant's retention) and returns how many.
func (s *Service) Prune(ctx context.Context, tenant string, before time.Time) (int64, error) {
	if tenant == "" || before.IsZero() {
		return 0, fmt.Errorf("%w: prune needs a tenant and a time", ErrInvalid)
	}
	n, err := s.store.DeleteEventsBefore(ctx, tenant, before)
	if err != nil {
		return 0, fmt.Errorf("account: prune usage log of %s: %w", tenant, err)
	}
	return n, nil
}

// sessionHandlePrefix separates session handles from any other hash of
// a session id.
const sessionHandlePrefix = "oidcp account session handle\x00"

// sessionHandle is Session.ID: a name for a session that does not reveal
// its id (the id is what the session cookie carries, so it must never be
// shown, not even to the person). 128 bits of SHA-256, base64url.
func sessionHandle(id string) string {
	sum := sha256.Sum256([]byte(sessionHandlePrefix + id))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// activeSessions returns the viewer's own live login sessions, newest first.
func (s *Service) activeSessions(ctx context.Context, v Viewer) ([]storage.LoginSession, error) {
	recs, err := s.store.ListSessions(ctx, v.Tenant, v.Person)
	if err != nil {
		return nil, fmt.Errorf("account: sessions: %w", err)
	}
	now := s.now()
	out := recs[:0]
	for _, rec := range recs {
		if rec.Tenant != v.Tenant || rec.Subject != v.Person || s.timeout.Expired(rec, now) {
			continue
		}
		out = append(out, rec)
	}
	return out, nil
}

// Sessions returns the logged-in person's own active login sessions,
// newest first. A representative sees their own: a session belongs to
// the person who logged in. Device is in bokmål; callers showing another
// language use DeviceName(UserAgent, lang).
func (s *Service) Sessions(ctx context.Context, v Viewer) ([]Session, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	recs, err := s.activeSessions(ctx, v)
	if err != nil {
		return nil, err
	}
	n := s.namer(v.Tenant)
	n.person(v.Person)
	for _, rec := range recs {
		for _, c := range rec.Clients {
			n.client(c)
		}
	}
	if err := n.resolve(ctx); err != nil {
		return nil, err
	}
	out := make([]Session, 0, len(recs))
	for _, rec := range recs {
		cs := make([]Party, 0, len(rec.Clients))
		for _, c := range rec.Clients {
			cs = append(cs, n.clientParty(c))
		}
		out = append(out, Session{
			ID: sessionHandle(rec.ID), Device: DeviceName(rec.UserAgent, "nb"), UserAgent: rec.UserAgent,
			CreatedAt: rec.CreatedAt.UTC(), LastSeenAt: rec.LastSeenAt.UTC(), Clients: cs,
			Subject: n.personParty(v.Person), Actor: n.personParty(v.Person),
			Current: v.SessionChain != "" && sessionstore.ChainID(rec) == v.SessionChain,
		})
	}
	return out, nil
}

// EndSession ends one of the viewer's own sessions, named by its handle
// (Session.ID): the session ends, the tokens of its chain are revoked,
// the clients signed in to it are queued a back-channel logout, and the
// usage log records it, in one transaction. ErrNotFound when the viewer
// has no such active session.
func (s *Service) EndSession(ctx context.Context, v Viewer, id string) error {
	if err := v.check(); err != nil {
		return err
	}
	recs, err := s.activeSessions(ctx, v)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if sessionHandle(rec.ID) == id {
			n, err := s.endSessions(ctx, v, []storage.LoginSession{rec})
			if err == nil && n == 0 {
				err = ErrNotFound // ended meanwhile
			}
			return err
		}
	}
	return ErrNotFound
}

// EndAllSessions ends every active session of the viewer, the current
// one included, as EndSession does, in one transaction, and returns how
// many it ended.
func (s *Service) EndAllSessions(ctx context.Context, v Viewer) (int, error) {
	if err := v.check(); err != nil {
		return 0, err
	}
	recs, err := s.activeSessions(ctx, v)
	if err != nil || len(recs) == 0 {
		return 0, err
	}
	return s.endSessions(ctx, v, recs)
}

// endSessions ends recs in one transaction; one that another request
// ended meanwhile is skipped. It returns how many it ended.
func (s *Service) endSessions(ctx context.Context, v Viewer, recs []storage.LoginSession) (int, error) {
	now := s.now()
	ended := 0
	err := storage.InTx(ctx, s.store, func(tx context.Context) error {
		for _, rec := range recs {
			err := s.endSession(tx, v, rec, now)
			if errors.Is(err, storage.ErrInactive) || errors.Is(err, storage.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			ended++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("account: end sessions: %w", err)
	}
	return ended, nil
}

// endSession ends one session inside the transaction tx. The store's
// ErrInactive or ErrNotFound comes back unwrapped-comparable when the
// session had already ended.
func (s *Service) endSession(tx context.Context, v Viewer, rec storage.LoginSession, now time.Time) error {
	if err := s.store.EndSession(tx, rec.ID, now); err != nil {
		return fmt.Errorf("account: end session: %w", err)
	}
	chain := sessionstore.ChainID(rec)
	n, err := s.store.RevokeBySession(tx, v.Tenant, chain)
	if err != nil {
		return fmt.Errorf("account: revoke the session's tokens: %w", err)
	}
	if s.opts.Logouts != nil && len(rec.Clients) > 0 {
		if err := s.opts.Logouts.SessionEnded(tx, v.Tenant, rec.Subject, chain, rec.Clients, backchannel.ReasonLogout); err != nil {
			return fmt.Errorf("account: queue back-channel logout: %w", err)
		}
	}
	e := audit.Event{Tenant: v.Tenant, Kind: audit.SessionEnded, Actor: v.Person, Subject: rec.Subject,
		ClientID: v.ClientID, SessionID: chain, Detail: map[string]any{"reason": EndedByAccount, "tokens_revoked": n}}
	if err := audit.Record(tx, s.store, now, e); err != nil {
		return err
	}
	if n > 0 {
		e.Kind, e.Detail = audit.TokenRevoked, map[string]any{"reason": EndedByAccount, "count": n}
		if err := audit.Record(tx, s.store, now, e); err != nil {
			return err
		}
	}
	return nil
}

// Grants returns the active grants given for the subject, newest first;
// to a representative with limited access only those they gave.
func (s *Service) Grants(ctx context.Context, v Viewer) ([]Grant, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	if s.consent == nil {
		return nil, errors.New("account: no consent service")
	}
	gs, err := s.consent.List(ctx, storage.GrantFilter{Tenant: v.Tenant, Subject: v.Subject, ActiveOnly: true})
	if err != nil {
		return nil, fmt.Errorf("account: grants: %w", err)
	}
	now := s.now()
	live := gs[:0]
	for _, g := range gs {
		if g.RevokedAt == nil && !expired(g, now) && (!v.limited() || g.Actor == v.Person) {
			live = append(live, g)
		}
	}
	n := s.namer(v.Tenant)
	for _, g := range live {
		n.client(g.ClientID)
		n.person(g.Subject)
		n.person(g.Actor)
	}
	if err := n.resolve(ctx); err != nil {
		return nil, err
	}
	out := make([]Grant, 0, len(live))
	for _, g := range live {
		actor := g.Actor
		if actor == "" {
			actor = g.Subject // given by the subject themself
		}
		c := n.clients[g.ClientID]
		out = append(out, Grant{
			ID: g.ID, Client: n.clientParty(g.ClientID), Vendor: c.Vendor, LogoURI: c.LogoURI,
			Scopes: g.Scopes, Subject: n.personParty(g.Subject), Actor: n.personParty(actor), Relation: g.Relation,
			CreatedAt: g.CreatedAt.UTC(), ExpiresAt: g.ExpiresAt.UTC(),
		})
	}
	return out, nil
}

func expired(g storage.Grant, now time.Time) bool {
	return !g.ExpiresAt.IsZero() && !now.Before(g.ExpiresAt)
}

// RevokeGrant withdraws an active grant given for the subject, running
// consent's revocation cascade (its tokens, back-channel logout, usage
// log). ErrNotFound when there is no such active grant for the subject
// (another person's included, and for a representative with limited
// access one they did not give themself, which they cannot see either);
// ErrForbidden when the viewer's relation may not withdraw (an ordinary
// power of attorney).
func (s *Service) RevokeGrant(ctx context.Context, v Viewer, id string) error {
	if err := v.check(); err != nil {
		return err
	}
	if id == "" {
		return ErrNotFound
	}
	g, err := s.store.GetGrant(ctx, v.Tenant, id)
	if errors.Is(err, storage.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("account: grant: %w", err)
	}
	if g.Tenant != v.Tenant || g.Subject != v.Subject || g.RevokedAt != nil || expired(g, s.now()) {
		return ErrNotFound
	}
	if v.limited() && g.Actor != v.Person {
		return ErrNotFound
	}
	if !v.MayWithdraw() {
		return ErrForbidden
	}
	if s.consent == nil {
		return errors.New("account: no consent service")
	}
	by := consent.RevokedByCitizen
	if !v.Self() {
		by = consent.RevokedByRepresentative
	}
	_, err = s.consent.Revoke(ctx, v.Tenant, id, storage.Revocation{By: by, Actor: v.Person})
	if errors.Is(err, storage.ErrInactive) || errors.Is(err, storage.ErrNotFound) {
		return ErrNotFound // revoked meanwhile
	}
	return err
}
