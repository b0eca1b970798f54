package provider

import (
	"slices"

	"github.com/ory/fosite"
)

// mayIntrospect decides which authenticated client may see a token's
// contents at the introspection endpoint. RFC 7662 §4 leaves it to the
// server to decide which protected resources may learn what, and warns
// that answering any client lets one client read another's tokens: the
// person's pid, names and representation.
//
// The rule: the client the token was issued to, or, for an access token,
// a client whose client_id is one of the token's audiences (a resource
// server registered as a confidential client, named by the tool with
// --audience). Refresh tokens are only ever the issuing client's. Every
// other caller is told the token is inactive, as for an unknown token,
// so it cannot even learn that the token exists.
func mayIntrospect(caller string, use fosite.TokenUse, ar fosite.AccessRequester) bool {
	if ar.GetClient() != nil && ar.GetClient().GetID() == caller {
		return true
	}
	return use == fosite.AccessToken && slices.Contains(ar.GetGrantedAudience(), caller)
}
