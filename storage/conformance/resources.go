package conformance

import (
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func testResources(t *testing.T, s storage.Storage) {
	api := storage.Resource{
		Tenant: "main", Audience: "https://api.example/ehelse", Name: "eHelse API",
		AllowedClients: []string{"tool-a", "tool-b"}, Scopes: []string{"pid", "ehelse.read"},
		CreatedAt: at(0), UpdatedAt: at(0),
	}
	t.Run("round-trips and stays in its tenant", func(t *testing.T) {
		must(t, s.PutResource(ctx(t), api), "PutResource")
		got, err := s.GetResource(ctx(t), "main", api.Audience)
		must(t, err, "GetResource")
		same(t, got, api, "resource")
		_, err = s.GetResource(ctx(t), "sandbox", api.Audience)
		wantErr(t, err, storage.ErrNotFound, "the resource in another tenant")
		_, err = s.GetResource(ctx(t), "main", "https://api.example/other")
		wantErr(t, err, storage.ErrNotFound, "an unknown resource")
	})
	t.Run("put replaces the policy and keeps CreatedAt", func(t *testing.T) {
		next := api
		next.Name, next.AllowedClients, next.Scopes = "", []string{"tool-c"}, []string{}
		next.CreatedAt, next.UpdatedAt = at(time.Hour), at(time.Hour)
		must(t, s.PutResource(ctx(t), next), "PutResource again")
		got, err := s.GetResource(ctx(t), "main", api.Audience)
		must(t, err, "GetResource")
		want := next
		want.CreatedAt = api.CreatedAt
		same(t, got, want, "replaced resource")
	})
	t.Run("list orders by audience within the tenant", func(t *testing.T) {
		for _, r := range []storage.Resource{
			{Tenant: "main", Audience: "a-api", AllowedClients: []string{"tool-a"}, Scopes: []string{}, CreatedAt: at(0), UpdatedAt: at(0)},
			{Tenant: "sandbox", Audience: "b-api", AllowedClients: []string{"tool-a"}, Scopes: []string{}, CreatedAt: at(0), UpdatedAt: at(0)},
		} {
			must(t, s.PutResource(ctx(t), r), "PutResource "+r.Audience)
		}
		list, err := s.ListResources(ctx(t), "main")
		must(t, err, "ListResources")
		if len(list) != 2 || list[0].Audience != "a-api" || list[1].Audience != api.Audience {
			t.Fatalf("list: %+v, want a-api then %s", list, api.Audience)
		}
		none, err := s.ListResources(ctx(t), "nobody")
		must(t, err, "ListResources of a tenant without any")
		if len(none) != 0 {
			t.Fatalf("list of an empty tenant: %+v", none)
		}
	})
	t.Run("delete", func(t *testing.T) {
		must(t, s.DeleteResource(ctx(t), "main", api.Audience), "DeleteResource")
		_, err := s.GetResource(ctx(t), "main", api.Audience)
		wantErr(t, err, storage.ErrNotFound, "a deleted resource")
		wantErr(t, s.DeleteResource(ctx(t), "main", api.Audience), storage.ErrNotFound, "delete twice")
		if _, err := s.GetResource(ctx(t), "sandbox", "b-api"); err != nil {
			t.Fatalf("the other tenant's resource went too: %v", err)
		}
	})
}
