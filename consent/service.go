package consent

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/storage"
)

// Usage-log event kinds of consent. The strings are stored; never change one.
const (
	EventGiven   = "consent_given"
	EventRefused = "consent_refused"
	EventRevoked = "consent_revoked"
)

// Store is the slice of the storage contract the Service uses.
type Store interface {
	BeginTx(ctx context.Context) (context.Context, error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
	CreateGrant(ctx context.Context, g storage.Grant) error
	GetGrant(ctx context.Context, tenant, id string) (storage.Grant, error)
	LockGrant(ctx context.Context, tenant, id string) (storage.Grant, error)
	ListGrants(ctx context.Context, f storage.GrantFilter) ([]storage.Grant, error)
	RevokeGrant(ctx context.Context, tenant, id string, r storage.Revocation) (storage.RevokedGrants, error)
	RevokeClientGrants(ctx context.Context, tenant, clientID string, r storage.Revocation) (storage.RevokedGrants, error)
	AppendEvent(ctx context.Context, e storage.Event) (int64, error)
}

// Notifier is told about every revocation inside its transaction (the
// back-channel logout outbox enqueues there, so the notification commits
// with the revocation or not at all). reason names the cause for the
// client (grant_revoked, client_disabled).
type Notifier interface {
	Revoked(ctx context.Context, tenant, clientID string, res storage.RevokedGrants, reason string) error
}

// RelationChecker says whether actor still may act for subject under the
// relation kind, now (the representation rules over the registry).
type RelationChecker interface {
	RelationHolds(ctx context.Context, tenant, actor, subject, relation string) (bool, error)
}

// ErrUnknownScope is returned by Grant for a data scope the tenant does
// not declare.
var ErrUnknownScope = errors.New("consent: not a data-exchange scope of the tenant")

// ErrRelationCannotConsent is returned by Grant for a representative
// whose relation kind may not consent on the data subject's behalf: an
// ordinary power of attorney (power_of_attorney) lets its holder act in
// named service areas but not give consent; an unknown kind, an actor
// without a relation or a relation without an actor.
var ErrRelationCannotConsent = errors.New("consent: this relation may not consent on the data subject's behalf")

// ErrRelationDoesNotHold is returned by Grant when the representative's
// relation to the data subject does not hold now (the registry and the
// representation rules).
var ErrRelationDoesNotHold = errors.New("consent: the representative's relation to the data subject does not hold")

// ConsentingRelations are the relation kinds whose holder may consent
// for the data subject ("" is the data subject themself).
var ConsentingRelations = []string{"", "parent", "assigned_power_of_attorney"}

// Options configure a Service.
type Options struct {
	// Catalogues are the data-exchange scopes of each tenant; a tenant
	// without one has none (every scope it knows is an identity scope).
	Catalogues map[string]*Catalogue
	// GrantTTL is how long a grant lasts; default one year.
	GrantTTL time.Duration
	Now      func() time.Time
	// Notifier, Relations: optional.
	Notifier  Notifier
	Relations RelationChecker
	// NewID makes grant ids; default random.
	NewID func() string
}

// Service gives, finds and revokes grants.
type Service struct {
	store Store
	opts  Options
}

// NewService returns a Service on store.
func NewService(store Store, o Options) *Service {
	if o.GrantTTL == 0 {
		o.GrantTTL = 365 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.NewID == nil {
		o.NewID = func() string { return "g_" + rand.Text() }
	}
	return &Service{store: store, opts: o}
}

// Catalogue returns a tenant's data-exchange scopes (nil when none).
func (s *Service) Catalogue(tenant string) *Catalogue { return s.opts.Catalogues[tenant] }

// DataScopes returns the data-exchange scopes among r's scopes.
func (s *Service) DataScopes(r Request) []string { return s.Catalogue(r.Tenant).DataScopes(r.Scopes) }

// Covers returns the active grant that covers r, newest first; ok is
// false when r needs a grant and none covers it. A request without
// data-exchange scopes needs none: ok with the zero grant. A grant given
// by a representative whose relation has ended is revoked here
// (relation_ended) and covers nothing.
func (s *Service) Covers(ctx context.Context, r Request) (g storage.Grant, ok bool, err error) {
	data := s.DataScopes(r)
	if len(data) == 0 {
		return storage.Grant{}, true, nil
	}
	gs, err := s.store.ListGrants(ctx, storage.GrantFilter{Tenant: r.Tenant, ClientID: r.ClientID, Subject: r.Subject, ActiveOnly: true})
	if err != nil {
		return storage.Grant{}, false, fmt.Errorf("consent: find grant: %w", err)
	}
	now := s.opts.Now()
	for _, g := range gs {
		if !Covers(g, r, data, now) {
			continue
		}
		if g.Actor != "" && s.opts.Relations != nil {
			holds, err := s.opts.Relations.RelationHolds(ctx, r.Tenant, g.Actor, g.Subject, g.Relation)
			if err != nil {
				return storage.Grant{}, false, fmt.Errorf("consent: check relation: %w", err)
			}
			if !holds {
				if _, err := s.Revoke(ctx, r.Tenant, g.ID, storage.Revocation{By: RevokedByRelationEnded}); err != nil && !errors.Is(err, storage.ErrInactive) {
					return storage.Grant{}, false, err
				}
				continue
			}
		}
		return g, true, nil
	}
	return storage.Grant{}, false, nil
}

// Grant records the data subject's (or their representative's) consent
// to r's data-exchange scopes and returns the new grant. Identity scopes
// are not part of a grant.
func (s *Service) Grant(ctx context.Context, r Request) (storage.Grant, error) {
	data := s.DataScopes(r)
	for _, sc := range r.Scopes {
		if !IsIdentityScope(sc) && !slices.Contains(data, sc) {
			return storage.Grant{}, fmt.Errorf("%w: %q", ErrUnknownScope, sc)
		}
	}
	if len(data) == 0 {
		return storage.Grant{}, fmt.Errorf("%w: no data-exchange scope requested", ErrUnknownScope)
	}
	if r.Tenant == "" || r.ClientID == "" || r.Subject == "" {
		return storage.Grant{}, errors.New("consent: a grant needs a tenant, a client and a data subject")
	}
	switch {
	case !slices.Contains(ConsentingRelations, r.Relation):
		return storage.Grant{}, fmt.Errorf("%w: relation %q (only parent and assigned_power_of_attorney may consent for another)", ErrRelationCannotConsent, r.Relation)
	case (r.Actor == "") != (r.Relation == ""):
		return storage.Grant{}, fmt.Errorf("%w: a representative (actor) and their relation come together", ErrRelationCannotConsent)
	case r.Actor != "" && r.Actor == r.Subject:
		return storage.Grant{}, fmt.Errorf("%w: the actor is the data subject", ErrRelationCannotConsent)
	}
	if r.Actor != "" && s.opts.Relations != nil {
		holds, err := s.opts.Relations.RelationHolds(ctx, r.Tenant, r.Actor, r.Subject, r.Relation)
		if err != nil {
			return storage.Grant{}, fmt.Errorf("consent: check relation: %w", err)
		}
		if !holds {
			return storage.Grant{}, fmt.Errorf("%w: no %s relation that allows consent now", ErrRelationDoesNotHold, r.Relation)
		}
	}
	now := s.opts.Now().UTC()
	g := storage.Grant{
		ID: s.opts.NewID(), Tenant: r.Tenant, ClientID: r.ClientID, Subject: r.Subject,
		Actor: r.Actor, Relation: r.Relation, Scopes: data,
		CreatedAt: now, ExpiresAt: now.Add(s.opts.GrantTTL),
	}
	if !r.NotAfter.IsZero() && r.NotAfter.Before(g.ExpiresAt) {
		g.ExpiresAt = r.NotAfter.UTC()
	}
	err := s.inTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateGrant(ctx, g); err != nil {
			return fmt.Errorf("consent: store grant: %w", err)
		}
		return s.event(ctx, now, audit.Event{
			Tenant: r.Tenant, Kind: EventGiven, Actor: actorOf(r), Subject: r.Subject, ClientID: r.ClientID, GrantID: g.ID,
			Detail: map[string]any{"scopes": data, "expires_at": g.ExpiresAt.Format(time.RFC3339), "relation": r.Relation},
		})
	})
	return g, err
}

// Refuse records that the data subject (or their representative) refused
// r's data-exchange scopes.
func (s *Service) Refuse(ctx context.Context, r Request) error {
	return s.event(ctx, s.opts.Now(), audit.Event{
		Tenant: r.Tenant, Kind: EventRefused, Actor: actorOf(r), Subject: r.Subject, ClientID: r.ClientID,
		Detail: map[string]any{"scopes": s.DataScopes(r)},
	})
}

// List returns grants f selects, newest first.
func (s *Service) List(ctx context.Context, f storage.GrantFilter) ([]storage.Grant, error) {
	return s.store.ListGrants(ctx, f)
}

// Revoke revokes one grant: the grant, every code and token issued under
// it, the notification and the usage-log entry commit together. rev.At
// defaults to now. ErrInactive if it was revoked already.
func (s *Service) Revoke(ctx context.Context, tenant, id string, rev storage.Revocation) (storage.RevokedGrants, error) {
	var res storage.RevokedGrants
	err := s.inTx(ctx, func(ctx context.Context) error {
		var err error
		res, err = s.RevokeInTx(ctx, tenant, id, rev)
		return err
	})
	return res, err
}

// RevokeInTx is Revoke for a caller whose ctx carries a storage
// transaction (storage.Tx) that it commits or rolls back: the grant, its
// codes and tokens, the notification and the usage-log entry join that
// transaction, so they land with the caller's own writes or not at all.
// (The provider revokes the grant of an ended relation this way, inside
// the transaction of the refused refresh.)
func (s *Service) RevokeInTx(ctx context.Context, tenant, id string, rev storage.Revocation) (storage.RevokedGrants, error) {
	if rev.At.IsZero() {
		rev.At = s.opts.Now().UTC()
	}
	res, err := s.store.RevokeGrant(ctx, tenant, id, rev)
	if err != nil {
		return res, fmt.Errorf("consent: revoke %s: %w", id, err)
	}
	g := res.Grants[0]
	if s.opts.Notifier != nil {
		if err := s.opts.Notifier.Revoked(ctx, tenant, g.ClientID, res, "grant_revoked"); err != nil {
			return res, fmt.Errorf("consent: notify: %w", err)
		}
	}
	return res, s.revokedEvent(ctx, rev, g, res.Tokens)
}

// RevokeClient revokes every grant and token of a client (the operator's
// kill-switch) in one transaction, with one usage-log entry per grant.
func (s *Service) RevokeClient(ctx context.Context, tenant, clientID string, rev storage.Revocation) (storage.RevokedGrants, error) {
	if rev.At.IsZero() {
		rev.At = s.opts.Now().UTC()
	}
	var res storage.RevokedGrants
	err := s.inTx(ctx, func(ctx context.Context) error {
		var err error
		res, err = s.store.RevokeClientGrants(ctx, tenant, clientID, rev)
		if err != nil {
			return fmt.Errorf("consent: revoke grants of %s: %w", clientID, err)
		}
		if s.opts.Notifier != nil {
			notice := "client_disabled"
			if rev.By == RevokedByVendor && rev.Reason != "" {
				notice = rev.Reason // vendor_reset, client_deleted
			}
			if err := s.opts.Notifier.Revoked(ctx, tenant, clientID, res, notice); err != nil {
				return fmt.Errorf("consent: notify: %w", err)
			}
		}
		for _, g := range res.Grants {
			if err := s.revokedEvent(ctx, rev, g, 0); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

func (s *Service) revokedEvent(ctx context.Context, rev storage.Revocation, g storage.Grant, tokens int64) error {
	d := map[string]any{"by": rev.By, "scopes": g.Scopes}
	if rev.Reason != "" {
		d["reason"] = rev.Reason
	}
	if tokens > 0 {
		d["tokens_revoked"] = tokens
	}
	// The actor of a revocation is a person's pid when a person did it;
	// an operator's name goes into the detail, not the pid column.
	actor := ""
	switch rev.By {
	case RevokedByCitizen, RevokedByRepresentative:
		actor = rev.Actor
	case RevokedByOperator:
		if rev.Actor != "" {
			d["operator"] = rev.Actor
		}
	case RevokedByVendor:
		if rev.Actor != "" {
			d["vendor"] = rev.Actor
		}
	}
	return s.event(ctx, rev.At, audit.Event{
		Tenant: g.Tenant, Kind: EventRevoked, Actor: actor, Subject: g.Subject, ClientID: g.ClientID, GrantID: g.ID, Detail: d,
	})
}

func actorOf(r Request) string {
	if r.Actor != "" {
		return r.Actor
	}
	return r.Subject
}

func (s *Service) event(ctx context.Context, at time.Time, e audit.Event) error {
	return audit.Record(ctx, s.store, at, e)
}

// inTx runs fn in one transaction; the context's own when it has one is
// not supported by the contract (no nesting), so callers pass a plain one.
func (s *Service) inTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return storage.InTx(ctx, s.store, fn)
}

// Active reports whether grant id of tenant exists, is not revoked and
// has not expired.
func (s *Service) Active(ctx context.Context, tenant, id string) (bool, error) {
	return s.active(s.store.GetGrant(ctx, tenant, id))
}

// ActiveInTx is Active for a caller that issues codes or tokens under the
// grant in the storage transaction ctx carries (storage.Tx), which it
// commits or rolls back. The grant is read with storage's LockGrant, so
// that a revocation of it and that transaction never overlap: the
// revocation waits until the transaction ends and then deactivates what
// it issued, or it committed first and the grant reads as revoked here.
// Call it before the transaction writes any code or token (LockGrant's
// lock order).
func (s *Service) ActiveInTx(ctx context.Context, tenant, id string) (bool, error) {
	return s.active(s.store.LockGrant(ctx, tenant, id))
}

func (s *Service) active(g storage.Grant, err error) (bool, error) {
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return g.RevokedAt == nil && (g.ExpiresAt.IsZero() || s.opts.Now().Before(g.ExpiresAt)), nil
}
