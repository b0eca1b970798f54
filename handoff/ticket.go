package handoff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/storage"
)

// Lifetime is how long a ticket may wait to be redeemed: the browser goes
// straight from the portal to the tool and on to oidcp, which takes
// seconds.
const Lifetime = 60 * time.Second

// Prefix starts every ticket, so that a login_hint that is no ticket (an
// e-mail, ID-porten's test hint) is never taken for one.
const Prefix = "handoff_"

// IsTicket reports whether a login_hint is shaped like a hand-off ticket.
func IsTicket(hint string) bool {
	rest, ok := strings.CutPrefix(hint, Prefix)
	if !ok || len(rest) != base64.RawURLEncoding.EncodedLen(ticketBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil
}

const ticketBytes = 32

// hash is the stored form of a ticket: hex SHA-256.
func hash(ticket string) string {
	s := sha256.Sum256([]byte(ticket))
	return hex.EncodeToString(s[:])
}

// Why a ticket was refused (the reason in the usage log and the warning).
var (
	ErrUnknown      = errors.New("handoff: unknown or already used ticket")
	ErrExpired      = errors.New("handoff: ticket expired")
	ErrWrongClient  = errors.New("handoff: ticket is for another client")
	ErrWrongSession = errors.New("handoff: ticket is for another login session")
)

// reason is the usage log's name for a refusal.
func reason(err error) string {
	switch {
	case errors.Is(err, ErrUnknown):
		return "unknown_or_used"
	case errors.Is(err, ErrExpired):
		return "expired"
	case errors.Is(err, ErrWrongClient):
		return "wrong_client"
	case errors.Is(err, ErrWrongSession):
		return "wrong_session"
	}
	return "error"
}

// Store is the slice of the storage contract tickets live in.
type Store interface {
	CreateHandoffTicket(ctx context.Context, t storage.HandoffTicket) error
	TakeHandoffTicket(ctx context.Context, tenant, hash string) (storage.HandoffTicket, error)
	audit.Appender
}

// Tickets issues and redeems hand-off tickets.
type Tickets struct {
	store Store
	now   func() time.Time
	log   *slog.Logger
}

// NewTickets returns Tickets over store, on the clock now, warning on log
// (nil: discard) about refused tickets.
func NewTickets(store Store, now func() time.Time, log *slog.Logger) *Tickets {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Tickets{store: store, now: now, log: log}
}

// Grant is what a ticket hands off: who, for whom, from which portal
// session to which tool.
type Grant struct {
	Tenant         string
	PortalClientID string
	TargetClientID string
	TargetLinkURI  string
	// SessionChain is the portal's login session chain; Holder the pid
	// of the person logged in there.
	SessionChain string
	Holder       string
	// ActingFor and Relation name the represented person and the
	// relation kind; both empty when the person acts for themself.
	ActingFor string
	Relation  string
}

// Issue stores a new ticket for g, valid for Lifetime, and returns it.
func (t *Tickets) Issue(ctx context.Context, g Grant) (string, error) {
	if g.Tenant == "" || g.PortalClientID == "" || g.TargetClientID == "" || g.SessionChain == "" || g.Holder == "" {
		return "", errors.New("handoff: a ticket needs a tenant, both clients, a session chain and a holder")
	}
	if (g.ActingFor == "") != (g.Relation == "") {
		return "", errors.New("handoff: acting for someone needs both the person and the relation")
	}
	b := make([]byte, ticketBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	ticket := Prefix + base64.RawURLEncoding.EncodeToString(b)
	now := t.now().UTC().Truncate(time.Microsecond)
	err := t.store.CreateHandoffTicket(ctx, storage.HandoffTicket{
		Hash: hash(ticket), Tenant: g.Tenant,
		PortalClientID: g.PortalClientID, TargetClientID: g.TargetClientID, TargetLinkURI: g.TargetLinkURI,
		SessionChain: g.SessionChain, Holder: g.Holder, ActingFor: g.ActingFor, Relation: g.Relation,
		CreatedAt: now, ExpiresAt: now.Add(Lifetime),
	})
	if err != nil {
		return "", fmt.Errorf("handoff: store ticket: %w", err)
	}
	return ticket, nil
}

// Redemption is an authorization request that presents a ticket.
type Redemption struct {
	Tenant string
	Ticket string
	// ClientID is the client that sent the authorization request.
	ClientID string
	// SessionChain is the browser's live login session chain, and Holder
	// its person; both empty when the browser has no login session that
	// satisfies the request (none, expired, or one the request asks to
	// renew with prompt=login, max_age or a higher acr).
	SessionChain string
	Holder       string
}

// Redeem takes the ticket (it is never usable again, whatever the
// outcome) and returns what it hands off when it holds for rd: issued for
// rd's client, in rd's tenant, to the browser's login session chain and
// person, and not expired. Any refusal is recorded in the usage log and
// logged as a warning without the ticket; the caller then goes on with an
// ordinary login. An error that is none of the Err values is a storage
// failure.
func (t *Tickets) Redeem(ctx context.Context, rd Redemption) (Grant, error) {
	rec, err := t.store.TakeHandoffTicket(ctx, rd.Tenant, hash(rd.Ticket))
	switch {
	case errors.Is(err, storage.ErrNotFound):
		err = ErrUnknown
	case err != nil:
		return Grant{}, fmt.Errorf("handoff: take ticket: %w", err)
	case !t.now().Before(rec.ExpiresAt):
		err = ErrExpired
	case rec.TargetClientID != rd.ClientID:
		err = ErrWrongClient
	case rd.SessionChain == "" || rec.SessionChain != rd.SessionChain || rec.Holder != rd.Holder:
		err = ErrWrongSession
	}
	g := Grant{
		Tenant: rec.Tenant, PortalClientID: rec.PortalClientID, TargetClientID: rec.TargetClientID,
		TargetLinkURI: rec.TargetLinkURI, SessionChain: rec.SessionChain, Holder: rec.Holder,
		ActingFor: rec.ActingFor, Relation: rec.Relation,
	}
	if err != nil {
		t.refused(ctx, rd, g, err)
		return Grant{}, err
	}
	t.record(ctx, audit.Event{
		Tenant: rd.Tenant, Kind: audit.HandoffRedeemed, Actor: g.Holder, Subject: g.subject(),
		ClientID: rd.ClientID, SessionID: g.SessionChain,
		Detail: map[string]any{"portal_client_id": g.PortalClientID, "target_client_id": g.TargetClientID, "relation": g.relation()},
	})
	return g, nil
}

// refused records a refused ticket: a usage log entry for the person the
// ticket was issued to (none when it is unknown) and a warning. Neither
// carries the ticket or a pid.
func (t *Tickets) refused(ctx context.Context, rd Redemption, g Grant, err error) {
	why := reason(err)
	detail := map[string]any{"reason": why, "client_id": rd.ClientID}
	if g.PortalClientID != "" {
		detail["portal_client_id"], detail["target_client_id"] = g.PortalClientID, g.TargetClientID
	}
	t.log.WarnContext(ctx, "hand-off ticket refused; falling back to an ordinary login",
		"tenant", rd.Tenant, "client_id", rd.ClientID, "reason", why,
		"portal_client_id", g.PortalClientID, "target_client_id", g.TargetClientID)
	t.record(ctx, audit.Event{
		Tenant: rd.Tenant, Kind: audit.HandoffRefused, Actor: g.Holder, Subject: g.subject(),
		ClientID: rd.ClientID, SessionID: g.SessionChain, Detail: detail,
	})
}

func (t *Tickets) record(ctx context.Context, e audit.Event) {
	if err := audit.Record(ctx, t.store, t.now(), e); err != nil {
		t.log.ErrorContext(ctx, "usage log append failed", "tenant", e.Tenant, "kind", e.Kind, "err", err)
	}
}

// subject is whose data the hand-off is about.
func (g Grant) subject() string {
	if g.ActingFor != "" {
		return g.ActingFor
	}
	return g.Holder
}

func (g Grant) relation() string {
	if g.Relation == "" {
		return "self"
	}
	return g.Relation
}
