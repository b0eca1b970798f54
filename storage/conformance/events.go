package conformance

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func testEvents(t *testing.T, s storage.Storage) {
	// Alice logs in, then acts for her child; Bob logs in; one event in
	// another tenant.
	in := []storage.Event{
		{Tenant: "main", Time: at(0), Kind: "login", Actor: pidAlice, Subject: pidAlice, SessionID: "s1",
			Detail: json.RawMessage(`{"acr":"idporten-loa-high"}`)},
		{Tenant: "main", Time: at(time.Minute), Kind: "representation_chosen", Actor: pidAlice, Subject: pidChild,
			SessionID: "s1"},
		{Tenant: "main", Time: at(2 * time.Minute), Kind: "consent_given", Actor: pidAlice, Subject: pidChild,
			ClientID: "tool", GrantID: "g1"},
		{Tenant: "main", Time: at(3 * time.Minute), Kind: "token_issued", Actor: pidAlice, Subject: pidChild,
			ClientID: "tool", GrantID: "g1"},
		{Tenant: "main", Time: at(4 * time.Minute), Kind: "login", Actor: pidBob, Subject: pidBob, SessionID: "s2"},
		{Tenant: "sandbox", Time: at(5 * time.Minute), Kind: "login", Actor: pidAlice, Subject: pidAlice},
	}
	var last int64
	for i := range in {
		id, err := s.AppendEvent(ctx(t), in[i])
		must(t, err, "AppendEvent")
		if id <= last {
			t.Fatalf("event id %d after %d: ids must increase", id, last)
		}
		in[i].ID, last = id, id
	}

	list := func(t *testing.T, f storage.EventFilter) []storage.Event {
		t.Helper()
		es, err := s.ListEvents(ctx(t), f)
		must(t, err, "ListEvents")
		return es
	}
	// pick returns in[i...] newest first, the order ListEvents promises.
	pick := func(is ...int) []storage.Event {
		var out []storage.Event
		for _, i := range is {
			out = append(out, in[i])
		}
		slices.Reverse(out)
		return out
	}

	for _, tc := range []struct {
		name string
		f    storage.EventFilter
		want []storage.Event
	}{
		{"tenant, newest first, all fields", storage.EventFilter{Tenant: "main"}, pick(0, 1, 2, 3, 4)},
		{"person matches actor or subject", storage.EventFilter{Tenant: "main", Person: pidChild}, pick(1, 2, 3)},
		{"person as actor", storage.EventFilter{Tenant: "main", Person: pidAlice}, pick(0, 1, 2, 3)},
		{"kinds", storage.EventFilter{Tenant: "main", Kinds: []string{"login", "consent_given"}}, pick(0, 2, 4)},
		{"client", storage.EventFilter{Tenant: "main", ClientID: "tool"}, pick(2, 3)},
		{"since inclusive, until exclusive",
			storage.EventFilter{Tenant: "main", Since: at(time.Minute), Until: at(3 * time.Minute)}, pick(1, 2)},
		{"limit", storage.EventFilter{Tenant: "main", Limit: 2}, pick(3, 4)},
		{"other tenant", storage.EventFilter{Tenant: "sandbox"}, pick(5)},
		{"no match", storage.EventFilter{Tenant: "main", Person: "nobody"}, nil},
		{"subject only", storage.EventFilter{Tenant: "main", Subject: pidAlice}, pick(0)},
		{"subject and actor", storage.EventFilter{Tenant: "main", Subject: pidChild, Actor: pidAlice, Kinds: []string{"token_issued"}}, pick(3)},
		{"actor", storage.EventFilter{Tenant: "main", Actor: pidAlice}, pick(0, 1, 2, 3)},
		{"person and the same actor", storage.EventFilter{Tenant: "main", Person: pidChild, Actor: pidAlice}, pick(1, 2, 3)},
		{"person as actor only", storage.EventFilter{Tenant: "main", Person: pidAlice, Actor: pidAlice, Kinds: []string{"login"}}, pick(0)},
		{"person and another actor", storage.EventFilter{Tenant: "main", Person: pidChild, Actor: pidBob}, nil},
		{"person with every filter", storage.EventFilter{Tenant: "main", Person: pidAlice, ClientID: "tool",
			Kinds: []string{"token_issued", "consent_given"}, Since: at(2 * time.Minute), Until: at(4 * time.Minute), Limit: 1}, pick(3)},
		{"person, limit across both columns", storage.EventFilter{Tenant: "main", Person: pidAlice, Limit: 3}, pick(1, 2, 3)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			same(t, list(t, tc.f), tc.want, "events")
		})
	}

	// walk lists f page by page, each page after the last one's id,
	// until a page is empty.
	walk := func(t *testing.T, f storage.EventFilter) []storage.Event {
		var got []storage.Event
		for page := 0; ; page++ {
			if page > 5 {
				t.Fatal("pagination does not end")
			}
			es := list(t, f)
			if len(es) == 0 {
				return got
			}
			got = append(got, es...)
			f.AfterID = es[len(es)-1].ID
		}
	}

	t.Run("keyset pagination walks every event once", func(t *testing.T) {
		same(t, walk(t, storage.EventFilter{Tenant: "main", Limit: 2}), pick(0, 1, 2, 3, 4), "all pages")
	})

	t.Run("keyset pagination of one person walks their events once", func(t *testing.T) {
		// Alice is subject of 0 and actor of 1-3 (for her child): pages
		// of one must interleave both scans in id order.
		for _, limit := range []int{1, 2, 3} {
			same(t, walk(t, storage.EventFilter{Tenant: "main", Person: pidAlice, Limit: limit}), pick(0, 1, 2, 3), "all pages")
		}
	})

	t.Run("delete events before a time, in one tenant", func(t *testing.T) {
		// Retention: main's events before minute 2 go; sandbox's stay.
		n, err := s.DeleteEventsBefore(ctx(t), "main", at(2*time.Minute))
		must(t, err, "DeleteEventsBefore")
		if n != 2 {
			t.Fatalf("deleted %d events, want 2", n)
		}
		same(t, list(t, storage.EventFilter{Tenant: "main"}), pick(2, 3, 4), "main after the delete")
		same(t, list(t, storage.EventFilter{Tenant: "sandbox"}), pick(5), "sandbox after the delete")
		n, err = s.DeleteEventsBefore(ctx(t), "main", at(2*time.Minute))
		must(t, err, "DeleteEventsBefore again")
		if n != 0 {
			t.Fatalf("deleted %d events again, want 0", n)
		}
		// Ids keep increasing after a delete (keyset cursors stay valid).
		id, err := s.AppendEvent(ctx(t), storage.Event{Tenant: "main", Time: at(time.Hour), Kind: "login", Actor: pidBob, Subject: pidBob})
		must(t, err, "AppendEvent")
		if id <= in[5].ID {
			t.Fatalf("new event id %d not above %d", id, in[5].ID)
		}
	})
}
