package accountapi

import (
	"context"
	"errors"
	"testing"
)

// TestPersonIDsDerivedOnce: the key of a (tenant, client) is derived from
// the tenant's secret once, not on every request; a failed read of the
// secret is not remembered.
func TestPersonIDsDerivedOnce(t *testing.T) {
	calls := 0
	fail := true
	a := New(Config{PersonKey: func(ctx context.Context, tenant string) ([]byte, error) {
		calls++
		if fail {
			return nil, errors.New("store down")
		}
		return testPersonKey(ctx, tenant)
	}})
	if _, err := a.personIDs(t.Context(), "sandbox", "tool"); err == nil {
		t.Fatal("personIDs with a failing PersonKey: no error")
	}
	fail = false
	for range 3 {
		p, err := a.personIDs(t.Context(), "sandbox", "tool")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := p.seal(kariPID), personID(t, "sandbox", "tool", kariPID); got != want {
			t.Fatalf("seal = %q, want %q", got, want)
		}
	}
	if calls != 2 {
		t.Fatalf("PersonKey called %d times, want 2 (one failure, then once)", calls)
	}
	other, err := a.personIDs(t.Context(), "sandbox", "other-tool")
	if err != nil {
		t.Fatal(err)
	}
	if other.seal(kariPID) == personID(t, "sandbox", "tool", kariPID) {
		t.Fatal("two clients of a tenant get the same person id")
	}
	if calls != 3 {
		t.Fatalf("PersonKey called %d times, want 3 (a second client derives its own key)", calls)
	}
}
