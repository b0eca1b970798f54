package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/storage"
)

// failingTx fails, once each when armed, the next Commit (rolling the
// transaction back, as a commit the database refused would) or the next
// usage-log entry of kind failEvent.
type failingTx struct {
	storage.Storage
	failCommit atomic.Bool
	failEvent  atomic.Pointer[string]
}

func (f *failingTx) Commit(ctx context.Context) error {
	if f.failCommit.CompareAndSwap(true, false) {
		if err := f.Storage.Rollback(ctx); err != nil {
			return err
		}
		return fmt.Errorf("commit: %w", storage.ErrUnavailable)
	}
	return f.Storage.Commit(ctx)
}

func (f *failingTx) AppendEvent(ctx context.Context, e storage.Event) (int64, error) {
	if k := f.failEvent.Load(); k != nil && *k == e.Kind && f.failEvent.CompareAndSwap(k, nil) {
		return 0, fmt.Errorf("append event: %w", storage.ErrUnavailable)
	}
	return f.Storage.AppendEvent(ctx, e)
}

// TestRefreshRechecksInOneTransaction: the rechecks of a refresh run in
// the transaction that rotates the refresh token, so a failure leaves no
// half state. While the relation holds, a refresh whose commit fails
// rotates nothing (the same refresh token works again). Once it ends, a
// refused refresh whose usage-log entry or commit fails revokes nothing
// (tokens and grant stay as they were, no event), answers 503, and the
// next refresh refuses with invalid_grant and writes it all: the tokens
// and the grant revoked, consent_revoked and representation_ended logged
// once each.
func TestRefreshRechecksInOneTransaction(t *testing.T) {
	for _, failure := range []string{"event", "commit"} {
		t.Run("sqlite/"+failure, func(t *testing.T) { testRefreshRechecksInOneTransaction(t, openSQLite(t), failure) })
		t.Run("postgres/"+failure, func(t *testing.T) { testRefreshRechecksInOneTransaction(t, openPostgres(t), failure) })
	}
}

func testRefreshRechecksInOneTransaction(t *testing.T, db storage.Storage, failure string) {
	var f *failingTx
	h := newConsentHarnessWith(t, db, func(s storage.Storage) storage.Storage { f = &failingTx{Storage: s}; return f })
	kari := h.pid(population.KeyKari)
	sofie, _ := h.pop.Lookup(population.KeySofie)

	v := measureParams(kari)
	v.Set("testid_acting_for", sofie.PID)
	v.Set("testid_consent", "allow")
	res := h.browser().authorize(v)
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %v %.300s", res.status, res.location, res.body)
	}
	tok := h.exchange("measure", res.location.Query().Get("code"))
	refresh := func(rt string) (int, map[string]any) {
		return h.token("measure", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	}
	active := func(at string) bool {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/main/introspect", strings.NewReader(url.Values{"token": {at}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("measure", "tool-secret-0123456789abcdef")
		_, got := h.jsonDo(req)
		return got["active"] == true
	}
	ended := []string{consent.EventRevoked, audit.RepresentationEnded}

	// The relation holds: a failed commit rotates nothing.
	f.failCommit.Store(true)
	if status, out := refresh(tok["refresh_token"].(string)); status < 500 {
		t.Fatalf("refresh with a failing commit: %d %v", status, out)
	}
	if !active(tok["access_token"].(string)) {
		t.Fatal("the failed refresh revoked the access token")
	}
	status, ref := refresh(tok["refresh_token"].(string))
	if status != http.StatusOK {
		t.Fatalf("the refresh token was rotated by a refresh that failed: %d %v", status, ref)
	}

	// The tool stops accepting the relation.
	h.dropRelations("measure")

	switch failure {
	case "event":
		kind := audit.RepresentationEnded
		f.failEvent.Store(&kind)
	case "commit":
		f.failCommit.Store(true)
	}
	if status, out := refresh(ref["refresh_token"].(string)); status != http.StatusServiceUnavailable {
		t.Fatalf("refused refresh with a failing %s: %d %v, want 503", failure, status, out)
	}
	if !active(ref["access_token"].(string)) {
		t.Fatalf("the access token was revoked by a refusal that failed (%s)", failure)
	}
	if gs := h.grants(sofie.PID); len(gs) != 1 || gs[0].RevokedAt != nil {
		t.Fatalf("the grant was revoked by a refusal that failed (%s): %+v", failure, gs)
	}
	if got := h.eventKinds(ended...); len(got) != 0 {
		t.Fatalf("usage log after the failed refusal: %v", got)
	}

	status, out := refresh(ref["refresh_token"].(string))
	if status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("refresh after the relation ended: %d %v", status, out)
	}
	if active(ref["access_token"].(string)) {
		t.Fatal("the access token of the ended relation is still active")
	}
	if gs := h.grants(sofie.PID); len(gs) != 1 || gs[0].RevokedAt == nil || gs[0].RevokedBy != consent.RevokedByRelationEnded {
		t.Fatalf("grant after the relation ended: %+v", gs)
	}
	if got := h.eventKinds(ended...); !slices.Equal(got, ended) {
		t.Fatalf("usage log %v, want %v", got, ended)
	}
}

// TestRefreshGrantRecheckInOneTransaction: a refresh under a consent
// grant that has expired is refused inside the refresh's transaction:
// when its usage-log entry or its commit fails, the tokens stay as they
// were; the next refresh refuses with invalid_grant, revokes them and
// logs token_revoked (reason grant_inactive) once.
func TestRefreshGrantRecheckInOneTransaction(t *testing.T) {
	for _, failure := range []string{"event", "commit"} {
		t.Run("sqlite/"+failure, func(t *testing.T) { testRefreshGrantRecheckInOneTransaction(t, openSQLite(t), failure) })
		t.Run("postgres/"+failure, func(t *testing.T) { testRefreshGrantRecheckInOneTransaction(t, openPostgres(t), failure) })
	}
}

func testRefreshGrantRecheckInOneTransaction(t *testing.T, db storage.Storage, failure string) {
	var f *failingTx
	h := newConsentHarnessWith(t, db, func(s storage.Storage) storage.Storage { f = &failingTx{Storage: s}; return f })
	nils := h.pid(population.KeyNils)
	v := measureParams(nils)
	v.Set("testid_consent", "allow")
	res := h.browser().authorize(v)
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %v %.300s", res.status, res.location, res.body)
	}
	tok := h.exchange("measure", res.location.Query().Get("code"))
	gs := h.grants(nils)
	if len(gs) != 1 {
		t.Fatalf("grants %+v", gs)
	}
	h.now = gs[0].ExpiresAt.Add(time.Second)

	switch failure {
	case "event":
		kind := audit.TokenRevoked
		f.failEvent.Store(&kind)
	case "commit":
		f.failCommit.Store(true)
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}
	if status, out := h.token("measure", form); status != http.StatusServiceUnavailable {
		t.Fatalf("refused refresh with a failing %s: %d %v, want 503", failure, status, out)
	}
	sig := h.p.tenants["main"].hmac.RefreshTokenSignature(t.Context(), tok["refresh_token"].(string))
	rec := func() storage.TokenRecord {
		r, err := h.store.GetToken(t.Context(), "main", storage.KindRefreshToken, sig)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if !rec().Active {
		t.Fatalf("the refresh token was revoked by a refusal that failed (%s)", failure)
	}
	if got := h.eventKinds(audit.TokenRevoked); len(got) != 0 {
		t.Fatalf("usage log after the failed refusal: %v", got)
	}

	status, out := h.token("measure", form)
	if status != http.StatusBadRequest || out["error"] != "invalid_grant" || !strings.Contains(fmt.Sprint(out["error_description"]), "has expired") {
		t.Fatalf("refresh under the expired grant: %d %v", status, out)
	}
	if rec().Active {
		t.Fatal("the refresh token of the expired grant is still active")
	}
	if got := h.eventKinds(audit.TokenRevoked); !slices.Equal(got, []string{audit.TokenRevoked}) {
		t.Fatalf("usage log %v, want one token_revoked", got)
	}
}
