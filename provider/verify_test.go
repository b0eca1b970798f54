package provider

import (
	"errors"
	"testing"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
)

// TestVerifyAccessToken: the verifier the citizen pages and API use says
// who a token speaks for (the person, and the child when acting for
// one), and refuses a refresh token, another tenant's name, a revoked
// token and garbage.
func TestVerifyAccessToken(t *testing.T) {
	h := newHarness(t)
	h.client("family", func(r *clients.Registration) { r.AcceptedRelations = []string{"parent"} })
	kari, ingrid := h.pid(population.KeyKari), h.pid(population.KeyIngrid)

	v := authParams("family", kari)
	v.Set("testid_acting_for", ingrid)
	res := h.browser().authorize(v)
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("no code: %d %.300s", res.status, res.body)
	}
	tok := h.exchange("family", res.location.Query().Get("code"))
	at, _ := tok["access_token"].(string)

	got, err := h.p.VerifyAccessToken(t.Context(), "main", at)
	if err != nil {
		t.Fatal(err)
	}
	want := account.Viewer{Tenant: "main", Person: kari, Subject: ingrid, Relation: representation.Parent, ClientID: "family", SessionChain: got.Viewer.SessionChain}
	if got.Viewer != want || got.Viewer.SessionChain == "" || got.ExpiresAt.IsZero() {
		t.Fatalf("viewer %+v expires %v, want %+v", got.Viewer, got.ExpiresAt, want)
	}
	if got.Viewer.Self() || !got.Viewer.MayWithdraw() {
		t.Errorf("a parent for a child: Self %v MayWithdraw %v", got.Viewer.Self(), got.Viewer.MayWithdraw())
	}

	for name, tc := range map[string]struct{ tenant, token string }{
		"refresh token": {"main", tok["refresh_token"].(string)},
		"other tenant":  {"sandbox", at},
		"garbage":       {"main", "nonsense"},
		"empty":         {"main", ""},
	} {
		if _, err := h.p.VerifyAccessToken(t.Context(), tc.tenant, tc.token); !errors.Is(err, account.ErrInvalidToken) {
			t.Errorf("%s: err %v, want ErrInvalidToken", name, err)
		}
	}
	if _, err := h.store.RevokeBySession(t.Context(), "main", got.Viewer.SessionChain); err != nil {
		t.Fatal(err)
	}
	if _, err := h.p.VerifyAccessToken(t.Context(), "main", at); !errors.Is(err, account.ErrInvalidToken) {
		t.Errorf("revoked token: err %v, want ErrInvalidToken", err)
	}
}
