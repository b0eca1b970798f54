package sessionstore

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/oidcp/oidcp/storage"
)

func TestOptionsValidate(t *testing.T) {
	c := newClock()
	cases := []struct {
		name    string
		mutate  func(*Options)
		wantErr string
	}{
		{"valid", func(*Options) {}, ""},
		{"no tenant", func(o *Options) { o.Tenant = "" }, "tenant"},
		{"no cookie name", func(o *Options) { o.CookieName = "" }, "cookie name"},
		{"bad cookie name", func(o *Options) { o.CookieName = "a;b" }, "cookie name"},
		{"short key", func(o *Options) { o.HashKey = testKey[:16] }, "hash key"},
		{"idle above absolute", func(o *Options) { o.IdleTimeout = 3 * time.Hour }, "idle timeout"},
		{"touch not below idle", func(o *Options) { o.TouchEvery = 30 * time.Minute }, "touch interval"},
		{"negative", func(o *Options) { o.IdleTimeout = -time.Second }, "negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(c)
			tc.mutate(&o)
			err := o.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate = %v, want an error about %q", err, tc.wantErr)
			}
		})
	}
}

func TestNewPanicsOnBadOptions(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New accepted a short hash key")
		}
	}()
	o := testOptions(newClock())
	o.HashKey = []byte("short")
	New(newFake(), o)
}

func TestRegistrySave(t *testing.T) {
	c := newClock()
	be := newFake()
	s := New(be, testOptions(c))
	b := &browser{}
	r := b.request()
	sess, err := s.Get(r, cookieName)
	if err != nil {
		t.Fatal(err)
	}
	sess.Values["n"] = 42
	// The registry hands back the same session within a request.
	again, _ := s.Get(r, cookieName)
	if again != sess {
		t.Fatal("registry did not cache the session")
	}
	w := httptest.NewRecorder()
	if err := sessions.Save(r, w); err != nil {
		t.Fatal(err)
	}
	b.keep(t, w)
	loaded, _ := get(t, s, b)
	if loaded.Values["n"] != 42 {
		t.Fatalf("values = %v", loaded.Values)
	}
	if _, ok := loaded.Values[stateKey{}]; !ok {
		t.Fatal("state missing")
	}
	vals, _, err := decodeValues(be.row(t, s.ID(loaded)).Values)
	if err != nil {
		t.Fatal(err)
	}
	for k := range vals {
		if _, ok := k.(stateKey); ok {
			t.Fatal("store state was written to storage")
		}
	}
}

func TestStorageErrorSurfaces(t *testing.T) {
	c := newClock()
	be := newFake()
	s := New(be, testOptions(c))
	b := &browser{}
	startSession(t, s, b)
	be.failGet = errors.New("connection refused")
	sess, err := s.New(b.request(), cookieName)
	if err == nil {
		t.Fatal("storage failure hidden")
	}
	if sess == nil || !sess.IsNew {
		t.Fatal("New must return a new session alongside the error")
	}
}

type unregistered struct{ A int }

func TestUnencodableValues(t *testing.T) {
	c := newClock()
	s := New(newFake(), testOptions(c))
	b := &browser{}
	sess, r := get(t, s, b)
	sess.Values["bad"] = unregistered{A: 1}
	if err := s.Save(r, httptest.NewRecorder(), sess); err == nil {
		t.Fatal("Save accepted a value gob cannot encode")
	}
}

func TestCorruptValuesEndSession(t *testing.T) {
	c := newClock()
	be := newFake()
	s := New(be, testOptions(c))
	b := &browser{}
	id := startSession(t, s, b)
	if err := be.UpdateSession(context.Background(), id, func(ls storage.LoginSession) (storage.LoginSession, error) {
		ls.Values = []byte("not gob")
		return ls, nil
	}); err != nil {
		t.Fatal(err)
	}
	sess, err := s.New(b.request(), cookieName)
	if err == nil || !sess.IsNew {
		t.Fatalf("corrupt values: IsNew=%v err=%v", sess.IsNew, err)
	}
	if be.row(t, id).EndedAt == nil {
		t.Fatal("corrupt session left usable")
	}
	// The next request starts clean without an error.
	if sess, err := s.New(b.request(), cookieName); err != nil || !sess.IsNew {
		t.Fatalf("next request: IsNew=%v err=%v", sess.IsNew, err)
	}
}

func TestTruncateUTF8(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abcdef", 3, "abc"},
		{"æøå", 3, "æ"}, // each is 2 bytes; byte 3 is mid-rune
		{"æøå", 4, "æø"},
	}
	for _, tc := range cases {
		if got := truncateUTF8(tc.in, tc.n); got != tc.want {
			t.Errorf("truncateUTF8(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
