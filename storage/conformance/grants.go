package conformance

import (
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func newGrant(id, client, subject string, scopes ...string) storage.Grant {
	return storage.Grant{
		ID: id, Tenant: "main", ClientID: client, Subject: subject, Scopes: scopes,
		CreatedAt: at(0), ExpiresAt: at(24 * time.Hour),
	}
}

func testGrants(t *testing.T, s storage.Storage) {
	t.Run("create, get and list round-trip", func(t *testing.T) {
		g := newGrant("g-rt", "tool", pidChild, "health:measurements")
		g.Actor, g.Relation = pidAlice, "parent"
		must(t, s.CreateGrant(ctx(t), g), "CreateGrant")
		wantErr(t, s.CreateGrant(ctx(t), g), storage.ErrConflict, "CreateGrant duplicate")
		got, err := s.GetGrant(ctx(t), "main", "g-rt")
		must(t, err, "GetGrant")
		same(t, got, g, "grant")
		_, err = s.GetGrant(ctx(t), "other", "g-rt")
		wantErr(t, err, storage.ErrNotFound, "GetGrant in another tenant")
		later := newGrant("g-rt2", "tool", pidChild, "health:appointments")
		later.CreatedAt = at(time.Minute)
		must(t, s.CreateGrant(ctx(t), later), "CreateGrant later")
		gs, err := s.ListGrants(ctx(t), storage.GrantFilter{Tenant: "main", ClientID: "tool", Subject: pidChild})
		must(t, err, "ListGrants")
		if len(gs) != 2 || gs[0].ID != "g-rt2" || gs[1].ID != "g-rt" {
			t.Fatalf("ListGrants = %+v, want g-rt2 then g-rt", gs)
		}
	})
	t.Run("revoking a grant deactivates its codes and tokens and nothing else", func(t *testing.T) {
		must(t, s.CreateGrant(ctx(t), newGrant("g-cascade", "tool", pidAlice, "health:measurements")), "CreateGrant")
		var mine, other []storage.TokenRecord
		for i, k := range []storage.TokenKind{storage.KindAuthorizeCode, storage.KindAccessToken, storage.KindRefreshToken} {
			r := newToken(k, id("casc", i), "req-casc")
			r.GrantID, r.SessionID = "g-cascade", "chain-1"
			mine = append(mine, r)
			o := newToken(k, id("casc-other", i), "req-casc-other")
			o.GrantID = "g-other"
			other = append(other, o)
		}
		pkce := newToken(storage.KindPKCE, "casc-pkce", "req-casc")
		pkce.GrantID = "g-cascade"
		for _, r := range append(append(mine, other...), pkce) {
			must(t, s.CreateToken(ctx(t), r), "CreateToken "+r.Signature)
		}
		rev := storage.Revocation{At: at(time.Hour), By: "citizen", Actor: pidAlice, Reason: "no longer used"}
		res, err := s.RevokeGrant(ctx(t), "main", "g-cascade", rev)
		must(t, err, "RevokeGrant")
		if res.Tokens != 3 || len(res.Grants) != 1 {
			t.Fatalf("RevokeGrant = %+v, want 3 tokens of 1 grant", res)
		}
		same(t, res.Sessions, []storage.TokenSession{{Subject: pidAlice, SessionID: "chain-1"}}, "sessions")
		for _, r := range mine {
			if getActive(t, s, r.Kind, r.Signature) {
				t.Fatalf("%s %s still active after its grant was revoked", r.Kind, r.Signature)
			}
		}
		for _, r := range append(other, pkce) {
			if !getActive(t, s, r.Kind, r.Signature) {
				t.Fatalf("%s %s was deactivated, but it is not a code or token of the revoked grant", r.Kind, r.Signature)
			}
		}
		g, err := s.GetGrant(ctx(t), "main", "g-cascade")
		must(t, err, "GetGrant")
		if g.RevokedAt == nil || !g.RevokedAt.Equal(at(time.Hour)) || g.RevokedBy != "citizen" || g.RevokedActor != pidAlice || g.RevokedReason != "no longer used" {
			t.Fatalf("revoked grant = %+v", g)
		}
		_, err = s.RevokeGrant(ctx(t), "main", "g-cascade", rev)
		wantErr(t, err, storage.ErrInactive, "RevokeGrant again")
		_, err = s.RevokeGrant(ctx(t), "main", "g-absent", rev)
		wantErr(t, err, storage.ErrNotFound, "RevokeGrant absent")
		active, err := s.ListGrants(ctx(t), storage.GrantFilter{Tenant: "main", Subject: pidAlice, ActiveOnly: true})
		must(t, err, "ListGrants active")
		for _, g := range active {
			if g.ID == "g-cascade" {
				t.Fatal("ListGrants ActiveOnly returned a revoked grant")
			}
		}
	})
	t.Run("a rolled back revocation revokes nothing", func(t *testing.T) {
		must(t, s.CreateGrant(ctx(t), newGrant("g-rollback", "tool", pidBob, "health:measurements")), "CreateGrant")
		r := newToken(storage.KindAccessToken, "rb-at", "req-rb")
		r.GrantID = "g-rollback"
		must(t, s.CreateToken(ctx(t), r), "CreateToken")
		txctx, err := s.BeginTx(ctx(t))
		must(t, err, "BeginTx")
		_, err = s.RevokeGrant(txctx, "main", "g-rollback", storage.Revocation{At: at(time.Hour), By: "operator"})
		must(t, err, "RevokeGrant in tx")
		must(t, s.Rollback(txctx), "Rollback")
		g, err := s.GetGrant(ctx(t), "main", "g-rollback")
		must(t, err, "GetGrant")
		if g.RevokedAt != nil || !getActive(t, s, storage.KindAccessToken, "rb-at") {
			t.Fatal("a rolled back revocation left the grant revoked or its token inactive")
		}
	})
	t.Run("the kill-switch revokes every grant and token of one client only", func(t *testing.T) {
		must(t, s.CreateGrant(ctx(t), newGrant("g-kill-1", "bad", pidAlice, "health:measurements")), "CreateGrant")
		must(t, s.CreateGrant(ctx(t), newGrant("g-kill-2", "bad", pidBob, "health:appointments")), "CreateGrant")
		must(t, s.CreateGrant(ctx(t), newGrant("g-keep", "good", pidAlice, "health:measurements")), "CreateGrant")
		bad1 := newToken(storage.KindAccessToken, "kill-1", "req-kill-1")
		bad1.ClientID, bad1.GrantID = "bad", "g-kill-1"
		bad2 := newToken(storage.KindRefreshToken, "kill-2", "req-kill-2")
		bad2.ClientID, bad2.GrantID, bad2.Subject, bad2.SessionID = "bad", "", pidBob, "chain-b"
		good := newToken(storage.KindAccessToken, "keep-1", "req-keep")
		good.ClientID, good.GrantID = "good", "g-keep"
		for _, r := range []storage.TokenRecord{bad1, bad2, good} {
			must(t, s.CreateToken(ctx(t), r), "CreateToken")
		}
		res, err := s.RevokeClientGrants(ctx(t), "main", "bad", storage.Revocation{At: at(time.Hour), By: "operator", Actor: "ops", Reason: "compromised"})
		must(t, err, "RevokeClientGrants")
		if len(res.Grants) != 2 || res.Tokens != 2 {
			t.Fatalf("RevokeClientGrants = %d grants, %d tokens; want 2, 2", len(res.Grants), res.Tokens)
		}
		same(t, res.Sessions, []storage.TokenSession{{Subject: pidAlice, SessionID: "sess-1"}, {Subject: pidBob, SessionID: "chain-b"}}, "sessions")
		if getActive(t, s, storage.KindAccessToken, "kill-1") || getActive(t, s, storage.KindRefreshToken, "kill-2") {
			t.Fatal("a token of the disabled client is still active")
		}
		if !getActive(t, s, storage.KindAccessToken, "keep-1") {
			t.Fatal("another client's token was deactivated")
		}
		g, err := s.GetGrant(ctx(t), "main", "g-keep")
		must(t, err, "GetGrant")
		if g.RevokedAt != nil {
			t.Fatal("another client's grant was revoked")
		}
		res, err = s.RevokeClientGrants(ctx(t), "main", "bad", storage.Revocation{At: at(2 * time.Hour), By: "operator"})
		must(t, err, "RevokeClientGrants again")
		if len(res.Grants) != 0 || res.Tokens != 0 {
			t.Fatalf("second kill-switch changed %+v, want nothing", res)
		}
	})

	t.Run("kill-switch voids sealed tokens", func(t *testing.T) {
		// A client's sealed tokens are in no row; every revocation of
		// all its tokens moves the client's TokensRevokedAt forward in
		// its transaction, and nothing moves it back.
		must(t, s.CreateClient(ctx(t), newClient("main", "void-me")), "CreateClient")
		must(t, s.CreateClient(ctx(t), newClient("main", "void-other")), "CreateClient")
		notBefore := func(id string) time.Time {
			c, err := s.GetClient(ctx(t), "main", id)
			must(t, err, "GetClient")
			return c.TokensRevokedAt
		}
		txctx, err := s.BeginTx(ctx(t))
		must(t, err, "BeginTx")
		_, err = s.RevokeClientGrants(txctx, "main", "void-me", storage.Revocation{At: at(time.Hour), By: "operator"})
		must(t, err, "RevokeClientGrants in a transaction")
		must(t, s.Rollback(txctx), "Rollback")
		if nb := notBefore("void-me"); !nb.IsZero() {
			t.Fatalf("a rolled-back revocation left TokensRevokedAt %v", nb)
		}
		_, err = s.RevokeClientGrants(ctx(t), "main", "void-me", storage.Revocation{At: at(time.Hour), By: "operator"})
		must(t, err, "RevokeClientGrants")
		if nb := notBefore("void-me"); !nb.Equal(at(time.Hour)) {
			t.Fatalf("TokensRevokedAt = %v, want %v", nb, at(time.Hour))
		}
		_, err = s.RevokeClientGrants(ctx(t), "main", "void-me", storage.Revocation{At: at(time.Minute), By: "operator"})
		must(t, err, "RevokeClientGrants earlier")
		// Another clock behind: the value still changes, forward.
		if nb := notBefore("void-me"); !nb.After(at(time.Hour)) {
			t.Fatalf("a revocation with an earlier time left TokensRevokedAt at %v, want after %v", nb, at(time.Hour))
		}
		moved := notBefore("void-me")
		must(t, s.UpdateClient(ctx(t), "main", "void-me", func(c storage.Client) (storage.Client, error) {
			fresh := newClient("main", "void-me") // a rebuilt record, as an RFC 7592 update makes
			fresh.CreatedAt = c.CreatedAt
			return fresh, nil
		}), "UpdateClient")
		if nb := notBefore("void-me"); !nb.Equal(moved) {
			t.Fatalf("UpdateClient with a rebuilt record moved TokensRevokedAt from %v to %v", moved, nb)
		}
		_, err = s.ResetClients(ctx(t), "main", []string{"void-me"}, at(2*time.Hour))
		must(t, err, "ResetClients")
		if nb := notBefore("void-me"); !nb.Equal(at(2 * time.Hour)) {
			t.Fatalf("ResetClients left TokensRevokedAt at %v, want %v", nb, at(2*time.Hour))
		}
		if nb := notBefore("void-other"); !nb.IsZero() {
			t.Fatalf("another client's TokensRevokedAt = %v", nb)
		}
		_, err = s.RevokeClientGrants(ctx(t), "main", "no-such-client", storage.Revocation{At: at(time.Hour), By: "operator"})
		must(t, err, "RevokeClientGrants of an absent client")
	})
}

// testExpiredSessions: the sessions whose end is still to be announced.
func testExpiredSessions(t *testing.T, s storage.Storage) {
	mk := func(id, subject string, lastSeen, expires time.Duration, ended bool) {
		ls := storage.LoginSession{ID: id, Tenant: "exp", Subject: subject, CreatedAt: at(0), LastSeenAt: at(lastSeen), ExpiresAt: at(expires)}
		if ended {
			e := at(lastSeen)
			ls.EndedAt = &e
		}
		must(t, s.CreateSession(ctx(t), ls), "CreateSession "+id)
	}
	mk("live", pidAlice, 50*time.Minute, 2*time.Hour, false)
	mk("idle", pidAlice, 10*time.Minute, 2*time.Hour, false)
	mk("absolute", pidBob, 59*time.Minute, time.Hour, false)
	mk("ended", pidBob, 0, time.Hour, true)
	mk("anonymous", "", 0, time.Hour, false)
	// now = 60m, idle timeout 30m: idle before 30m.
	got, err := s.ListExpiredSessions(ctx(t), "exp", at(30*time.Minute), at(time.Hour), 10)
	must(t, err, "ListExpiredSessions")
	var ids []string
	for _, ls := range got {
		ids = append(ids, ls.ID)
	}
	same(t, ids, []string{"idle", "absolute"}, "expired sessions")
	got, err = s.ListExpiredSessions(ctx(t), "exp", at(30*time.Minute), at(time.Hour), 1)
	must(t, err, "ListExpiredSessions limit")
	if len(got) != 1 {
		t.Fatalf("limit 1 gave %d", len(got))
	}
}
