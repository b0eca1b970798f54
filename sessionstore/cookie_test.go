package sessionstore

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/securecookie"
)

func TestCookieCarriesOnlySignedID(t *testing.T) {
	c := newClock()
	be := newFake()
	s := New(be, testOptions(c))
	b := &browser{}

	sess, r := get(t, s, b)
	const secret = "pending-authorize-request-xyzzy"
	sess.Values["flow"] = secret
	w := httptest.NewRecorder()
	if err := s.Save(r, w, sess); err != nil {
		t.Fatal(err)
	}
	b.keep(t, w)
	if b.cookie == nil {
		t.Fatal("no session cookie set")
	}
	id := s.ID(sess)
	if len(id) != 43 { // 32 bytes base64url without padding
		t.Fatalf("id %q has length %d, want 43", id, len(id))
	}
	if raw, err := base64.RawURLEncoding.DecodeString(id); err != nil || len(raw) != 32 {
		t.Fatalf("id %q is not 32 bytes base64url: %v", id, err)
	}

	// The cookie holds the id and a MAC, nothing of the values.
	decoded, err := base64.URLEncoding.DecodeString(b.cookie.Value)
	if err != nil {
		t.Fatalf("cookie is not securecookie base64: %v", err)
	}
	if bytes.Contains(decoded, []byte("xyzzy")) || strings.Contains(b.cookie.Value, "xyzzy") {
		t.Fatal("cookie carries a session value")
	}
	var got []byte
	sc := securecookie.New(testKey, nil).SetSerializer(securecookie.NopEncoder{})
	if err := sc.Decode(cookieName, b.cookie.Value, &got); err != nil {
		t.Fatalf("cookie does not verify with the hash key: %v", err)
	}
	if string(got) != id {
		t.Fatalf("cookie carries %q, want the session id %q", got, id)
	}

	// The value is in storage and comes back on the next request.
	vals, _, err := decodeValues(be.row(t, id).Values)
	if err != nil || vals["flow"] != secret {
		t.Fatalf("stored values = %v, %v", vals, err)
	}
	again, _ := get(t, s, b)
	if again.IsNew || again.Values["flow"] != secret || s.ID(again) != id {
		t.Fatalf("reload: IsNew=%v flow=%v id=%q", again.IsNew, again.Values["flow"], s.ID(again))
	}
}

func TestCookieFlags(t *testing.T) {
	for _, secure := range []bool{true, false} {
		c := newClock()
		opts := testOptions(c)
		opts.Secure = secure
		s := New(newFake(), opts)
		b := &browser{}
		startSession(t, s, b)
		ck := b.cookie
		if !ck.HttpOnly {
			t.Error("cookie is not HttpOnly")
		}
		if ck.SameSite != http.SameSiteLaxMode {
			t.Errorf("SameSite = %v, want Lax", ck.SameSite)
		}
		if ck.Secure != secure {
			t.Errorf("Secure = %v, want %v", ck.Secure, secure)
		}
		if ck.Path != "/main" {
			t.Errorf("Path = %q, want /main", ck.Path)
		}
		if ck.MaxAge != 0 || !ck.Expires.IsZero() {
			t.Errorf("cookie is persistent (MaxAge %d, Expires %v), want a browser-session cookie", ck.MaxAge, ck.Expires)
		}
	}
}

func TestUnusableCookieGivesNewSession(t *testing.T) {
	c := newClock()
	be := newFake()
	s := New(be, testOptions(c))
	b := &browser{}
	id := startSession(t, s, b)
	good := b.cookie.Value

	otherSigner := securecookie.New(otherKey, nil).SetSerializer(securecookie.NopEncoder{})
	forged, err := otherSigner.Encode(cookieName, []byte(id))
	if err != nil {
		t.Fatal(err)
	}
	// Flip one character in the middle of the signed value.
	tampered := []byte(good)
	i := len(tampered) / 2
	if tampered[i] == 'A' {
		tampered[i] = 'B'
	} else {
		tampered[i] = 'A'
	}
	cases := []struct {
		name, cookieName, value string
	}{
		{"tampered", cookieName, string(tampered)},
		{"bare id", cookieName, id},
		{"signed with another key", cookieName, forged},
		{"garbage", cookieName, "%%%not-base64"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "https://op.example/main/", nil)
			r.AddCookie(&http.Cookie{Name: tc.cookieName, Value: tc.value})
			sess, err := s.New(r, cookieName)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if !sess.IsNew || s.ID(sess) != "" || sess.Values["flow"] != nil {
				t.Fatalf("got IsNew=%v id=%q values=%v, want a new empty session", sess.IsNew, s.ID(sess), sess.Values)
			}
		})
	}
	// The real session was not disturbed by the attempts.
	if row := be.row(t, id); row.EndedAt != nil {
		t.Fatal("forged cookies ended the real session")
	}
	// A cookie signed for another name does not verify under this one.
	s2 := New(be, func() Options { o := testOptions(c); o.CookieName = "other"; return o }())
	r := httptest.NewRequest(http.MethodGet, "https://op.example/main/", nil)
	r.AddCookie(&http.Cookie{Name: "other", Value: good})
	if sess, err := s2.New(r, "other"); err != nil || !sess.IsNew {
		t.Fatalf("cookie moved to another name: IsNew=%v err=%v", sess.IsNew, err)
	}
}
