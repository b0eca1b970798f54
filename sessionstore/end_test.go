package sessionstore

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/sessions"
)

func TestLogout(t *testing.T) {
	cases := []struct {
		name   string
		logout func(s *Store, w *httptest.ResponseRecorder, b *browser, sess *sessions.Session) error
	}{
		{"End", func(s *Store, w *httptest.ResponseRecorder, b *browser, sess *sessions.Session) error {
			return s.End(b.request(), w, sess)
		}},
		{"Save with MaxAge -1", func(s *Store, w *httptest.ResponseRecorder, b *browser, sess *sessions.Session) error {
			sess.Options.MaxAge = -1
			return s.Save(b.request(), w, sess)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			be := newFake()
			s := New(be, testOptions(c))
			b := &browser{}
			startSession(t, s, b)
			id := login(t, s, b, Login{Subject: testPID(t, 7)})
			oldCookie := *b.cookie
			c.Advance(time.Minute)

			sess, _ := get(t, s, b)
			w := httptest.NewRecorder()
			if err := tc.logout(s, w, b, sess); err != nil {
				t.Fatal(err)
			}
			row := be.row(t, id)
			if row.EndedAt == nil || !row.EndedAt.Equal(c.Now()) {
				t.Fatalf("EndedAt = %v, want %v", row.EndedAt, c.Now())
			}
			var deleted bool
			for _, ck := range w.Result().Cookies() {
				if ck.Name == cookieName && ck.MaxAge < 0 && ck.Value == "" && ck.Path == "/main" {
					deleted = true
				}
			}
			if !deleted {
				t.Fatalf("cookie not deleted: %v", w.Result().Cookies())
			}
			if _, ok := s.Login(sess); ok || s.ID(sess) != "" || sess.Values["flow"] != nil {
				t.Fatal("ended session object still carries the login")
			}
			// A later registry save in the same request does not recreate it.
			if err := s.Save(b.request(), httptest.NewRecorder(), sess); err != nil {
				t.Fatal(err)
			}
			if be.creates != 2 {
				t.Fatalf("%d sessions created, want 2 (anonymous, login)", be.creates)
			}
			// The old cookie no longer resolves.
			if sess, _ := get(t, s, &browser{cookie: &oldCookie}); !sess.IsNew {
				t.Fatal("ended session still resolves")
			}
			// Ending twice is fine.
			if err := s.End(b.request(), httptest.NewRecorder(), sess); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSaveDoesNotResurrectEndedSession(t *testing.T) {
	c := newClock()
	be := newFake()
	s := New(be, testOptions(c))
	b := &browser{}
	id := login(t, s, b, Login{Subject: testPID(t, 9)})
	sess, r := get(t, s, b)
	// The citizen ends this login from another device meanwhile.
	if err := be.EndSession(r.Context(), id, c.Now()); err != nil {
		t.Fatal(err)
	}
	sess.Values["x"] = "y"
	w := httptest.NewRecorder()
	if err := s.Save(r, w, sess); !errors.Is(err, ErrEnded) {
		t.Fatalf("Save = %v, want ErrEnded", err)
	}
	if be.row(t, id).EndedAt == nil {
		t.Fatal("session resurrected")
	}
	b.keep(t, w)
	if b.cookie != nil {
		t.Fatal("cookie of an ended session kept")
	}
}
