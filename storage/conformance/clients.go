package conformance

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func newClient(tenant, id string) storage.Client {
	return storage.Client{
		Tenant:                   tenant,
		ID:                       id,
		SecretHash:               []byte("$2a$10$synthetic-bcrypt-hash"),
		Name:                     "Helseverktøy " + id,
		Names:                    map[string]string{"nn": "Helseverktøy (nn) " + id, "en": "Health tool " + id},
		RedirectURIs:             []string{"https://tool.example/cb"},
		PostLogoutRedirectURIs:   []string{"https://tool.example/bye"},
		GrantTypes:               []string{"authorization_code", "refresh_token"},
		ResponseTypes:            []string{"code"},
		Scopes:                   []string{"openid", "profile"},
		TokenEndpointAuthMethod:  "client_secret_basic",
		JWKS:                     []byte(`{"keys":[]}`),
		IDTokenSignedResponseAlg: "RS256",
		RequirePKCE:              true,
		RequireNonce:             true,
		SectorIdentifier:         "tool.example",
		BackchannelLogoutURI:     "https://tool.example/bcl",
		Category:                 "K2",
		AcceptedRelations:        []string{"parent"},
		CreatedAt:                at(0),
		UpdatedAt:                at(time.Second),
	}
}

func testClients(t *testing.T, s storage.Storage) {
	c := newClient("main", "tool")
	must(t, s.CreateClient(ctx(t), c), "CreateClient")

	t.Run("get round-trips every field", func(t *testing.T) {
		got, err := s.GetClient(ctx(t), "main", "tool")
		must(t, err, "GetClient")
		same(t, got, c, "client")
	})
	t.Run("public client without secret", func(t *testing.T) {
		p := newClient("main", "spa")
		p.SecretHash, p.Public, p.RequirePAR, p.TokenEndpointAuthMethod = nil, true, true, "none"
		p.JWKS, p.AcceptedRelations = nil, nil
		must(t, s.CreateClient(ctx(t), p), "CreateClient public")
		got, err := s.GetClient(ctx(t), "main", "spa")
		must(t, err, "GetClient public")
		same(t, got, p, "public client")
	})
	t.Run("duplicate id conflicts, other tenant does not", func(t *testing.T) {
		wantErr(t, s.CreateClient(ctx(t), newClient("main", "tool")), storage.ErrConflict, "duplicate CreateClient")
		must(t, s.CreateClient(ctx(t), newClient("sandbox", "tool")), "same id in another tenant")
	})
	t.Run("missing is ErrNotFound", func(t *testing.T) {
		_, err := s.GetClient(ctx(t), "main", "nope")
		wantErr(t, err, storage.ErrNotFound, "GetClient missing")
		_, err = s.GetClient(ctx(t), "other", "tool")
		wantErr(t, err, storage.ErrNotFound, "GetClient wrong tenant")
	})
	t.Run("list is per tenant, ordered by id", func(t *testing.T) {
		cs, err := s.ListClients(ctx(t), "main")
		must(t, err, "ListClients")
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		same(t, ids, []string{"spa", "tool"}, "client ids")
		cs, err = s.ListClients(ctx(t), "empty")
		must(t, err, "ListClients empty")
		if len(cs) != 0 {
			t.Fatalf("empty tenant lists %d clients", len(cs))
		}
	})
	t.Run("update applies fn", func(t *testing.T) {
		err := s.UpdateClient(ctx(t), "main", "tool", func(old storage.Client) (storage.Client, error) {
			old.Disabled = true
			old.RedirectURIs = append(old.RedirectURIs, "https://tool.example/cb2")
			old.UpdatedAt = at(time.Hour)
			old.Names = map[string]string{"nb": "Verktøyet", "en": "The tool"}
			return old, nil
		})
		must(t, err, "UpdateClient")
		got, err := s.GetClient(ctx(t), "main", "tool")
		must(t, err, "GetClient")
		want := newClient("main", "tool")
		want.Disabled = true
		want.RedirectURIs = []string{"https://tool.example/cb", "https://tool.example/cb2"}
		want.UpdatedAt = at(time.Hour)
		want.Names = map[string]string{"nb": "Verktøyet", "en": "The tool"}
		same(t, got, want, "updated client")
	})
	t.Run("update error from fn changes nothing", func(t *testing.T) {
		before, err := s.GetClient(ctx(t), "main", "tool")
		must(t, err, "GetClient")
		boom := errors.New("boom")
		err = s.UpdateClient(ctx(t), "main", "tool", func(old storage.Client) (storage.Client, error) {
			old.Name = "changed"
			return old, boom
		})
		wantErr(t, err, boom, "UpdateClient with failing fn")
		after, err := s.GetClient(ctx(t), "main", "tool")
		must(t, err, "GetClient")
		same(t, after, before, "client after failed update")
	})
	t.Run("update cannot move the record", func(t *testing.T) {
		err := s.UpdateClient(ctx(t), "main", "tool", func(old storage.Client) (storage.Client, error) {
			old.ID = "renamed"
			return old, nil
		})
		if err == nil {
			t.Fatal("UpdateClient changing the id succeeded")
		}
		_, err = s.GetClient(ctx(t), "main", "renamed")
		wantErr(t, err, storage.ErrNotFound, "renamed client")
	})
	t.Run("update missing is ErrNotFound", func(t *testing.T) {
		err := s.UpdateClient(ctx(t), "main", "nope", func(c storage.Client) (storage.Client, error) { return c, nil })
		wantErr(t, err, storage.ErrNotFound, "UpdateClient missing")
	})
	t.Run("concurrent updates lose nothing", func(t *testing.T) {
		// Each goroutine appends one URI; a read-modify-write outside one
		// transaction would lose some of them.
		const n = 8
		errs := race(n, func(i int) error {
			return s.UpdateClient(context.Background(), "sandbox", "tool", func(c storage.Client) (storage.Client, error) {
				c.RedirectURIs = append(c.RedirectURIs, id("https://tool.example/cb", i))
				return c, nil
			})
		})
		for _, err := range errs {
			must(t, err, "concurrent UpdateClient")
		}
		got, err := s.GetClient(ctx(t), "sandbox", "tool")
		must(t, err, "GetClient")
		if len(got.RedirectURIs) != n+1 {
			t.Fatalf("after %d concurrent appends: %d URIs %v, want %d", n, len(got.RedirectURIs), got.RedirectURIs, n+1)
		}
		for i := range n {
			if !slices.Contains(got.RedirectURIs, id("https://tool.example/cb", i)) {
				t.Fatalf("append %d lost: %v", i, got.RedirectURIs)
			}
		}
	})
	t.Run("delete", func(t *testing.T) {
		must(t, s.DeleteClient(ctx(t), "main", "spa"), "DeleteClient")
		_, err := s.GetClient(ctx(t), "main", "spa")
		wantErr(t, err, storage.ErrNotFound, "GetClient after delete")
		wantErr(t, s.DeleteClient(ctx(t), "main", "spa"), storage.ErrNotFound, "DeleteClient twice")
	})
}
