package consent

import (
	"slices"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// Who revoked a grant (storage.Grant.RevokedBy). The strings are stored
// and shown in the usage log; never change one.
const (
	RevokedByCitizen        = "citizen"
	RevokedByRepresentative = "representative"
	RevokedByOperator       = "operator"
	RevokedByRelationEnded  = "relation_ended"
	// RevokedByVendor: the vendor deleted or reset its sandbox client
	// (Revocation.Reason client_deleted or vendor_reset).
	RevokedByVendor = "vendor"
)

// Request is what a client asks for, for whom: the tenant, the client,
// the data subject (the represented person, or the citizen), the actor
// (the representative, empty when acting for oneself) with their
// relation kind, and the requested scopes (identity scopes included; only
// the catalogue's data-exchange scopes need a grant).
type Request struct {
	Tenant, ClientID string
	Subject          string
	Actor, Relation  string
	Scopes           []string
	// NotAfter, when set, caps a new grant's expiry: the end of the
	// representative's right (a child's 16th birthday for a parent).
	NotAfter time.Time
}

// Covers reports whether grant g covers the data-exchange scopes data of
// request r at now: the same tenant, client, data subject, actor and
// relation kind, not
// revoked, not expired, and every data scope among the grant's scopes.
// (Whether a representative's relation still holds is the Service's to
// check: it needs the registry.)
func Covers(g storage.Grant, r Request, data []string, now time.Time) bool {
	if g.Tenant != r.Tenant || g.ClientID != r.ClientID || g.Subject != r.Subject || g.Actor != r.Actor || g.Relation != r.Relation {
		return false
	}
	if g.RevokedAt != nil || (!g.ExpiresAt.IsZero() && !now.Before(g.ExpiresAt)) {
		return false
	}
	for _, s := range data {
		if !slices.Contains(g.Scopes, s) {
			return false
		}
	}
	return true
}
