package account

import (
	"context"
	"errors"
	"time"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/representation"
)

// Errors the Service returns; callers map them to a status (404, 403,
// 400) without reading their text.
var (
	// ErrNotFound: no such session, grant or event for this viewer. A
	// session or grant of somebody else is "not found" too, never
	// "forbidden", so ids cannot be probed.
	ErrNotFound = errors.New("account: not found")
	// ErrForbidden: the viewer may see the item but not change it (an
	// ordinary power of attorney withdrawing a grant).
	ErrForbidden = errors.New("account: not allowed for this representation")
	// ErrInvalid: a filter or cursor that cannot be read.
	ErrInvalid = errors.New("account: invalid request")
)

// Viewer is who is looking: the logged-in person and whose data they
// look at, as the access token the page or API call carries says.
type Viewer struct {
	Tenant string
	// Person is the logged-in person's pid (the actor).
	Person string
	// Subject is the pid of the person whose log, sessions and grants are
	// shown: Person when acting for themself, else the represented person.
	Subject string
	// Relation is the relation kind that lets Person act for Subject;
	// empty when acting for themself.
	Relation representation.RelationKind
	// Limited: the representation gives limited access ("begrenset
	// innsyn", representation.Decision.Limited: a parent of a child of
	// 12–15). A limited representative sees only what they themself did
	// for the subject and withdraws only the grants they gave.
	Limited bool
	// ClientID is the client the access token was issued to.
	ClientID string
	// SessionChain is the login session chain the token was issued under
	// (the sid of its ID token), used to mark the current session; empty
	// when unknown.
	SessionChain string
}

// Self reports whether the viewer acts for themself.
func (v Viewer) Self() bool { return v.Subject == v.Person || v.Relation == "" }

// limited reports whether the viewer is a representative with limited
// access: Limited counts only when acting for someone else.
func (v Viewer) limited() bool { return v.Limited && !v.Self() }

// MayWithdraw reports whether the viewer may withdraw grants for the
// subject: the person themself, a parent, or the holder of an assigned
// power of attorney (a limited one only the grants they gave). An
// ordinary power of attorney may see the log and the grants but not
// withdraw them, as it cannot give them. Sessions are always the viewer's
// own, which anyone may end.
func (v Viewer) MayWithdraw() bool {
	return v.Self() || v.Relation == representation.Parent || v.Relation == representation.AssignedPowerOfAttorney
}

// Party names a person or a client in a list: the id and a display name
// (empty when the registry or client store has none). The Service gives
// a person's pid as ID; the account API replaces it by an opaque id
// before answering and sets PID only for a token that may see it.
type Party struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	PID  string `json:"pid,omitempty"`
	// Names are a tool's names by page language (storage.Client.Names)
	// beside Name, its untagged client_name; NameIn picks one. The
	// account API answers with the one its caller asks for as Name.
	Names map[string]string `json:"-"`
	// Deleted: the tool was deleted since (an event or a session names
	// a client that no longer exists); it has only its ID.
	Deleted bool `json:"-"`
}

// NameIn is a tool's name for a page in language lang
// (clients.LocalName: lang, nb, nn, client_name, client id); "" for a
// deleted tool, which pages name in words of their own.
func (p Party) NameIn(lang string) string {
	if p.Deleted {
		return ""
	}
	return clients.LocalName(lang, p.Names, p.Name, p.ID)
}

// EventQuery filters and pages the usage log. Zero fields do not filter.
type EventQuery struct {
	Since, Until time.Time // Since inclusive, Until exclusive
	ClientID     string
	// Who: "" everyone, "self" only the subject's own use, or an actor's
	// pid (a representative) as offered by Event.Actor.
	Who string
	// Cursor is EventPage.Next of the previous page; empty for the first.
	Cursor string
	// Limit is the page size; 0 means DefaultPageSize, at most MaxPageSize.
	Limit int
}

// Page sizes of the usage log.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Event is one usage-log entry as the person sees it.
type Event struct {
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// Kind is the audit event kind (audit.Login, audit.TokenIssued, …).
	Kind    string `json:"kind"`
	Client  Party  `json:"client"`
	Subject Party  `json:"subject"`
	Actor   Party  `json:"actor"`
	// Relation is how the actor was related to the subject when it was a
	// representative; empty for the subject's own use.
	Relation string `json:"relation,omitempty"`
	// SelfUse: the subject acted for themself ("egen bruk").
	SelfUse bool `json:"self_use"`
	// Via is the portal the tool (Client) was opened from, for a
	// hand-off (audit.HandoffIssued: "Åpnet <Client> fra <Via>"); nil
	// otherwise.
	Via *Party `json:"via,omitempty"`
}

// EventPage is one page of the usage log, newest first; Next is the
// cursor of the following page, empty on the last.
type EventPage struct {
	Events []Event `json:"events"`
	Next   string  `json:"next"`
}

// Session is one of the person's active login sessions. ID is a handle
// derived from the session id, never the id itself (which is what the
// session cookie carries).
type Session struct {
	ID string `json:"id"`
	// Device is the User-Agent in words ("Chrome på Windows"); its
	// language is the caller's to choose with DeviceName (the account API
	// follows Accept-Language).
	Device     string    `json:"device"`
	UserAgent  string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	Clients    []Party   `json:"clients"`
	// Subject and Actor are both the person who logged in: a session is
	// theirs, whoever they act for in it.
	Subject Party `json:"subject"`
	Actor   Party `json:"actor"`
	// Current: the session the viewer's own token was issued under.
	Current bool `json:"current"`
}

// Grant is one consent grant given for the subject.
type Grant struct {
	ID      string `json:"id"`
	Client  Party  `json:"client"`
	Vendor  string `json:"vendor,omitempty"`
	LogoURI string `json:"logo_uri,omitempty"`
	// Scopes are the data-exchange scope names; their texts are in the
	// tenant's consent catalogue.
	Scopes    []string  `json:"scopes"`
	Subject   Party     `json:"subject"`
	Actor     Party     `json:"actor"`
	Relation  string    `json:"relation,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// ErrInvalidToken: the access token is unknown, expired, revoked, of
// another tenant, or not issued for a person.
var ErrInvalidToken = errors.New("account: invalid access token")

// AccessToken is what a verified access token says about who is looking.
type AccessToken struct {
	Viewer    Viewer
	Scopes    []string
	ExpiresAt time.Time
	// MaySeePID: the token may show fødselsnummer (the scope pid, to a
	// client that is not pseudonymous: claims.ShowsPID).
	MaySeePID bool
}

// TokenVerifier checks a bearer access token of a tenant: the provider
// implements it. It returns ErrInvalidToken for a token that must be
// refused, and another error when the check could not be made (storage
// unavailable).
type TokenVerifier interface {
	VerifyAccessToken(ctx context.Context, tenant, token string) (AccessToken, error)
}
