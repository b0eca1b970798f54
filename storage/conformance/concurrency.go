package conformance

import (
	"errors"
	"fmt"
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
