package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// testConcurrency checks the promises that make one-time use safe across
// nodes: of two requests using the same code or refresh token at the same
// moment, exactly one gets through (RFC 6749 §4.1.2 and §10.5; refresh
// rotation with reuse detection, RFC 9700 §4.14.2).
func testConcurrency(t *testing.T, s storage.Storage) {
	const rounds = 20
	for _, kind := range []storage.TokenKind{storage.KindRefreshToken, storage.KindAuthorizeCode} {
		t.Run(string(kind)+" used twice at once", func(t *testing.T) {
			for round := range rounds {
				sig := id(string(kind), round)
				must(t, s.CreateToken(ctx(t), newToken(kind, sig, "req-"+sig)), "CreateToken")
				errs := race(2, func(int) error { return s.DeactivateToken(ctx(t), "main", kind, sig) })
				oneWinner(t, errs, storage.ErrInactive, "DeactivateToken race")
				if getActive(t, s, kind, sig) {
					t.Fatal("record still active after the race")
				}
			}
		})
	}
	t.Run("code redeemed twice revokes what the first redemption issued", func(t *testing.T) {
		const req = "req-replay"
		code := newToken(storage.KindAuthorizeCode, "code-replay", req)
		must(t, s.CreateToken(ctx(t), code), "CreateToken code")
		// First redemption: the code is used and tokens are issued under
		// the same request ID.
		must(t, s.DeactivateToken(ctx(t), "main", storage.KindAuthorizeCode, "code-replay"), "first redemption")
		acc := newToken(storage.KindAccessToken, "at-replay", req)
		rt := newToken(storage.KindRefreshToken, "rt-replay", req)
		rt.AccessSignature = acc.Signature
		must(t, s.CreateToken(ctx(t), acc), "CreateToken access")
		must(t, s.CreateToken(ctx(t), rt), "CreateToken refresh")
		// Second redemption: refused, and per RFC 6749 §4.1.2 the tokens
		// of the first are revoked.
		wantErr(t, s.DeactivateToken(ctx(t), "main", storage.KindAuthorizeCode, "code-replay"), storage.ErrInactive,
			"second redemption")
		n, err := s.RevokeByRequest(ctx(t), "main", req, storage.KindAccessToken, storage.KindRefreshToken)
		must(t, err, "RevokeByRequest")
		if n != 2 {
			t.Fatalf("RevokeByRequest changed %d, want 2", n)
		}
		if getActive(t, s, storage.KindAccessToken, "at-replay") || getActive(t, s, storage.KindRefreshToken, "rt-replay") {
			t.Fatal("tokens of the first redemption still active")
		}
	})
	t.Run("a code seen used is seen with the tokens of its redemption", func(t *testing.T) {
		// The token endpoint invalidates the code and creates its tokens
		// in one transaction. A concurrent redemption of the same code
		// may learn that it was used by reading it or by losing the
		// conditional invalidation; either way it must then find the
		// winner's tokens, or its revocation (RFC 6749 §4.1.2) would
		// miss them.
		for round := range 5 {
			code := id("code-tx", round)
			req, access := "req-"+code, id("at-tx", round)
			must(t, s.CreateToken(ctx(t), newToken(storage.KindAuthorizeCode, code, req)), "CreateToken code")
			tx, err := s.BeginTx(ctx(t))
			must(t, err, "BeginTx")
			must(t, s.DeactivateToken(tx, "main", storage.KindAuthorizeCode, code), "winner's invalidation")
			losers := make(chan error, 2)
			sawTokens := func() error {
				if _, err := s.GetToken(ctx(t), "main", storage.KindAccessToken, access); err != nil {
					return fmt.Errorf("code used but the winner's token: %w", err)
				}
				return nil
			}
			go func() { // reads the code until it is used
				for {
					rec, err := s.GetToken(ctx(t), "main", storage.KindAuthorizeCode, code)
					if err != nil {
						losers <- err
						return
					}
					if !rec.Active {
						losers <- sawTokens()
						return
					}
					time.Sleep(time.Millisecond)
				}
			}()
			go func() { // tries to invalidate it too
				err := s.DeactivateToken(ctx(t), "main", storage.KindAuthorizeCode, code)
				if !errors.Is(err, storage.ErrInactive) {
					losers <- fmt.Errorf("losing invalidation: %v, want ErrInactive", err)
					return
				}
				losers <- sawTokens()
			}()
			time.Sleep(20 * time.Millisecond) // the losers look while the redemption is in progress
			must(t, s.CreateToken(tx, newToken(storage.KindAccessToken, access, req)), "CreateToken access")
			must(t, s.Commit(tx), "Commit")
			for range 2 {
				must(t, <-losers, "round "+code)
			}
		}
	})
	t.Run("refresh rotation in a transaction", func(t *testing.T) {
		// The adapter rotates inside one transaction: deactivate the old
		// refresh token and create the new pair. Two racing rotations must
		// leave exactly one new pair.
		for round := range 10 {
			old := id("rot-old", round)
			must(t, s.CreateToken(ctx(t), newToken(storage.KindRefreshToken, old, "req-"+old)), "CreateToken")
			errs := race(2, func(i int) error {
				tx, err := s.BeginTx(ctx(t))
				if err != nil {
					return err
				}
				if err := s.DeactivateToken(tx, "main", storage.KindRefreshToken, old); err != nil {
					s.Rollback(tx)
					return err
				}
				next := newToken(storage.KindRefreshToken, id(old+"-next", i), "req-"+old)
				next.RequestedAt = at(time.Duration(round) * time.Second)
				if err := s.CreateToken(tx, next); err != nil {
					s.Rollback(tx)
					return err
				}
				return s.Commit(tx)
			})
			// A backend may also refuse the loser with ErrSerialization;
			// either way exactly one rotation succeeds.
			wins := 0
			for _, err := range errs {
				switch {
				case err == nil:
					wins++
				case !errors.Is(err, storage.ErrInactive) && !errors.Is(err, storage.ErrSerialization):
					t.Fatalf("round %d: rotation failed with %v", round, err)
				}
			}
			if wins != 1 {
				t.Fatalf("round %d: %d rotations succeeded (errors %v), want 1", round, wins, errs)
			}
			n, err := s.RevokeByRequest(ctx(t), "main", "req-"+old, storage.KindRefreshToken)
			must(t, err, "RevokeByRequest")
			if n != 1 {
				t.Fatalf("round %d: %d active refresh tokens after rotation race, want 1", round, n)
			}
		}
	})
}

// testSessionLock checks RevokeBySession's promise (storage.TokenStore):
// a transaction that issues tokens under a login session, having first
// deactivated (a code, a refresh token) or locked (LockToken, a token
// exchange's subject) a token row of the session, and a RevokeBySession
// of that session never overlap. As in testGrantLock, a step that must
// wait is given time to (wrongly) finish.
func testSessionLock(t *testing.T, s storage.Storage) {
	const meanwhile = 300 * time.Millisecond
	type swept struct {
		n   int64
		err error
	}
	sessionToken := func(t *testing.T, kind storage.TokenKind, sig, session string) {
		t.Helper()
		tok := newToken(kind, sig, "req-"+sig)
		tok.SessionID, tok.GrantID = session, ""
		must(t, s.CreateToken(ctx(t), tok), "CreateToken")
	}

	t.Run("LockToken needs a transaction and reads the token", func(t *testing.T) {
		sessionToken(t, storage.KindAccessToken, "lock-read-at", "sess-lock-read")
		if _, err := s.LockToken(ctx(t), "main", storage.KindAccessToken, "lock-read-at"); err == nil {
			t.Fatal("LockToken without a transaction succeeded; it has nothing to hold the lock in")
		}
		tx, err := s.BeginTx(ctx(t))
		must(t, err, "BeginTx")
		defer s.Rollback(tx)
		rec, err := s.LockToken(tx, "main", storage.KindAccessToken, "lock-read-at")
		must(t, err, "LockToken")
		if !rec.Active || rec.SessionID != "sess-lock-read" {
			t.Errorf("locked record %+v", rec)
		}
		_, err = s.LockToken(tx, "other", storage.KindAccessToken, "lock-read-at")
		wantErr(t, err, storage.ErrNotFound, "LockToken in another tenant")
		must(t, s.Commit(tx), "Commit")
	})

	for _, hold := range []struct {
		name string
		kind storage.TokenKind
		do   func(tx context.Context, sig string) error
	}{
		{"redeemed (DeactivateToken)", storage.KindAuthorizeCode, func(tx context.Context, sig string) error {
			return s.DeactivateToken(tx, "main", storage.KindAuthorizeCode, sig)
		}},
		{"locked (LockToken)", storage.KindAccessToken, func(tx context.Context, sig string) error {
			_, err := s.LockToken(tx, "main", storage.KindAccessToken, sig)
			return err
		}},
	} {
		for _, sweep := range []struct {
			name  string
			scope func(tok *storage.TokenRecord, key string) // puts tok under the swept session or client
			run   func(ctx context.Context, key string) (int64, error)
		}{
			{"a logout (RevokeBySession)", func(tok *storage.TokenRecord, key string) { tok.SessionID = key },
				func(ctx context.Context, key string) (int64, error) { return s.RevokeBySession(ctx, "main", key) }},
			{"the kill-switch (RevokeByClient)", func(tok *storage.TokenRecord, key string) { tok.ClientID = key },
				func(ctx context.Context, key string) (int64, error) { return s.RevokeByClient(ctx, "main", key) }},
		} {
			t.Run(sweep.name+" waits for a transaction that "+hold.name+" one of its tokens, and revokes what it issued", func(t *testing.T) {
				// Without the second UPDATE, PostgreSQL's sweep waits for
				// A's row, then does not see the token A committed.
				key := "first-" + string(hold.kind) + "-" + strings.Fields(sweep.name)[1]
				old, issued := key+"-old", key+"-issued"
				tok := newToken(hold.kind, old, "req-"+old)
				tok.GrantID = ""
				sweep.scope(&tok, key)
				must(t, s.CreateToken(ctx(t), tok), "CreateToken")
				txA, err := s.BeginTx(ctx(t))
				must(t, err, "BeginTx A")
				defer s.Rollback(txA)
				must(t, hold.do(txA, old), "A takes its token")
				b := make(chan swept, 1)
				go func() {
					n, err := sweep.run(ctx(t), key)
					b <- swept{n, err}
				}()
				select {
				case r := <-b:
					t.Fatalf("the sweep ended (%d, %v) while A held one of its tokens", r.n, r.err)
				case <-time.After(meanwhile):
				}
				nt := newToken(storage.KindRefreshToken, issued, "req-"+issued)
				nt.GrantID = ""
				sweep.scope(&nt, key)
				must(t, s.CreateToken(txA, nt), "CreateToken A")
				must(t, s.Commit(txA), "Commit A")
				must(t, (<-b).err, "the sweep B")
				if getActive(t, s, storage.KindRefreshToken, issued) {
					t.Fatal("a token A issued is active after the sweep committed")
				}
			})
		}
		t.Run("a transaction that "+hold.name+" a token of a session being swept finds it inactive", func(t *testing.T) {
			session, old := "sess-swept-"+string(hold.kind), "swept-"+string(hold.kind)
			sessionToken(t, hold.kind, old, session)
			txB, err := s.BeginTx(ctx(t))
			must(t, err, "BeginTx B")
			defer s.Rollback(txB)
			n, err := s.RevokeBySession(txB, "main", session)
			must(t, err, "RevokeBySession B")
			if n != 1 {
				t.Fatalf("RevokeBySession deactivated %d tokens, want 1", n)
			}
			type took struct {
				active bool
				err    error
			}
			a := make(chan took, 1)
			go func() {
				txA, err := s.BeginTx(ctx(t))
				if err != nil {
					a <- took{err: err}
					return
				}
				defer s.Rollback(txA)
				if err := hold.do(txA, old); err != nil {
					a <- took{err: err}
					return
				}
				rec, err := s.GetToken(txA, "main", hold.kind, old)
				a <- took{rec.Active, err}
			}()
			select {
			case r := <-a:
				t.Fatalf("A took the token (active %v, %v) while the sweep was open", r.active, r.err)
			case <-time.After(meanwhile):
			}
			must(t, s.Commit(txB), "Commit B")
			r := <-a
			switch {
			case hold.kind == storage.KindAuthorizeCode:
				wantErr(t, r.err, storage.ErrInactive, "DeactivateToken after the sweep")
			case r.err != nil:
				t.Fatalf("LockToken after the sweep: %v", r.err)
			case r.active:
				t.Fatal("A read the token active after the sweep committed")
			}
		})
	}
}

// testGrantLock checks LockGrant's promise (storage.GrantStore): a
// transaction that issues codes or tokens under a grant and a revocation
// of that grant never overlap. Each case runs one interleaving on two
// connections. Where a step must wait for the other transaction, the
// test lets the waiting side run for a while before the other ends:
// with the lock it cannot finish meanwhile, whatever the timing;
// without it, it finishes and the case fails.
func testGrantLock(t *testing.T, s storage.Storage) {
	// meanwhile is how long a step that should be waiting is given to
	// (wrongly) finish.
	const meanwhile = 300 * time.Millisecond
	type revoked struct {
		res storage.RevokedGrants
		err error
	}
	revoke := func(t *testing.T, id string) <-chan revoked {
		out := make(chan revoked, 1)
		go func() {
			res, err := s.RevokeGrant(ctx(t), "main", id, storage.Revocation{At: at(time.Hour), By: "citizen", Actor: pidAlice})
			out <- revoked{res, err}
		}()
		return out
	}
	finished := func(t *testing.T, c <-chan revoked) bool {
		t.Helper()
		select {
		case r := <-c:
			t.Errorf("the revocation ended (%+v, %v) while a transaction held the grant", r.res, r.err)
			return true
		case <-time.After(meanwhile):
			return false
		}
	}

	t.Run("LockGrant needs a transaction and reads the grant", func(t *testing.T) {
		must(t, s.CreateGrant(ctx(t), newGrant("g-lock-read", "tool", pidAlice, "health:measurements")), "CreateGrant")
		if _, err := s.LockGrant(ctx(t), "main", "g-lock-read"); err == nil {
			t.Fatal("LockGrant without a transaction succeeded; it has nothing to hold the lock in")
		}
		tx, err := s.BeginTx(ctx(t))
		must(t, err, "BeginTx")
		defer s.Rollback(tx)
		g, err := s.LockGrant(tx, "main", "g-lock-read")
		must(t, err, "LockGrant")
		same(t, g, newGrant("g-lock-read", "tool", pidAlice, "health:measurements"), "locked grant")
		_, err = s.LockGrant(tx, "other", "g-lock-read")
		wantErr(t, err, storage.ErrNotFound, "LockGrant in another tenant")
		must(t, s.Commit(tx), "Commit")
	})

	t.Run("a revocation waits for the transaction that holds the grant and revokes what it issued", func(t *testing.T) {
		// Tx A holds the grant and stores a token under it; B revokes
		// the grant meanwhile. Without the lock, B deactivates the
		// tokens it sees before A's commit and A's token survives.
		must(t, s.CreateGrant(ctx(t), newGrant("g-lock-first", "tool", pidAlice, "health:measurements")), "CreateGrant")
		txA, err := s.BeginTx(ctx(t))
		must(t, err, "BeginTx A")
		defer s.Rollback(txA)
		g, err := s.LockGrant(txA, "main", "g-lock-first")
		must(t, err, "LockGrant A")
		if g.RevokedAt != nil {
			t.Fatal("grant revoked before anyone revoked it")
		}
		b := revoke(t, "g-lock-first")
		if finished(t, b) {
			return
		}
		tok := newToken(storage.KindAccessToken, "lock-first-at", "req-lock-first")
		tok.GrantID = "g-lock-first"
		must(t, s.CreateToken(txA, tok), "CreateToken A")
		must(t, s.Commit(txA), "Commit A")
		r := <-b
		must(t, r.err, "RevokeGrant B")
		if r.res.Tokens != 1 {
			t.Errorf("RevokeGrant deactivated %d tokens, want 1 (the token A committed)", r.res.Tokens)
		}
		if getActive(t, s, storage.KindAccessToken, "lock-first-at") {
			t.Fatal("a token issued under the grant is active after the grant's revocation committed")
		}
	})

	t.Run("the kill-switch waits for the transaction that holds a grant of the client", func(t *testing.T) {
		must(t, s.CreateGrant(ctx(t), newGrant("g-lock-kill", "lock-kill", pidAlice, "health:measurements")), "CreateGrant")
		txA, err := s.BeginTx(ctx(t))
		must(t, err, "BeginTx A")
		defer s.Rollback(txA)
		_, err = s.LockGrant(txA, "main", "g-lock-kill")
		must(t, err, "LockGrant A")
		b := make(chan revoked, 1)
		go func() {
			res, err := s.RevokeClientGrants(ctx(t), "main", "lock-kill", storage.Revocation{At: at(time.Hour), By: "operator"})
			b <- revoked{res, err}
		}()
		if finished(t, b) {
			return
		}
		tok := newToken(storage.KindRefreshToken, "lock-kill-rt", "req-lock-kill")
		tok.ClientID, tok.GrantID = "lock-kill", "g-lock-kill"
		must(t, s.CreateToken(txA, tok), "CreateToken A")
		must(t, s.Commit(txA), "Commit A")
		r := <-b
		must(t, r.err, "RevokeClientGrants B")
		if len(r.res.Grants) != 1 || r.res.Tokens != 1 {
			t.Errorf("RevokeClientGrants = %d grants, %d tokens; want 1, 1", len(r.res.Grants), r.res.Tokens)
		}
		if getActive(t, s, storage.KindRefreshToken, "lock-kill-rt") {
			t.Fatal("a token issued under the client's grant is active after the kill-switch committed")
		}
	})

	t.Run("a transaction that locks a grant being revoked sees it revoked", func(t *testing.T) {
		// B revokes the grant in a transaction still open; A locks it.
		// Without the lock A reads the grant as it was before B and
		// issues under a grant that is revoked a moment later.
		must(t, s.CreateGrant(ctx(t), newGrant("g-revoke-first", "tool", pidAlice, "health:measurements")), "CreateGrant")
		txB, err := s.BeginTx(ctx(t))
		must(t, err, "BeginTx B")
		defer s.Rollback(txB)
		_, err = s.RevokeGrant(txB, "main", "g-revoke-first", storage.Revocation{At: at(time.Hour), By: "citizen", Actor: pidAlice})
		must(t, err, "RevokeGrant B")
		type locked struct {
			g   storage.Grant
			err error
		}
		a := make(chan locked, 1)
		go func() {
			txA, err := s.BeginTx(ctx(t))
			if err != nil {
				a <- locked{err: err}
				return
			}
			defer s.Rollback(txA)
			g, err := s.LockGrant(txA, "main", "g-revoke-first")
			a <- locked{g, err}
		}()
		select {
		case l := <-a:
			t.Fatalf("LockGrant returned (%+v, %v) while the revocation was still open", l.g, l.err)
		case <-time.After(meanwhile):
		}
		must(t, s.Commit(txB), "Commit B")
		l := <-a
		must(t, l.err, "LockGrant A")
		if l.g.RevokedAt == nil {
			t.Fatal("LockGrant read the grant as active after its revocation committed")
		}
	})

	t.Run("a transaction that holds the grant may revoke it beside a waiting revocation", func(t *testing.T) {
		// The refused refresh of an ended relation: A holds the grant,
		// deactivates its request's tokens and revokes the grant, while
		// B waits to revoke it too. Both take the grant first, so
		// neither waits for the other's token rows (no deadlock); B
		// then finds it revoked.
		must(t, s.CreateGrant(ctx(t), newGrant("g-lock-revoke", "tool", pidAlice, "health:measurements")), "CreateGrant")
		tok := newToken(storage.KindRefreshToken, "lock-revoke-rt", "req-lock-revoke")
		tok.GrantID = "g-lock-revoke"
		must(t, s.CreateToken(ctx(t), tok), "CreateToken")
		txA, err := s.BeginTx(ctx(t))
		must(t, err, "BeginTx A")
		defer s.Rollback(txA)
		_, err = s.LockGrant(txA, "main", "g-lock-revoke")
		must(t, err, "LockGrant A")
		b := revoke(t, "g-lock-revoke")
		if finished(t, b) {
			return
		}
		n, err := s.RevokeByRequest(txA, "main", "req-lock-revoke")
		must(t, err, "RevokeByRequest A")
		if n != 1 {
			t.Fatalf("RevokeByRequest changed %d, want 1", n)
		}
		_, err = s.RevokeGrant(txA, "main", "g-lock-revoke", storage.Revocation{At: at(time.Hour), By: "relation_ended"})
		must(t, err, "RevokeGrant A")
		must(t, s.Commit(txA), "Commit A")
		r := <-b
		wantErr(t, r.err, storage.ErrInactive, "RevokeGrant B after A revoked")
		g, err := s.GetGrant(ctx(t), "main", "g-lock-revoke")
		must(t, err, "GetGrant")
		if g.RevokedBy != "relation_ended" {
			t.Fatalf("grant revoked by %q, want relation_ended (A's)", g.RevokedBy)
		}
	})
}
