package sessionstore

import (
	"testing"
)

func TestTenantsDoNotShareSessions(t *testing.T) {
	cases := []struct {
		name string
		keyB []byte
	}{
		{"same cookie key", testKey},
		{"own cookie key", otherKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			be := newFake()
			a := New(be, testOptions(c))
			optsB := testOptions(c)
			optsB.Tenant, optsB.Path, optsB.HashKey = "sandbox", "/sandbox", tc.keyB
			bStore := New(be, optsB)

			br := &browser{}
			startSession(t, a, br)
			idA := login(t, a, br, Login{Subject: testPID(t, 11)})

			// The browser presents tenant A's cookie to tenant B.
			sess, _ := get(t, bStore, br)
			if !sess.IsNew || bStore.ID(sess) != "" || sess.Values["flow"] != nil {
				t.Fatalf("tenant B sees tenant A's session: IsNew=%v values=%v", sess.IsNew, sess.Values)
			}
			if _, ok := bStore.Login(sess); ok {
				t.Fatal("tenant B sees tenant A's login")
			}
			// B leaves A's session alone...
			if be.row(t, idA).EndedAt != nil {
				t.Fatal("tenant B ended tenant A's session")
			}
			// ...and saving under B makes a session of B's own.
			idB := startSession(t, bStore, &browser{cookie: br.cookie})
			if idB == idA || be.row(t, idB).Tenant != "sandbox" {
				t.Fatalf("tenant B saved into %q (tenant %q)", idB, be.row(t, idB).Tenant)
			}
			if sess, _ := get(t, a, br); sess.IsNew {
				t.Fatal("tenant A lost its session")
			}
		})
	}
}
