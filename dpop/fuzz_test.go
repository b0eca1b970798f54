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

// FuzzNormalizeURL: normalising never panics and is idempotent, so an
// htu and a request URL that normalise alike stay alike.
func FuzzNormalizeURL(f *testing.F) {
	for _, s := range []string{"https://op.example/main/token", "HTTP://A:80/%7e/../b?x#y", "https://[::1]:443/", "https://x/%2f%2F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		n, err := NormalizeURL(u)
		if err != nil {
			return
		}
		again, err := NormalizeURL(n)
		if err != nil || again != n {
			t.Fatalf("NormalizeURL(%q) = %q, but NormalizeURL(%q) = %q, %v", u, n, n, again, err)
		}
	})
}
