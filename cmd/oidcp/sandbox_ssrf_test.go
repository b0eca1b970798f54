package main

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/outbound"
)

// TestJWKSURIFetchRefuses: a vendor's jwks_uri that passed registration
// (a public host) can still try to steer oidcp's fetch: by redirecting
// to loopback, 10/8 or the cloud metadata address, or by sending an
// endless body. The outbound client, as serve builds it outside dev mode,
// follows no such redirect and, with the limits the provider puts on a
// JWKS fetch, stops reading at the cap. (A loopback listener stands in
// for the public host: the client is built with that one address
// allowed, which serve's client never is; TestOutboundClientPolicy
// checks serve's own.)
func TestJWKSURIFetchRefuses(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"keys":[]}`) }))
	defer other.Close()
	own := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-loopback":
			http.Redirect(w, r, other.URL+"/jwks", http.StatusFound)
		case "/to-10":
			http.Redirect(w, r, "http://10.1.2.3/jwks", http.StatusFound)
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusMovedPermanently)
		case "/big":
			w.(http.Flusher).Flush() // no Content-Length: the cap must stop the reading
			_, _ = io.WriteString(w, `{"keys":["`+strings.Repeat("A", 300<<10)+`"]}`)
		default:
			_, _ = io.WriteString(w, `{"keys":[]}`)
		}
	}))
	defer own.Close()
	hc := outbound.New(outbound.Options{Allow: []netip.AddrPort{netip.MustParseAddrPort(strings.TrimPrefix(own.URL, "http://"))}})
	// The limits provider/clientauth.go puts on a JWKS fetch.
	jwksClient := outbound.WithLimits(hc, 5*time.Second, 256<<10)
	if resp, err := jwksClient.Get(own.URL + "/jwks"); err != nil {
		t.Fatalf("the allowed host itself: %v", err)
	} else {
		resp.Body.Close()
	}
	for _, path := range []string{"/to-loopback", "/to-10", "/to-metadata"} {
		resp, err := jwksClient.Get(own.URL + path)
		if err == nil {
			resp.Body.Close()
		}
		if !errors.Is(err, outbound.ErrRefused) {
			t.Errorf("jwks_uri redirecting %s: %v, want ErrRefused", path, err)
		}
	}
	resp, err := jwksClient.Get(own.URL + "/big")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if !errors.Is(err, outbound.ErrBodyTooLarge) {
		t.Errorf("oversized JWKS: %v, want ErrBodyTooLarge", err)
	}
}
