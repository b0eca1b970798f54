package authflow

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/storetest"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newStore(t *testing.T, tenant string, key string, c *clock) (*Store, storage.Storage) {
	t.Helper()
	db := storetest.SQLite(t)
	return NewStore(db, Options{Tenant: tenant, Key: []byte(key), Lifespan: 10 * time.Minute, Cookie: "oidcp_flow_" + tenant, Path: "/" + tenant, Now: c.now}), db
}

// TestStoreSteps: a flow is saved under one id, found only at its step,
// taken once, saved again under the same id at the next step, and gone
// when expired or asked for by another tenant.
func TestStoreSteps(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	s, db := newStore(t, "main", "k", c)

	f := &Flow{Request: []byte(`{"r":1}`), Lang: "nn"}
	f.Advance()
	if err := s.Save(ctx, f); err != nil {
		t.Fatal(err)
	}
	id := f.ID
	if id == "" {
		t.Fatal("no id assigned")
	}
	if _, err := s.Take(ctx, id, StepChoose); !errors.Is(err, ErrExpired) || !errors.Is(err, ErrWrongStep) {
		t.Fatalf("Take at the wrong step: %v", err)
	}
	got, err := s.Take(ctx, id, StepUpstream)
	if err != nil || string(got.Request) != `{"r":1}` || got.Lang != "nn" || got.ID != id {
		t.Fatalf("Take = %+v, %v", got, err)
	}
	if _, err := s.Take(ctx, id, StepUpstream); !errors.Is(err, ErrExpired) {
		t.Fatalf("second Take: %v", err)
	}

	if err := got.Authenticate("sid", "01010112345"); err != nil {
		t.Fatal(err)
	}
	got.RequireChoice([]string{"02020212345"})
	got.Advance()
	c.t = c.t.Add(9 * time.Minute)
	if err := s.Save(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got.ID != id {
		t.Fatalf("id changed between steps: %q → %q", id, got.ID)
	}
	rec, err := db.GetFlow(ctx, id, Purpose)
	if err != nil || !rec.CreatedAt.Equal(c.t.Add(-9*time.Minute)) || !rec.ExpiresAt.Equal(c.t.Add(10*time.Minute)) {
		t.Fatalf("record %+v, %v: want created at the start, a fresh lifespan per step", rec, err)
	}

	other, _ := newStore(t, "sandbox", "k", c)
	other.flows = db
	if _, err := other.Take(ctx, id, StepChoose); !errors.Is(err, ErrExpired) {
		t.Fatalf("another tenant's Take: %v", err)
	}
	c.t = c.t.Add(10*time.Minute + time.Second)
	if _, err := s.Take(ctx, id, StepChoose); !errors.Is(err, ErrExpired) {
		t.Fatalf("Take after expiry: %v", err)
	}
}

// TestVerifier: a verifier completes only its flow's step, in the login
// session it was shown to, under the tenant's key.
func TestVerifier(t *testing.T) {
	c := &clock{time.Now()}
	s, _ := newStore(t, "main", "key-1", c)
	f := &Flow{ID: "flow-1", Step: StepChoose}
	v := s.Verifier(f, "sid-1")
	if !s.Verify("flow-1", StepChoose, "sid-1", v) {
		t.Fatal("own verifier refused")
	}
	other, _ := newStore(t, "main", "key-2", c)
	otherTenant, _ := newStore(t, "sandbox", "key-1", c)
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"another flow", s.Verify("flow-2", StepChoose, "sid-1", v)},
		{"another step", s.Verify("flow-1", StepConsent, "sid-1", v)},
		{"another session", s.Verify("flow-1", StepChoose, "sid-2", v)},
		{"another key", other.Verify("flow-1", StepChoose, "sid-1", v)},
		{"another tenant", otherTenant.Verify("flow-1", StepChoose, "sid-1", v)},
		{"empty", s.Verify("flow-1", StepChoose, "sid-1", "")},
	} {
		if tc.ok {
			t.Errorf("%s: verifier accepted", tc.name)
		}
	}
}

// TestCookie: one HttpOnly, Lax cookie on the tenant's path carries the
// flow id; it must match exactly.
func TestCookie(t *testing.T) {
	s, _ := newStore(t, "main", "k", &clock{time.Now()})
	rec := httptest.NewRecorder()
	s.SetCookie(rec, "flow-1")
	ck := rec.Result().Cookies()
	if len(ck) != 1 || ck[0].Name != "oidcp_flow_main" || ck[0].Value != "flow-1" || !ck[0].HttpOnly ||
		ck[0].SameSite != http.SameSiteLaxMode || ck[0].Path != "/main" || ck[0].MaxAge != 600 {
		t.Fatalf("cookie %+v", ck)
	}
	r := httptest.NewRequest(http.MethodGet, "/main/callback", nil)
	r.AddCookie(ck[0])
	if !s.CookieMatches(r, "flow-1") || s.CookieMatches(r, "flow-2") || s.CookieMatches(r, "") {
		t.Fatal("CookieMatches")
	}
	if s.CookieMatches(httptest.NewRequest(http.MethodGet, "/", nil), "flow-1") {
		t.Fatal("matched without a cookie")
	}
	rec = httptest.NewRecorder()
	s.ClearCookie(rec)
	if ck := rec.Result().Cookies(); len(ck) != 1 || ck[0].MaxAge >= 0 {
		t.Fatalf("clear: %+v", ck)
	}
}
