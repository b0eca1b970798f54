package provider

import (
	"context"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/storage"
)

// revokeMidway stands between the provider and the store and, once
// armed, revokes a consent grant from another connection while a token
// request's transaction is under way: after it has invalidated the code
// or rotated the refresh token, or before it inserts the exchanged
// token; after the request has read its grant as active, before it has
// stored its tokens. It lets the transaction go on once the revocation
// has returned or has had a while to: holding the grant, the
// transaction makes it wait.
type revokeMidway struct {
	storage.Storage
	armed atomic.Pointer[func()]
}

// meanwhile is how long the revocation is given before the token
// request's transaction goes on.
const meanwhile = 300 * time.Millisecond

func (m *revokeMidway) midway(ctx context.Context) {
	if ctx.Value(pendingAccessKey{}) == nil {
		return // not inside a token request's transaction
	}
	if f := m.armed.Swap(nil); f != nil {
		(*f)()
	}
}

// DeactivateToken revokes midway after the code's invalidation or the
// refresh token's rotation: the transaction then holds that row, so a
// revocation that does not wait for the grant waits for the row instead
// and, under READ COMMITTED, misses the tokens inserted beside it.
func (m *revokeMidway) DeactivateToken(ctx context.Context, tenant string, kind storage.TokenKind, sig string) error {
	err := m.Storage.DeactivateToken(ctx, tenant, kind, sig)
	if err == nil {
		m.midway(ctx)
	}
	return err
}

func (m *revokeMidway) CreateTokens(ctx context.Context, ts ...storage.TokenRecord) error {
	m.midway(ctx)
	return m.Storage.CreateTokens(ctx, ts...)
}

func (m *revokeMidway) CreateToken(ctx context.Context, tr storage.TokenRecord) error {
	m.midway(ctx)
	return m.Storage.CreateToken(ctx, tr)
}

// arm makes the next token request revoke the grant of subject midway.
// The channel gets the revocation's outcome.
func (m *revokeMidway) arm(h *harness, subject string) <-chan error {
	h.t.Helper()
	gs := h.grants(subject)
	if len(gs) != 1 {
		h.t.Fatalf("grants of the subject: %+v, want 1", gs)
	}
	done := make(chan error, 1)
	f := func() {
		revoked := make(chan error, 1)
		go func() {
			_, err := h.p.cfg.Consent.Revoke(context.WithoutCancel(h.t.Context()), "main", gs[0].ID,
				storage.Revocation{By: consent.RevokedByCitizen, Actor: subject})
			revoked <- err
			done <- err
		}()
		select {
		case <-revoked:
		case <-time.After(meanwhile):
		}
	}
	m.armed.Store(&f)
	return done
}

// fired waits for the armed revocation and checks that it ran and
// succeeded.
func (m *revokeMidway) fired(t *testing.T, done <-chan error) {
	t.Helper()
	if m.armed.Load() != nil {
		t.Fatal("the token request wrote no token row in a transaction; the revocation never ran")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("revocation: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the revocation did not finish")
	}
}

// TestGrantRevokedDuringTokenRequest: a consent grant revoked while a
// code exchange, a refresh or a token exchange under it is under way
// (after the request read the grant as active, before it stored its
// tokens) reaches the tokens that request issues: the request holds the
// grant in its transaction, so the revocation waits for it and then
// deactivates them. Without that lock, on PostgreSQL the revocation's
// UPDATE of the tokens runs before they exist and they stay active.
func TestGrantRevokedDuringTokenRequest(t *testing.T) {
	for _, b := range []struct {
		name string
		open func(*testing.T) storage.Storage
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(b.name, func(t *testing.T) {
			t.Run("code", func(t *testing.T) {
				var m *revokeMidway
				h := newConsentHarnessWith(t, b.open(t), func(s storage.Storage) storage.Storage { m = &revokeMidway{Storage: s}; return m })
				nils := h.pid(population.KeyNils)
				v := measureParams(nils)
				v.Set("testid_consent", "allow")
				res := h.browser().authorize(v)
				if res.location == nil || res.location.Query().Get("code") == "" {
					t.Fatalf("authorize: %d %v %.300s", res.status, res.location, res.body)
				}
				done := m.arm(h, nils)
				tok := h.exchange("measure", res.location.Query().Get("code"))
				m.fired(t, done)
				checkRevoked(t, h, "measure", tok)
			})
			t.Run("refresh", func(t *testing.T) {
				var m *revokeMidway
				h := newConsentHarnessWith(t, b.open(t), func(s storage.Storage) storage.Storage { m = &revokeMidway{Storage: s}; return m })
				nils := h.pid(population.KeyNils)
				v := measureParams(nils)
				v.Set("testid_consent", "allow")
				res := h.browser().authorize(v)
				if res.location == nil || res.location.Query().Get("code") == "" {
					t.Fatalf("authorize: %d %v %.300s", res.status, res.location, res.body)
				}
				first := h.exchange("measure", res.location.Query().Get("code"))
				done := m.arm(h, nils)
				status, tok := h.token("measure", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first["refresh_token"].(string)}})
				m.fired(t, done)
				if status != http.StatusOK {
					// Refused: it saw the grant revoked. Not this
					// interleaving (the revocation came after the read).
					t.Fatalf("refresh: %d %v, want 200 (the grant was active when it was read)", status, tok)
				}
				checkRevoked(t, h, "measure", tok)
			})
			t.Run("token exchange", func(t *testing.T) {
				var m *revokeMidway
				h := newExchangeHarnessWith(t, b.open(t), func(s storage.Storage) storage.Storage { m = &revokeMidway{Storage: s}; return m })
				kari := h.pid(population.KeyKari)
				subject := h.loginFor("measure", kari, "self")
				done := m.arm(h, kari)
				out := h.mustExchange("measure", subject["access_token"].(string), apiAudience, nil)
				m.fired(t, done)
				if got := h.introspect(apiAudience, out["access_token"].(string)); got["active"] != false {
					t.Fatalf("the exchanged token is active after its grant's revocation: %v", got)
				}
			})
		})
	}
}

// checkRevoked: tok's access token introspects inactive and its refresh
// token is refused.
func checkRevoked(t *testing.T, h *harness, client string, tok map[string]any) {
	t.Helper()
	if got := h.introspect(client, tok["access_token"].(string)); got["active"] != false {
		t.Fatalf("the access token is active after its grant's revocation: %v", got)
	}
	status, out := h.token(client, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
	if status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("refresh after the grant's revocation: %d %v, want invalid_grant", status, out)
	}
}

// TestCodeExchangeUnderExpiredGrant: a code whose consent grant expired
// before it was redeemed is refused with invalid_grant inside the code
// exchange's transaction: the code is revoked with it (trying it again
// is refused too), no token is issued, and the refusal is not logged as
// a replay of the code.
func TestCodeExchangeUnderExpiredGrant(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testCodeExchangeUnderExpiredGrant(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { testCodeExchangeUnderExpiredGrant(t, openPostgres(t)) })
}

func testCodeExchangeUnderExpiredGrant(t *testing.T, db storage.Storage) {
	h := newConsentHarness(t, db)
	// Grants that end before the code does (as a child's grant may, at
	// the 16th birthday).
	h.p.cfg.Consent = consent.NewService(db, consent.Options{
		Catalogues: map[string]*consent.Catalogue{"main": h.p.cfg.Consent.Catalogue("main")},
		GrantTTL:   30 * time.Second,
		Now:        func() time.Time { return h.now },
	})
	nils := h.pid(population.KeyNils)
	v := measureParams(nils)
	v.Set("testid_consent", "allow")
	res := h.browser().authorize(v)
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %v %.300s", res.status, res.location, res.body)
	}
	gs := h.grants(nils)
	if len(gs) != 1 {
		t.Fatalf("grants %+v", gs)
	}
	h.now = gs[0].ExpiresAt.Add(time.Second) // the code (60 s) is still valid
	form := url.Values{
		"grant_type": {"authorization_code"}, "code": {res.location.Query().Get("code")}, "redirect_uri": {toolRedirect},
		"code_verifier": {"verifier-0123456789-0123456789-0123456789-0123456789"},
	}
	status, out := h.token("measure", form)
	if status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("code exchange under a revoked grant: %d %v, want invalid_grant", status, out)
	}
	if got := h.eventKinds(audit.CodeReuseDetected); len(got) != 0 {
		t.Fatalf("the refusal was logged as a replay: %v", got)
	}
	status, out = h.token("measure", form)
	if status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("the refused code tried again: %d %v, want invalid_grant", status, out)
	}
}
