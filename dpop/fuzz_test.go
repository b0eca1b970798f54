package dpop

import (
	"testing"
	"time"
)

// FuzzVerify: any DPoP header value is refused or accepted, never a
// panic; an accepted one has a thumbprint.
func FuzzVerify(f *testing.F) {
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2In0.e30.")
	v, err := New(Options{Replay: &memReplay{}, Now: func() time.Time { return testNow }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, p string) {
		pr, err := v.Verify(t.Context(), Check{Proof: p, Method: "POST", URL: testURL})
		if err == nil && pr.JKT == "" {
			t.Fatalf("accepted %q without a thumbprint", p)
		}
	})
}
