package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// Event kinds. The strings are stored; never change one.
const (
	Login                = "login"
	Logout               = "logout"
	SessionEnded         = "session_ended"
	Authorized           = "authorized" // an authorization code was issued to a client
	TokenIssued          = "token_issued"
	TokenRefreshed       = "token_refreshed"
	TokenRevoked         = "token_revoked"
	RefreshReuseDetected = "refresh_reuse_detected"
	CodeReuseDetected    = "code_reuse_detected"
	// RepresentationChosen: the person picked whom to act for (or
	// themself) for a tool.
	RepresentationChosen = "representation_chosen"
	// RepresentationEnded: a relation stopped holding and the grant
	// built on it was revoked (at refresh).
	RepresentationEnded = "representation_ended"
	// TokenExchanged: a client exchanged a citizen's access token for
	// one for another audience (RFC 8693); Detail names the requester
	// and the audience.
	TokenExchanged = "token_exchanged"
	// HandoffIssued: a portal opened a tool for the person (package
	// handoff); the citizen's log shows "Åpnet <tool> fra <portal>".
	// ClientID is the tool; Detail holds portal_client_id and
	// target_client_id (and their names at the time).
	HandoffIssued = "handoff_issued"
	// HandoffRedeemed: the tool's authorization request redeemed the
	// hand-off's ticket; no login page was shown.
	HandoffRedeemed = "handoff_redeemed"
	// HandoffRefused: a hand-off ticket was refused (Detail.reason:
	// unknown_or_used, expired, wrong_client, wrong_session) and the
	// flow fell back to an ordinary login.
	HandoffRefused = "handoff_refused"
)

// Event is what a caller records; Record fills the time.
type Event struct {
	Tenant    string
	Kind      string
	Actor     string // pid of who acted
	Subject   string // pid of whom it was for
	ClientID  string
	SessionID string
	GrantID   string
	Detail    map[string]any
}

// Appender is the slice of the storage contract Record needs.
type Appender interface {
	AppendEvent(ctx context.Context, e storage.Event) (int64, error)
}

// Record appends e to the usage log at time now.
func Record(ctx context.Context, log Appender, now time.Time, e Event) error {
	var detail json.RawMessage
	if len(e.Detail) > 0 {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return fmt.Errorf("audit: detail: %w", err)
		}
		detail = b
	}
	_, err := log.AppendEvent(ctx, storage.Event{
		Tenant: e.Tenant, Time: now.UTC(), Kind: e.Kind, Actor: e.Actor, Subject: e.Subject,
		ClientID: e.ClientID, SessionID: e.SessionID, GrantID: e.GrantID, Detail: detail,
	})
	if err != nil {
		return fmt.Errorf("audit: append %s: %w", e.Kind, err)
	}
	return nil
}
