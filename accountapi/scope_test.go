package accountapi

import (
	"slices"
	"testing"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/consent"
)

// TestScopeIsIdentityLike: the scope the API demands is one every tenant
// offers for registration and that needs no consent grant; if either
// list lost it, no client could be registered for the API, or every
// token for it would wait for a grant nobody can give. Only the operator
// may register it (OperatorOnlyScopes).
func TestScopeIsIdentityLike(t *testing.T) {
	if !consent.IsIdentityScope(Scope) {
		t.Errorf("consent.IdentityScopes %v lacks %q: a login asking for it would need a grant", consent.IdentityScopes, Scope)
	}
	if !slices.Contains(clients.IdentityScopes, Scope) {
		t.Errorf("clients.IdentityScopes %v lacks %q: no client could be registered for it", clients.IdentityScopes, Scope)
	}
	if !slices.Contains(clients.OperatorOnlyScopes, Scope) {
		t.Errorf("clients.OperatorOnlyScopes %v lacks %q: a vendor could register it for itself", clients.OperatorOnlyScopes, Scope)
	}
	if slices.Contains(clients.DefaultScopes, Scope) {
		t.Errorf("clients.DefaultScopes %v holds %q: a client must ask to be registered for it", clients.DefaultScopes, Scope)
	}
}
