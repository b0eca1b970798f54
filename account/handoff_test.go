package account_test

import (
	"testing"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/representation"
)

// TestEventsHandoff: a hand-off in the usage log names the portal the
// tool was opened from ("Åpnet Blodtrykksdagboka fra Helseportalen"),
// also in the child's log seen by the parent; other events name none.
func TestEventsHandoff(t *testing.T) { eachBackend(t, testEventsHandoff) }

func testEventsHandoff(t *testing.T, be backend) {
	f := newFixture(t, be)
	f.event("main", audit.HandoffIssued, f.kari, f.ingrid, "tool", "", 1,
		map[string]any{"portal_client_id": "portal", "target_client_id": "tool", "relation": "parent"})
	f.event("main", audit.Login, f.kari, f.kari, "portal", "", 0, nil)
	for _, v := range []account.Viewer{f.self(f.kari), f.forOther(f.kari, f.ingrid, representation.Parent)} {
		page, err := f.svc.Events(t.Context(), v, account.EventQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var seen bool
		for _, e := range page.Events {
			switch e.Kind {
			case audit.HandoffIssued:
				seen = true
				if e.Via == nil || e.Via.ID != "portal" || e.Via.Name != "Helseportalen" || e.Client.Name != "Blodtrykksdagboka" || e.Relation != "parent" {
					t.Errorf("hand-off event %+v via %+v", e, e.Via)
				}
			default:
				if e.Via != nil {
					t.Errorf("%s names a portal: %+v", e.Kind, e.Via)
				}
			}
		}
		if !seen {
			t.Errorf("viewer %+v: no hand-off in %+v", v, page.Events)
		}
	}
}
