package registration

import (
	"net/http"
	"slices"
	"testing"

	"github.com/oidcp/oidcp/storage"
)

// TestRegistrationUpdateCannotReenableDisabledClient: a client the
// operator disabled stays disabled, keeps its operator-set fields, and
// its vendor can neither read, update nor delete it (403), so an RFC 7592
// update cannot undo the kill-switch.
func TestRegistrationUpdateCannotReenableDisabledClient(t *testing.T) {
	e := newEnv(t, nil)
	out := e.register(e.token("acme"), webClient())
	id, rat := out["client_id"].(string), out["registration_access_token"].(string)
	path := "/sandbox/register/" + id

	// The operator sets an audience and a sector identifier, then
	// disables the client (the kill-switch).
	set := func(fn func(*storage.Client)) {
		t.Helper()
		if err := e.store.UpdateClient(t.Context(), "sandbox", id, func(c storage.Client) (storage.Client, error) {
			fn(&c)
			return c, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	set(func(c *storage.Client) {
		c.Audience, c.SectorIdentifier = []string{"https://api.example"}, "https://sector.example/uris.json"
	})
	// An update while enabled keeps the operator's fields.
	md := webClient()
	md["client_id"], md["client_name"] = id, "Acme Journal 2"
	if code, got, _ := e.do("PUT", path, rat, md); code != http.StatusOK {
		t.Fatalf("update: %d %v", code, got)
	}
	c, _ := e.store.GetClient(t.Context(), "sandbox", id)
	if c.Name != "Acme Journal 2" || !slices.Equal(c.Audience, []string{"https://api.example"}) || c.SectorIdentifier != "https://sector.example/uris.json" {
		t.Fatalf("update dropped the operator's fields: %+v", c)
	}

	set(func(c *storage.Client) { c.Disabled = true })
	md["client_name"] = "Acme Journal 3"
	for _, method := range []string{"PUT", "GET", "DELETE"} {
		var body any
		if method == "PUT" {
			body = md
		}
		code, got, _ := e.do(method, path, rat, body)
		if code != http.StatusForbidden || got["error"] != "client_disabled" {
			t.Fatalf("%s of a disabled client: %d %v, want 403 client_disabled", method, code, got)
		}
	}
	c, err := e.store.GetClient(t.Context(), "sandbox", id)
	if err != nil || !c.Disabled || c.Name != "Acme Journal 2" || c.SectorIdentifier == "" {
		t.Fatalf("disabled client after the vendor's attempts: %+v, %v", c, err)
	}

	// Disabled between the vendor's read and its write: the closure
	// keeps the stored Disabled.
	got := keepOperatorFields(storage.Client{ID: id}, storage.Client{ID: id, Disabled: true, Vendor: "acme"})
	if !got.Disabled || got.Vendor != "acme" {
		t.Fatalf("keepOperatorFields: %+v", got)
	}
}
