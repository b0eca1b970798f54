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
	// Ingrid is 14: her parent's representation is limited.
	want := account.Viewer{Tenant: "main", Person: kari, Subject: ingrid, Relation: representation.Parent, Limited: true, ClientID: "family", SessionChain: got.Viewer.SessionChain}
	if got.Viewer != want || got.Viewer.SessionChain == "" || got.ExpiresAt.IsZero() {
		t.Fatalf("viewer %+v expires %v, want %+v", got.Viewer, got.ExpiresAt, want)
	}
	if got.Viewer.Self() || !got.Viewer.MayWithdraw() {
		t.Errorf("a parent for a child: Self %v MayWithdraw %v", got.Viewer.Self(), got.Viewer.MayWithdraw())
	}

	if !got.MaySeePID {
		t.Errorf("an identified client's token with the scope pid: MaySeePID false")
	}

	// Jonas is 9: full access.
	jonas := h.pid(population.KeyJonas)
	v = authParams("family", kari)
	v.Set("testid_acting_for", jonas)
	v.Set("scope", "openid profile offline_access")
	res = h.browser().authorize(v)
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("no code for Jonas: %d %.300s", res.status, res.body)
	}
	tokJ := h.exchange("family", res.location.Query().Get("code"))
	atJ, _ := tokJ["access_token"].(string)
	gotJ, err := h.p.VerifyAccessToken(t.Context(), "main", atJ)
	if err != nil {
		t.Fatal(err)
	}
	if gotJ.Viewer.Subject != jonas || gotJ.Viewer.Limited || gotJ.MaySeePID {
		t.Errorf("Kari for Jonas without pid: subject %v limited %v MaySeePID %v, want Jonas, false, false", gotJ.Viewer.Subject == jonas, gotJ.Viewer.Limited, gotJ.MaySeePID)
	}

	// Once the tool no longer accepts the relation, the token speaks for
	// nobody, though it has not expired.
	h.dropRelations("family")
	if _, err := h.p.VerifyAccessToken(t.Context(), "main", at); !errors.Is(err, account.ErrInvalidToken) {
		t.Errorf("a representative's token after the relation stopped holding: %v, want ErrInvalidToken", err)
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
