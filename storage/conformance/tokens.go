package conformance

import (
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func newToken(kind storage.TokenKind, sig, requestID string) storage.TokenRecord {
	return storage.TokenRecord{
		Kind:        kind,
		Signature:   sig,
		Tenant:      "main",
		RequestID:   requestID,
		ClientID:    "tool",
		Subject:     pidAlice,
		SessionID:   "sess-1",
		GrantID:     "grant-1",
		Active:      true,
		RequestedAt: at(0),
		ExpiresAt:   at(time.Hour),
		Data:        []byte(`{"opaque":"adapter data"}`),
	}
}

func getActive(t *testing.T, s storage.Storage, kind storage.TokenKind, sig string) bool {
	t.Helper()
	got, err := s.GetToken(ctx(t), "main", kind, sig)
	must(t, err, "GetToken "+sig)
	return got.Active
}

func testTokens(t *testing.T, s storage.Storage) {
	t.Run("create and get round-trip", func(t *testing.T) {
		rt := newToken(storage.KindRefreshToken, "rt-1", "req-1")
		rt.AccessSignature = "at-1"
		must(t, s.CreateToken(ctx(t), rt), "CreateToken")
		got, err := s.GetToken(ctx(t), "main", storage.KindRefreshToken, "rt-1")
		must(t, err, "GetToken")
		same(t, got, rt, "token")

		inactive := newToken(storage.KindPAR, "par-1", "req-1")
		inactive.Active, inactive.Data, inactive.SessionID = false, nil, ""
		must(t, s.CreateToken(ctx(t), inactive), "CreateToken inactive")
		got, err = s.GetToken(ctx(t), "main", storage.KindPAR, "par-1")
		must(t, err, "GetToken inactive")
		same(t, got, inactive, "inactive record")
	})
	t.Run("times are kept in UTC to the microsecond", func(t *testing.T) {
		oslo := time.FixedZone("CET", 3600)
		r := newToken(storage.KindAccessToken, "precise", "req-precise")
		r.RequestedAt = time.Date(2025, 6, 1, 12, 0, 0, 123456789, oslo)
		r.ExpiresAt = time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC) // before the epoch
		must(t, s.CreateToken(ctx(t), r), "CreateToken")
		got, err := s.GetToken(ctx(t), "main", storage.KindAccessToken, "precise")
		must(t, err, "GetToken")
		same(t, got.RequestedAt, r.RequestedAt.UTC().Truncate(time.Microsecond), "RequestedAt")
		same(t, got.ExpiresAt, r.ExpiresAt, "ExpiresAt")
		must(t, s.DeleteToken(ctx(t), "main", storage.KindAccessToken, "precise"), "DeleteToken")
	})
	t.Run("issue stores as create does, and joins a transaction", func(t *testing.T) {
		at := newToken(storage.KindAccessToken, "issued-1", "req-issued")
		at.SessionID, at.GrantID, at.Subject = "", "", ""
		must(t, s.IssueTokens(ctx(t), at), "IssueTokens")
		got, err := s.GetToken(ctx(t), "main", storage.KindAccessToken, "issued-1")
		must(t, err, "GetToken issued")
		same(t, got, at, "issued token")
		wantErr(t, s.IssueTokens(ctx(t), at), storage.ErrConflict, "duplicate IssueTokens")
		code, pk := newToken(storage.KindAuthorizeCode, "issued-code", "req-code"), newToken(storage.KindPKCE, "issued-code", "req-code")
		must(t, s.IssueTokens(ctx(t), code, pk), "IssueTokens of two")
		got, err = s.GetToken(ctx(t), "main", storage.KindPKCE, "issued-code")
		must(t, err, "GetToken issued PKCE")
		same(t, got, pk, "issued PKCE record")

		// In a transaction it is part of it: rolled back with it.
		tx, err := s.BeginTx(ctx(t))
		must(t, err, "BeginTx")
		must(t, s.IssueTokens(tx, newToken(storage.KindAccessToken, "issued-rolled-back", "req-issued")), "IssueTokens in tx")
		must(t, s.Rollback(tx), "Rollback")
		if _, err := s.GetToken(ctx(t), "main", storage.KindAccessToken, "issued-rolled-back"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("a token issued in a rolled-back transaction was kept: %v", err)
		}
	})
	t.Run("duplicate conflicts only within tenant and kind", func(t *testing.T) {
		wantErr(t, s.CreateToken(ctx(t), newToken(storage.KindRefreshToken, "rt-1", "req-x")), storage.ErrConflict,
			"duplicate CreateToken")
		must(t, s.CreateToken(ctx(t), newToken(storage.KindAccessToken, "rt-1", "req-x")), "same signature, other kind")
		other := newToken(storage.KindRefreshToken, "rt-1", "req-x")
		other.Tenant = "sandbox"
		must(t, s.CreateToken(ctx(t), other), "same signature, other tenant")
	})
	t.Run("create several and get by signature", func(t *testing.T) {
		code := newToken(storage.KindAuthorizeCode, "multi-sig", "multi-req")
		pk := newToken(storage.KindPKCE, "multi-sig", "multi-req")
		oidc := newToken(storage.KindOIDC, "multi-sig", "multi-req")
		oidc.Active = false
		must(t, s.CreateTokens(ctx(t), code, pk, oidc), "CreateTokens")
		// Another tenant's and another signature's records are not read.
		other := newToken(storage.KindPKCE, "multi-sig", "multi-req")
		other.Tenant = "other"
		must(t, s.CreateTokens(ctx(t), other, newToken(storage.KindOIDC, "multi-sig-2", "multi-req")), "CreateTokens")
		got, err := s.GetTokensBySignature(ctx(t), "main", "multi-sig", storage.KindAuthorizeCode, storage.KindPKCE, storage.KindOIDC, storage.KindRefreshToken)
		must(t, err, "GetTokensBySignature")
		byKind := map[storage.TokenKind]storage.TokenRecord{}
		for _, r := range got {
			byKind[r.Kind] = r
		}
		if len(got) != 3 || byKind[storage.KindPKCE].Signature != "multi-sig" || byKind[storage.KindOIDC].Active ||
			!byKind[storage.KindAuthorizeCode].Active || string(byKind[storage.KindAuthorizeCode].Data) != string(code.Data) {
			t.Fatalf("GetTokensBySignature = %+v", got)
		}
		// All or none: one duplicate fails the whole call.
		fresh := newToken(storage.KindAccessToken, "multi-fresh", "multi-req")
		if err := s.CreateTokens(ctx(t), fresh, code); !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("CreateTokens with a duplicate = %v, want ErrConflict", err)
		}
		if _, err := s.GetToken(ctx(t), "main", storage.KindAccessToken, "multi-fresh"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("a record of a failed CreateTokens was kept: %v", err)
		}
	})

	t.Run("missing is ErrNotFound", func(t *testing.T) {
		_, err := s.GetToken(ctx(t), "main", storage.KindAuthorizeCode, "rt-1")
		wantErr(t, err, storage.ErrNotFound, "GetToken wrong kind")
		wantErr(t, s.DeactivateToken(ctx(t), "main", storage.KindAuthorizeCode, "nope"), storage.ErrNotFound,
			"DeactivateToken missing")
		wantErr(t, s.DeleteToken(ctx(t), "main", storage.KindAuthorizeCode, "nope"), storage.ErrNotFound,
			"DeleteToken missing")
	})
	t.Run("deactivate once", func(t *testing.T) {
		must(t, s.CreateToken(ctx(t), newToken(storage.KindAuthorizeCode, "code-1", "req-2")), "CreateToken")
		must(t, s.DeactivateToken(ctx(t), "main", storage.KindAuthorizeCode, "code-1"), "DeactivateToken")
		if getActive(t, s, storage.KindAuthorizeCode, "code-1") {
			t.Fatal("code still active after DeactivateToken")
		}
		wantErr(t, s.DeactivateToken(ctx(t), "main", storage.KindAuthorizeCode, "code-1"), storage.ErrInactive,
			"second DeactivateToken")
	})
	t.Run("delete", func(t *testing.T) {
		must(t, s.CreateToken(ctx(t), newToken(storage.KindPKCE, "pkce-1", "req-2")), "CreateToken")
		must(t, s.DeleteToken(ctx(t), "main", storage.KindPKCE, "pkce-1"), "DeleteToken")
		_, err := s.GetToken(ctx(t), "main", storage.KindPKCE, "pkce-1")
		wantErr(t, err, storage.ErrNotFound, "GetToken after delete")
	})
	t.Run("revoke by request", func(t *testing.T) {
		for _, r := range []storage.TokenRecord{
			newToken(storage.KindAuthorizeCode, "c-r3", "req-3"),
			newToken(storage.KindAccessToken, "a-r3", "req-3"),
			newToken(storage.KindRefreshToken, "r-r3", "req-3"),
			newToken(storage.KindOIDC, "o-r3", "req-3"),
			newToken(storage.KindAccessToken, "a-r4", "req-4"),
		} {
			must(t, s.CreateToken(ctx(t), r), "CreateToken "+r.Signature)
		}
		n, err := s.RevokeByRequest(ctx(t), "main", "req-3", storage.KindAccessToken, storage.KindRefreshToken)
		must(t, err, "RevokeByRequest")
		if n != 2 {
			t.Fatalf("RevokeByRequest changed %d, want 2", n)
		}
		for sig, want := range map[string]bool{"a-r3": false, "r-r3": false, "a-r4": true} {
			kind := storage.KindAccessToken
			if sig == "r-r3" {
				kind = storage.KindRefreshToken
			}
			if got := getActive(t, s, kind, sig); got != want {
				t.Fatalf("%s active = %v, want %v", sig, got, want)
			}
		}
		if !getActive(t, s, storage.KindAuthorizeCode, "c-r3") {
			t.Fatal("RevokeByRequest(access, refresh) deactivated the code")
		}
		n, err = s.RevokeByRequest(ctx(t), "main", "req-3")
		must(t, err, "RevokeByRequest all kinds")
		if n != 2 { // the code and the oidc record; the rest were inactive already
			t.Fatalf("RevokeByRequest (all kinds) changed %d, want 2", n)
		}
		if getActive(t, s, storage.KindOIDC, "o-r3") {
			t.Fatal("RevokeByRequest without kinds left the oidc record active")
		}
	})
	t.Run("revoke by session and by client", func(t *testing.T) {
		mk := func(kind storage.TokenKind, sig, session, client string) {
			r := newToken(kind, sig, "req-"+sig)
			r.Tenant, r.SessionID, r.ClientID = "t2", session, client
			must(t, s.CreateToken(ctx(t), r), "CreateToken "+sig)
		}
		mk(storage.KindAccessToken, "s1-a", "s1", "c1")
		mk(storage.KindRefreshToken, "s1-r", "s1", "c1")
		mk(storage.KindAuthorizeCode, "s1-c", "s1", "c1")
		mk(storage.KindPKCE, "s1-p", "s1", "c1")
		mk(storage.KindAccessToken, "s2-a", "s2", "c1")
		mk(storage.KindRefreshToken, "s3-r", "s3", "c2")
		n, err := s.RevokeBySession(ctx(t), "t2", "s1")
		must(t, err, "RevokeBySession")
		if n != 3 {
			t.Fatalf("RevokeBySession changed %d, want 3 (code + access + refresh)", n)
		}
		active := func(kind storage.TokenKind, sig string) bool {
			r, err := s.GetToken(ctx(t), "t2", kind, sig)
			must(t, err, "GetToken "+sig)
			return r.Active
		}
		if active(storage.KindAccessToken, "s1-a") || active(storage.KindRefreshToken, "s1-r") ||
			active(storage.KindAuthorizeCode, "s1-c") {
			t.Fatal("session s1 tokens still active")
		}
		if !active(storage.KindPKCE, "s1-p") || !active(storage.KindAccessToken, "s2-a") {
			t.Fatal("RevokeBySession touched another kind or session")
		}
		n, err = s.RevokeByClient(ctx(t), "t2", "c1")
		must(t, err, "RevokeByClient")
		if n != 1 {
			t.Fatalf("RevokeByClient changed %d, want 1 (s2-a)", n)
		}
		if active(storage.KindAccessToken, "s2-a") || !active(storage.KindRefreshToken, "s3-r") {
			t.Fatal("RevokeByClient revoked the wrong tokens")
		}
		n, err = s.RevokeByClient(ctx(t), "other-tenant", "c2")
		must(t, err, "RevokeByClient other tenant")
		if n != 0 || !active(storage.KindRefreshToken, "s3-r") {
			t.Fatal("RevokeByClient crossed tenants")
		}
	})
	t.Run("delete expired", func(t *testing.T) {
		for i, exp := range []time.Duration{time.Minute, 2 * time.Minute, 10 * time.Minute} {
			r := newToken(storage.KindAccessToken, id("exp", i), "req-exp")
			r.Tenant, r.ExpiresAt = "t3", at(exp)
			must(t, s.CreateToken(ctx(t), r), "CreateToken")
		}
		// Everything else in the store expires at base+1h.
		n, err := s.DeleteExpiredTokens(ctx(t), at(5*time.Minute))
		must(t, err, "DeleteExpiredTokens")
		if n != 2 {
			t.Fatalf("DeleteExpiredTokens removed %d, want 2", n)
		}
		_, err = s.GetToken(ctx(t), "t3", storage.KindAccessToken, id("exp", 0))
		wantErr(t, err, storage.ErrNotFound, "expired token")
		_, err = s.GetToken(ctx(t), "t3", storage.KindAccessToken, id("exp", 2))
		must(t, err, "unexpired token")
		// The boundary is exclusive: a record expiring exactly at t stays.
		n, err = s.DeleteExpiredTokens(ctx(t), at(10*time.Minute))
		must(t, err, "DeleteExpiredTokens at the boundary")
		if n != 0 {
			t.Fatalf("DeleteExpiredTokens at expiry removed %d, want 0", n)
		}
	})
	t.Run("list sealed tombstones", func(t *testing.T) {
		tomb := func(tenant, reqID string, exp time.Duration) storage.TokenRecord {
			r := newToken(storage.KindAccessToken, storage.SealedTombstonePrefix+reqID, reqID)
			r.Tenant, r.Active, r.ExpiresAt, r.Data = tenant, false, at(exp), nil
			return r
		}
		for _, r := range []storage.TokenRecord{
			tomb("t4", "sealed-a", time.Hour),
			tomb("t4", "sealed-b", 2*time.Hour),
			tomb("t4", "sealed-old", time.Minute),                             // expired at the time asked
			tomb("t4-other", "sealed-c", time.Hour),                           // another tenant's
			newToken(storage.KindAccessToken, "sealed-revoked-not", "req-t4"), // no colon: a stored token
		} {
			must(t, s.CreateToken(ctx(t), r), "CreateToken "+r.Signature)
		}
		rt := tomb("t4", "sealed-rt", time.Hour)
		rt.Kind = storage.KindRefreshToken // the prefix on another kind is no tombstone
		must(t, s.CreateToken(ctx(t), rt), "CreateToken refresh")

		got, err := s.ListSealedTombstones(ctx(t), "t4", at(30*time.Minute), 100)
		must(t, err, "ListSealedTombstones")
		sort.Strings(got)
		same(t, got, []string{"sealed-a", "sealed-b"}, "tombstones of t4 live at +30m")
		got, err = s.ListSealedTombstones(ctx(t), "t4", at(30*time.Minute), 1)
		must(t, err, "ListSealedTombstones with a limit")
		if len(got) != 1 {
			t.Fatalf("limit 1 returned %v", got)
		}
		if _, err := s.ListSealedTombstones(ctx(t), "t4", time.Time{}, 100); err == nil {
			t.Fatal("ListSealedTombstones with no time answered (an empty list would be believed)")
		}
		got, err = s.ListSealedTombstones(ctx(t), "t4", at(3*time.Hour), 100)
		must(t, err, "ListSealedTombstones after expiry")
		if len(got) != 0 {
			t.Fatalf("expired tombstones listed: %v", got)
		}
	})
}
