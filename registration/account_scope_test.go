package registration

import (
	"net/http"
	"strings"
	"testing"
)

// TestAccountScopeRefused: the scope account controls a person's account
// (their usage log, sessions and grants), so a vendor can never register
// it, neither at registration, as the security review found
// ({"scope":"openid account","category":"pseudonymous"} was accepted),
// nor by an RFC 7592 update. The error names the scope and the rule.
func TestAccountScopeRefused(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token("acme")
	for _, category := range []string{"pseudonymous", "identified"} {
		md := webClient()
		md["scope"], md["category"] = "openid account", category
		code, out, _ := e.do("POST", "/sandbox/register", tok, md)
		desc, _ := out["error_description"].(string)
		if code != http.StatusBadRequest || out["error"] != "invalid_client_metadata" || !strings.HasPrefix(desc, "scope:") || !strings.Contains(desc, "only by the operator") {
			t.Fatalf("%s client registering account: %d %v", category, code, out)
		}
	}

	md := webClient()
	got := e.register(tok, md)
	id := got["client_id"].(string)
	rat := got["registration_access_token"].(string)
	md["client_id"] = id
	md["scope"] = "openid profile account"
	code, out, _ := e.do("PUT", "/sandbox/register/"+id, rat, md)
	if desc, _ := out["error_description"].(string); code != http.StatusBadRequest || out["error"] != "invalid_client_metadata" || !strings.Contains(desc, `"account" is set only by the operator`) {
		t.Fatalf("update adding account: %d %v", code, out)
	}
	c, err := e.store.GetClient(t.Context(), "sandbox", id)
	if err != nil || strings.Contains(strings.Join(c.Scopes, " "), "account") {
		t.Fatalf("stored client after the refused update: %v (%v)", c.Scopes, err)
	}
}
