package main

import (
	"testing"
)

// TestClientsDPoPBoundFlag: clients create --dpop-bound-access-tokens
// registers a client that must send a DPoP proof (RFC 9449 §5.2).
func TestClientsDPoPBoundFlag(t *testing.T) {
	c := newCLI(t)
	base := []string{"clients", "create", "--tenant", "sandbox", "--redirect-uri", "https://tool.example/cb"}
	c.ok(append(base, "--id", "bound", "--dpop-bound-access-tokens")...)
	c.ok(append(base, "--id", "plain")...)
	s := openTestStore(t, c)
	for id, want := range map[string]bool{"bound": true, "plain": false} {
		got, err := s.GetClient(t.Context(), "sandbox", id)
		if err != nil {
			t.Fatal(err)
		}
		if got.DPoPBoundAccessTokens != want {
			t.Errorf("%s: dpop_bound_access_tokens %v, want %v", id, got.DPoPBoundAccessTokens, want)
		}
	}
}
