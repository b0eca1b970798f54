package main

// Regression tests of the session and logout review: one authorization
// code redeemed in parallel, RP-initiated logout hints that name another
// person or are no ID token at all, and tokens of a login session that a
// new login in the same browser replaced.

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// TestConcurrentCodeRedemption: of several parallel redemptions of one
// authorization code exactly one gets tokens, every other one gets 400
// invalid_grant (never a 500), and the reuse revokes what the winner got
// (RFC 6749 §4.1.2), in every trial and on both backends.
func TestConcurrentCodeRedemption(t *testing.T) {
	const trials, parallel = 4, 6
	for _, b := range e2eBackends() {
		t.Run(b.name, func(t *testing.T) {
			e := startE2E(t, b)
			c := e.register(t, "main", "race-tool")
			rp := e.rp(t, c)
			for trial := range trials {
				code, a, _, err := rp.loginE(newBrowser(), e.kari)
				if err != nil {
					t.Fatal(err)
				}
				type answer struct {
					status int
					body   map[string]any
				}
				answers := make([]answer, parallel)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range parallel {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						status, body, _ := e.call(t, "main", "/token", codeForm(c, code, a.verifier), basicAuth(c.id, c.secret))
						answers[i] = answer{status, body}
					}()
				}
				close(start)
				wg.Wait()

				var winner map[string]any
				for i, an := range answers {
					switch {
					case an.status == http.StatusOK && winner == nil:
						winner = an.body
					case an.status == http.StatusOK:
						t.Errorf("trial %d: redemption %d also got tokens", trial, i)
					case an.status != http.StatusBadRequest || an.body["error"] != "invalid_grant":
						t.Errorf("trial %d: redemption %d: %d %v, want 400 invalid_grant", trial, i, an.status, an.body)
					}
				}
				if winner == nil {
					t.Fatalf("trial %d: no redemption got tokens: %v", trial, answers)
				}
				for _, kind := range []string{"access_token", "refresh_token"} {
					tok, _ := winner[kind].(string)
					if tok == "" {
						t.Fatalf("trial %d: winner has no %s", trial, kind)
					}
					e.wantActive(t, c, tok, false, fmt.Sprintf("trial %d: winner's %s after the code was reused", trial, kind))
				}
			}
		})
	}
}
