package clients

import (
	"strings"
	"testing"
)

// TestBuildHandoff: a tool's launch URIs are kept (deduplicated) with
// its initiate_login_uri and follow the same URL rules; a portal needs the
// code grant; CheckHandoff applies the same rules to a stored client.
func TestBuildHandoff(t *testing.T) {
	r := web()
	r.InitiateLoginURI = "https://app.example/initiate"
	r.LaunchURIs = []string{"https://app.example/start", "https://app.example/start", "http://127.0.0.1:9100/"}
	c, err := Build("main", r, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.LaunchURIs) != 2 || c.HandoffPortal {
		t.Fatalf("launch URIs %v portal %v", c.LaunchURIs, c.HandoffPortal)
	}
	if err := CheckHandoff(c); err != nil {
		t.Fatalf("CheckHandoff of a built client: %v", err)
	}

	for name, tc := range map[string]struct {
		mutate func(*Registration)
		field  string
	}{
		"launch without initiate": {func(r *Registration) { r.LaunchURIs = []string{"https://app.example/start"} }, "launch_uris"},
		"launch over http": {func(r *Registration) {
			r.InitiateLoginURI, r.LaunchURIs = "https://app.example/i", []string{"http://app.example/start"}
		}, "launch_uris"},
		"launch with fragment": {func(r *Registration) {
			r.InitiateLoginURI, r.LaunchURIs = "https://app.example/i", []string{"https://app.example/start#x"}
		}, "launch_uris"},
		"portal without code grant": {func(r *Registration) {
			r.HandoffPortal, r.GrantTypes, r.RedirectURIs = true, []string{GrantClientCredentials}, nil
		}, "handoff_portal"},
	} {
		r := web()
		tc.mutate(&r)
		_, err := Build("main", r, now)
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: err %v, want one about %s", name, err, tc.field)
		}
	}

	r = web()
	r.HandoffPortal = true
	if c, err = Build("main", r, now); err != nil || !c.HandoffPortal {
		t.Fatalf("portal: %v %v", c.HandoffPortal, err)
	}
	c.InitiateLoginURI, c.LaunchURIs = "", []string{"https://app.example/start"}
	if err := CheckHandoff(c); err == nil || !strings.Contains(err.Error(), "launch_uris") {
		t.Errorf("CheckHandoff of launch URIs without initiate_login_uri: %v", err)
	}
}
