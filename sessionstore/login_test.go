package sessionstore

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func login(t *testing.T, s *Store, b *browser, l Login) string {
	t.Helper()
	sess, r := get(t, s, b)
	w := httptest.NewRecorder()
	if err := s.SetLogin(r, w, sess, l); err != nil {
		t.Fatalf("SetLogin: %v", err)
	}
	b.keep(t, w)
	return s.ID(sess)
}

func TestSetLoginRotatesID(t *testing.T) {
	c := newClock()
	be := newFake()
	s := New(be, testOptions(c))
	b := &browser{}
	oldID := startSession(t, s, b)
	oldCookie := *b.cookie

	c.Advance(2 * time.Minute)
	pid := testPID(t, 12)
	authTime := c.Now().Add(-30 * time.Second)
	newID := login(t, s, b, Login{
		Subject: pid, ACR: "idporten-loa-high", AMR: []string{"BankID"},
		AuthTime: authTime, UpstreamSID: "up-sid-1", UpstreamIDToken: "up.id.token", Locale: "nn",
	})
	if newID == "" || newID == oldID {
		t.Fatalf("id not rotated: old %q new %q", oldID, newID)
	}
	if b.cookie == nil || b.cookie.Value == oldCookie.Value {
		t.Fatal("cookie not rewritten")
	}

	// The old id is ended and no longer resolves.
	if be.row(t, oldID).EndedAt == nil {
		t.Fatal("pre-login session not ended")
	}
	stale := &browser{cookie: &oldCookie}
	if sess, _ := get(t, s, stale); !sess.IsNew || sess.Values["flow"] != nil {
		t.Fatalf("old cookie still resolves: IsNew=%v values=%v", sess.IsNew, sess.Values)
	}

	// The typed columns carry the login for "list active logins".
	row := be.row(t, newID)
	if row.Subject != pid || row.ACR != "idporten-loa-high" || !slices.Equal(row.AMR, []string{"BankID"}) ||
		!row.AuthTime.Equal(authTime) || row.Tenant != "main" {
		t.Fatalf("stored login columns = %+v", row)
	}
	if !strings.Contains(row.UserAgent, "Test/1.0") {
		t.Fatalf("UserAgent = %q", row.UserAgent)
	}
	if !row.CreatedAt.Equal(c.Now()) || !row.ExpiresAt.Equal(c.Now().Add(120*time.Minute)) {
		t.Fatalf("login session times: created %v expires %v", row.CreatedAt, row.ExpiresAt)
	}
	// Values of the anonymous session survive, and the login reloads.
	sess, _ := get(t, s, b)
	if sess.IsNew || sess.Values["flow"] != "pending" {
		t.Fatalf("after login: IsNew=%v values=%v", sess.IsNew, sess.Values)
	}
	l, ok := s.Login(sess)
	if !ok {
		t.Fatal("not logged in after SetLogin")
	}
	want := Login{Subject: pid, ACR: "idporten-loa-high", AMR: []string{"BankID"}, AuthTime: authTime,
		UpstreamSID: "up-sid-1", UpstreamIDToken: "up.id.token", Locale: "nn"}
	if l.Subject != want.Subject || l.ACR != want.ACR || !slices.Equal(l.AMR, want.AMR) || !l.AuthTime.Equal(want.AuthTime) ||
		l.UpstreamSID != want.UpstreamSID || l.UpstreamIDToken != want.UpstreamIDToken || l.Locale != want.Locale {
		t.Fatalf("Login = %+v, want %+v", *l, want)
	}
}

func TestLoginAbsentOnAnonymousSession(t *testing.T) {
	c := newClock()
	s := New(newFake(), testOptions(c))
	b := &browser{}
	sess, _ := get(t, s, b)
	if _, ok := s.Login(sess); ok {
		t.Fatal("new session reports a login")
	}
	startSession(t, s, b)
	sess, _ = get(t, s, b)
	if _, ok := s.Login(sess); ok {
		t.Fatal("anonymous saved session reports a login")
	}
}

func TestSetLoginWithoutPriorSession(t *testing.T) {
	c := newClock()
	be := newFake()
	s := New(be, testOptions(c))
	b := &browser{}
	id := login(t, s, b, Login{Subject: testPID(t, 3)})
	row := be.row(t, id)
	if !row.AuthTime.Equal(c.Now()) {
		t.Fatalf("AuthTime defaulted to %v, want now", row.AuthTime)
	}
	if be.ends != 0 || be.creates != 1 {
		t.Fatalf("creates=%d ends=%d, want 1 and 0", be.creates, be.ends)
	}
	sess, r := get(t, s, b)
	if err := s.SetLogin(r, httptest.NewRecorder(), sess, Login{}); err == nil {
		t.Fatal("SetLogin accepted an empty subject")
	}
}

func TestReloginKeepsOrDropsState(t *testing.T) {
	cases := []struct {
		name        string
		sameSubject bool
		wantKept    bool
	}{
		{"same person steps up", true, true},
		{"another person", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			be := newFake()
			s := New(be, testOptions(c))
			b := &browser{}
			startSession(t, s, b)
			first := testPID(t, 1)
			login(t, s, b, Login{Subject: first, ACR: "idporten-loa-substantial"})
			sess, _ := get(t, s, b)
			if err := s.AddClient(context.Background(), sess, "portal"); err != nil {
				t.Fatal(err)
			}
			second := first
			if !tc.sameSubject {
				second = testPID(t, 2)
			}
			c.Advance(time.Minute)
			id := login(t, s, b, Login{Subject: second, ACR: "idporten-loa-high"})
			row := be.row(t, id)
			sess, _ = get(t, s, b)
			kept := slices.Equal(row.Clients, []string{"portal"}) && sess.Values["flow"] == "pending"
			dropped := len(row.Clients) == 0 && sess.Values["flow"] == nil
			if tc.wantKept && !kept || !tc.wantKept && !dropped {
				t.Fatalf("clients=%v flow=%v, want kept=%v", row.Clients, sess.Values["flow"], tc.wantKept)
			}
			if row.Subject != second || row.ACR != "idporten-loa-high" {
				t.Fatalf("row = %+v", row)
			}
		})
	}
}

func TestAddClient(t *testing.T) {
	c := newClock()
	be := newFake()
	s := New(be, testOptions(c))
	b := &browser{}
	sess, _ := get(t, s, b)
	if err := s.AddClient(context.Background(), sess, "portal"); err == nil {
		t.Fatal("AddClient on an unsaved session succeeded")
	}
	id := login(t, s, b, Login{Subject: testPID(t, 5)})
	sess, _ = get(t, s, b)
	// Another request of the same browser, read before sess adds.
	other, _ := get(t, s, b)
	for _, cl := range []string{"portal", "tool", "portal"} {
		if err := s.AddClient(context.Background(), sess, cl); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"portal", "tool"}
	if got := be.row(t, id).Clients; !slices.Equal(got, want) {
		t.Fatalf("stored clients = %v, want %v", got, want)
	}
	if got := s.Clients(sess); !slices.Equal(got, want) {
		t.Fatalf("Clients = %v, want %v", got, want)
	}
	// The clients as read are the expected value: each new client was one
	// compare-and-set, the known one no call, and nothing rewrote the
	// whole record.
	if be.casAdds != 2 || be.casMisses != 0 || be.updates != 0 {
		t.Fatalf("cas adds=%d misses=%d full updates=%d, want 2, 0, 0", be.casAdds, be.casMisses, be.updates)
	}
	// The other request's list is stale; its client joins the others.
	if err := s.AddClient(context.Background(), other, "mail"); err != nil {
		t.Fatal(err)
	}
	want = []string{"portal", "tool", "mail"}
	if got := be.row(t, id).Clients; !slices.Equal(got, want) {
		t.Fatalf("stored clients after a stale add = %v, want %v", got, want)
	}
	if got := s.Clients(other); !slices.Equal(got, want) {
		t.Fatalf("Clients after a stale add = %v, want %v", got, want)
	}
	// A later Save of Values does not overwrite the clients.
	sess.Values["x"] = 1
	if err := s.Save(b.request(), httptest.NewRecorder(), sess); err != nil {
		t.Fatal(err)
	}
	if got := be.row(t, id).Clients; !slices.Equal(got, want) {
		t.Fatalf("clients after Save = %v", got)
	}
	if err := be.EndSession(context.Background(), id, c.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.AddClient(context.Background(), sess, "late"); !errors.Is(err, ErrEnded) {
		t.Fatalf("AddClient on ended session: %v, want ErrEnded", err)
	}
}

// TestReloginChain: a new login of the same person keeps the chain of the
// session it replaces, through several rotations; a login after an
// anonymous session, or of another person, starts a new chain named by its
// own id. ChainID reads the same from a stored record.
func TestReloginChain(t *testing.T) {
	c := newClock()
	be := newFake()
	s := New(be, testOptions(c))
	b := &browser{}
	startSession(t, s, b)
	first := testPID(t, 1)
	id1 := login(t, s, b, Login{Subject: first})
	chainOfBrowser := func() string {
		t.Helper()
		sess, _ := get(t, s, b)
		l, ok := s.Login(sess)
		if !ok {
			t.Fatal("not logged in")
		}
		return l.ChainID
	}
	if got := chainOfBrowser(); got != id1 {
		t.Fatalf("first login's chain = %q, want its own id %q", got, id1)
	}
	c.Advance(time.Minute)
	id2 := login(t, s, b, Login{Subject: first, ACR: "idporten-loa-high"})
	c.Advance(time.Minute)
	id3 := login(t, s, b, Login{Subject: first})
	if id2 == id1 || id3 == id2 {
		t.Fatal("ids not rotated")
	}
	if got := chainOfBrowser(); got != id1 {
		t.Fatalf("chain after two re-logins = %q, want %q", got, id1)
	}
	if got := ChainID(be.row(t, id3)); got != id1 {
		t.Fatalf("ChainID(record) = %q, want %q", got, id1)
	}
	c.Advance(time.Minute)
	id4 := login(t, s, b, Login{Subject: testPID(t, 2)})
	if got := chainOfBrowser(); got != id4 {
		t.Fatalf("another person's chain = %q, want its own id %q", got, id4)
	}
	if got := ChainID(be.row(t, id4)); got != id4 {
		t.Fatalf("ChainID(record) of another person = %q, want %q", got, id4)
	}
}
