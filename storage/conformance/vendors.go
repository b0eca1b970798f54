package conformance

import (
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func testVendors(t *testing.T, s storage.Storage) {
	t.Run("client keeps its vendor and registration metadata", func(t *testing.T) {
		c := newClient("sandbox", "vendor-tool")
		c.Vendor, c.PolicyURI, c.LogoURI = "acme", "https://acme.example/policy", "https://acme.example/logo.png"
		c.RegistrationTokenHash = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
		must(t, s.CreateClient(ctx(t), c), "CreateClient")
		got, err := s.GetClient(ctx(t), "sandbox", "vendor-tool")
		must(t, err, "GetClient")
		same(t, got, c, "vendor client")
	})

	iat := storage.InitialAccessToken{Tenant: "sandbox", Vendor: "acme", Hash: "hash-1", CreatedAt: at(0), ExpiresAt: at(90 * 24 * time.Hour)}
	t.Run("initial access token round-trips by hash", func(t *testing.T) {
		must(t, s.PutInitialAccessToken(ctx(t), iat), "PutInitialAccessToken")
		got, err := s.GetInitialAccessToken(ctx(t), "sandbox", "hash-1")
		must(t, err, "GetInitialAccessToken")
		same(t, got, iat, "initial access token")
		_, err = s.GetInitialAccessToken(ctx(t), "main", "hash-1")
		wantErr(t, err, storage.ErrNotFound, "the token in another tenant")
		if !got.Usable(at(time.Hour)) || got.Usable(at(91*24*time.Hour)) {
			t.Fatal("Usable: want usable before expiry and not after")
		}
	})
	t.Run("a new token replaces the vendor's old one", func(t *testing.T) {
		next := iat
		next.Hash, next.CreatedAt, next.ExpiresAt = "hash-2", at(time.Minute), time.Time{}
		must(t, s.PutInitialAccessToken(ctx(t), next), "PutInitialAccessToken again")
		_, err := s.GetInitialAccessToken(ctx(t), "sandbox", "hash-1")
		wantErr(t, err, storage.ErrNotFound, "the replaced token")
		got, err := s.GetInitialAccessToken(ctx(t), "sandbox", "hash-2")
		must(t, err, "GetInitialAccessToken new")
		same(t, got, next, "new token")
		must(t, s.PutInitialAccessToken(ctx(t), storage.InitialAccessToken{Tenant: "sandbox", Vendor: "beta", Hash: "hash-3", CreatedAt: at(0)}), "second vendor")
		list, err := s.ListInitialAccessTokens(ctx(t), "sandbox")
		must(t, err, "ListInitialAccessTokens")
		if len(list) != 2 || list[0].Vendor != "acme" || list[1].Vendor != "beta" {
			t.Fatalf("list: %+v, want acme and beta", list)
		}
	})
	t.Run("revoke", func(t *testing.T) {
		must(t, s.RevokeInitialAccessToken(ctx(t), "sandbox", "acme", at(time.Hour)), "RevokeInitialAccessToken")
		got, err := s.GetInitialAccessToken(ctx(t), "sandbox", "hash-2")
		must(t, err, "GetInitialAccessToken revoked")
		if got.RevokedAt == nil || !got.RevokedAt.Equal(at(time.Hour)) || got.Usable(at(time.Hour)) {
			t.Fatalf("revoked token: %+v", got)
		}
		wantErr(t, s.RevokeInitialAccessToken(ctx(t), "sandbox", "acme", at(2*time.Hour)), storage.ErrInactive, "revoke twice")
		wantErr(t, s.RevokeInitialAccessToken(ctx(t), "sandbox", "nobody", at(time.Hour)), storage.ErrNotFound, "revoke unknown vendor")
	})
	t.Run("reset removes the clients' tokens and sessions only", func(t *testing.T) {
		tok := func(tenant, sig, client string) storage.TokenRecord {
			r := newToken(storage.KindAccessToken, sig, "req-"+sig)
			r.Tenant, r.ClientID = tenant, client
			return r
		}
		for _, r := range []storage.TokenRecord{
			tok("sandbox", "a1", "a-tool"), tok("sandbox", "a2", "a-app"), tok("sandbox", "b1", "b-tool"),
			tok("main", "m1", "a-tool"),
		} {
			must(t, s.CreateToken(ctx(t), r), "CreateToken "+r.Signature)
		}
		sess := func(id, tenant string, clients ...string) {
			ls := newSession(id, pidAlice, at(0))
			ls.Tenant, ls.Clients = tenant, clients
			must(t, s.CreateSession(ctx(t), ls), "CreateSession "+id)
		}
		sess("s-a", "sandbox", "a-tool", "a-app")
		sess("s-mixed", "sandbox", "a-tool", "b-tool")
		sess("s-b", "sandbox", "b-tool")
		sess("s-main", "main", "a-tool")
		grant := func(tenant, id, client string) {
			g := newGrant(id, client, pidAlice, "health:measurements")
			g.Tenant = tenant
			must(t, s.CreateGrant(ctx(t), g), "CreateGrant "+id)
		}
		grant("sandbox", "g-a", "a-tool")
		grant("sandbox", "g-b", "b-tool")
		grant("main", "g-main", "a-tool")
		got, err := s.ResetClients(ctx(t), "sandbox", []string{"a-tool", "a-app"}, at(time.Hour))
		must(t, err, "ResetClients")
		same(t, got, storage.ResetCounts{Tokens: 2, Sessions: 1}, "reset counts")
		// Grants are the consent service's to revoke (usage log,
		// back-channel logout) before the reset; the reset leaves them.
		for _, k := range []struct{ tenant, id string }{{"sandbox", "g-a"}, {"sandbox", "g-b"}, {"main", "g-main"}} {
			g, err := s.GetGrant(ctx(t), k.tenant, k.id)
			must(t, err, "grant "+k.id)
			if g.RevokedAt != nil {
				t.Errorf("grant %s revoked by ResetClients", k.id)
			}
		}
		for _, sig := range []string{"a1", "a2"} {
			_, err := s.GetToken(ctx(t), "sandbox", storage.KindAccessToken, sig)
			wantErr(t, err, storage.ErrNotFound, "reset token "+sig)
		}
		for _, k := range []struct{ tenant, sig string }{{"sandbox", "b1"}, {"main", "m1"}} {
			_, err := s.GetToken(ctx(t), k.tenant, storage.KindAccessToken, k.sig)
			must(t, err, "other token "+k.sig)
		}
		ended := map[string]bool{"s-a": true}
		for _, id := range []string{"s-a", "s-mixed", "s-b", "s-main"} {
			ls, err := s.GetSession(ctx(t), id)
			must(t, err, "GetSession "+id)
			if (ls.EndedAt != nil) != ended[id] {
				t.Fatalf("session %s ended=%v, want %v", id, ls.EndedAt != nil, ended[id])
			}
		}
		got, err = s.ResetClients(ctx(t), "sandbox", nil, at(time.Hour))
		must(t, err, "ResetClients of no client")
		same(t, got, storage.ResetCounts{}, "reset of nothing")
	})
}
