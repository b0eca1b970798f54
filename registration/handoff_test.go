package registration

import (
	"github.com/oidcp/oidcp/storage"
	"net/http"
	"strings"
	"testing"
)

// TestRegisterHandoff: a vendor registers its tool's initiate_login_uri
// and launch_uris, but can never make a client a hand-off portal, neither
// at registration nor by an update; an operator's flag survives the
// vendor's update.
func TestRegisterHandoff(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token("acme")

	md := webClient()
	md["handoff_portal"] = true
	code, out, _ := e.do("POST", "/sandbox/register", tok, md)
	if code != http.StatusBadRequest || out["error"] != "invalid_client_metadata" || !strings.Contains(out["error_description"].(string), "handoff_portal") {
		t.Fatalf("handoff_portal at registration: %d %v", code, out)
	}

	md = webClient()
	md["initiate_login_uri"] = "https://acme.example/initiate"
	md["launch_uris"] = []string{"https://acme.example/start"}
	got := e.register(tok, md)
	if l, _ := got["launch_uris"].([]any); len(l) != 1 || l[0] != "https://acme.example/start" {
		t.Fatalf("launch_uris not kept: %v", got)
	}
	id := got["client_id"].(string)
	rat := got["registration_access_token"].(string)

	// The operator makes it a portal; the vendor's update keeps the flag
	// and cannot set it itself.
	if err := e.store.UpdateClient(t.Context(), "sandbox", id, func(c storage.Client) (storage.Client, error) {
		c.HandoffPortal = true
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	md["client_id"] = id
	md["client_name"] = "Acme Journal 2"
	code, out, _ = e.do("PUT", "/sandbox/register/"+id, rat, md)
	if code != http.StatusOK {
		t.Fatalf("update: %d %v", code, out)
	}
	c, err := e.store.GetClient(t.Context(), "sandbox", id)
	if err != nil || !c.HandoffPortal || c.Name != "Acme Journal 2" {
		t.Fatalf("after the vendor's update: portal %v name %q (%v)", c.HandoffPortal, c.Name, err)
	}
	md["handoff_portal"] = false
	if code, out, _ = e.do("PUT", "/sandbox/register/"+id, rat, md); code != http.StatusOK {
		t.Fatalf("update with handoff_portal false: %d %v", code, out)
	}
	if c, _ = e.store.GetClient(t.Context(), "sandbox", id); !c.HandoffPortal {
		t.Fatal("a vendor's handoff_portal: false cleared the operator's flag")
	}
	md["handoff_portal"] = true
	if code, out, _ = e.do("PUT", "/sandbox/register/"+id, rat, md); code != http.StatusBadRequest || out["error"] != "invalid_client_metadata" {
		t.Fatalf("update with handoff_portal true: %d %v", code, out)
	}

	// launch_uris without initiate_login_uri, or not https.
	md = webClient()
	md["launch_uris"] = []string{"https://acme.example/start"}
	if code, out, _ = e.do("POST", "/sandbox/register", tok, md); code != http.StatusBadRequest || !strings.Contains(out["error_description"].(string), "launch_uris") {
		t.Fatalf("launch_uris without initiate_login_uri: %d %v", code, out)
	}
	md["initiate_login_uri"] = "https://acme.example/initiate"
	md["launch_uris"] = []string{"http://acme.example/start"}
	if code, out, _ = e.do("POST", "/sandbox/register", tok, md); code != http.StatusBadRequest || !strings.Contains(out["error_description"].(string), "launch_uris") {
		t.Fatalf("plain http launch URI: %d %v", code, out)
	}
}
