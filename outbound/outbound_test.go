package outbound

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

// TestOutboundRefusesPrivateAddresses: the dialer check refuses every
// non-public range, after resolution and on redirects, and nothing
// reaches the refused server. Only 127.0.0.1 is ever dialled; the other
// ranges are checked on the dialer's Control function directly.
func TestOutboundRefusesPrivateAddresses(t *testing.T) {
	t.Run("Control", func(t *testing.T) {
		var p policy
		for _, addr := range []string{
			"127.0.0.1:443", "127.255.0.9:80", // loopback
			"10.0.0.1:443", "10.255.255.255:443", // 10/8
			"172.16.0.1:443", "172.31.255.254:443", // 172.16/12
			"192.168.1.1:443",            // 192.168/16
			"169.254.169.254:80",         // link-local, cloud metadata
			"0.0.0.0:443", "0.1.2.3:443", // unspecified, "this network"
			"100.64.0.1:443",                       // CGNAT
			"224.0.0.1:443", "255.255.255.255:443", // multicast, broadcast
			"192.0.2.10:443", "240.0.0.1:443", // documentation, reserved
			"[::1]:443", "[::]:443", // loopback, unspecified
			"[fc00::1]:443", "[fd12:3456::1]:443", // fc00::/7
			"[fe80::1]:443", "[fe80::1%25eth0]:443", // fe80::/10
			"[ff02::1]:443",                                   // multicast
			"[::ffff:127.0.0.1]:443", "[::ffff:10.0.0.1]:443", // IPv4-mapped
			"[::ffff:169.254.169.254]:80",
			"[64:ff9b::a9fe:a9fe]:80", // NAT64 of 169.254.169.254
			"[2002:7f00:1::1]:443",    // 6to4 of 127.0.0.1
			"not-an-address",
		} {
			err := p.control("tcp", addr, nil)
			if !errors.Is(err, ErrRefused) {
				t.Errorf("control(%s) = %v, want ErrRefused", addr, err)
			}
		}
		for _, addr := range []string{"93.184.216.34:443", "[2606:4700::1111]:443", "[::ffff:93.184.216.34]:443", "172.32.0.1:443", "100.128.0.1:443"} {
			if err := p.control("tcp", addr, nil); err != nil {
				t.Errorf("control(%s) = %v, want allowed", addr, err)
			}
		}
		if err := p.control("udp", "93.184.216.34:53", nil); !errors.Is(err, ErrRefused) {
			t.Errorf("control(udp) = %v, want ErrRefused", err)
		}
		if err := (policy{allowPrivate: true}).control("tcp", "127.0.0.1:80", nil); err != nil {
			t.Errorf("AllowPrivate: control(127.0.0.1) = %v", err)
		}
	})

	hit := func(counter *atomic.Int32) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			counter.Add(1)
			_, _ = io.WriteString(w, "secret")
		}))
		t.Cleanup(srv.Close)
		return srv
	}

	t.Run("Loopback", func(t *testing.T) {
		var n atomic.Int32
		srv := hit(&n)
		_, err := New(Options{}).Get(srv.URL + "/jwks")
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("GET %s = %v, want ErrRefused naming 127.0.0.1", srv.URL, err)
		}
		if n.Load() != 0 {
			t.Errorf("the refused server was reached %d times", n.Load())
		}
		// The same request in dev mode goes through: the refusal above
		// is the policy, not a broken client.
		resp, err := New(Options{AllowPrivate: true}).Get(srv.URL)
		if err != nil {
			t.Fatalf("AllowPrivate: %v", err)
		}
		resp.Body.Close()
		if n.Load() != 1 {
			t.Errorf("AllowPrivate: server reached %d times, want 1", n.Load())
		}
	})

	t.Run("NameResolvingToLoopback", func(t *testing.T) {
		// The check runs after resolution: localhost is a name.
		var n atomic.Int32
		srv := hit(&n)
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		_, err := New(Options{}).Get("http://localhost:" + port + "/")
		if !errors.Is(err, ErrRefused) {
			t.Errorf("GET via localhost = %v, want ErrRefused", err)
		}
		if n.Load() != 0 {
			t.Errorf("the refused server was reached %d times", n.Load())
		}
	})

	t.Run("IPv6Loopback", func(t *testing.T) {
		ln, err := net.Listen("tcp", "[::1]:0")
		if err != nil {
			t.Skip("no IPv6 loopback:", err)
		}
		var n atomic.Int32
		srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { n.Add(1) })}}
		srv.Start()
		defer srv.Close()
		if _, err := New(Options{}).Get(srv.URL); !errors.Is(err, ErrRefused) {
			t.Errorf("GET %s = %v, want ErrRefused", srv.URL, err)
		}
		if n.Load() != 0 {
			t.Errorf("the refused server was reached %d times", n.Load())
		}
	})

	t.Run("RedirectToRefused", func(t *testing.T) {
		// The first server is allowed by exact address (as oidcp's own
		// listener is); it redirects to another loopback port, which
		// is not.
		var n atomic.Int32
		target := hit(&n)
		var first atomic.Int32
		redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			first.Add(1)
			http.Redirect(w, r, target.URL+"/latest/meta-data/", http.StatusFound)
		}))
		defer redirector.Close()
		c := New(Options{Allow: []netip.AddrPort{netip.MustParseAddrPort(redirector.Listener.Addr().String())}})
		_, err := c.Get(redirector.URL)
		if !errors.Is(err, ErrRefused) {
			t.Errorf("redirect to %s = %v, want ErrRefused", target.URL, err)
		}
		if first.Load() != 1 || n.Load() != 0 {
			t.Errorf("allowed server reached %d times (want 1), refused one %d times (want 0)", first.Load(), n.Load())
		}
	})
}

// The body cap fails loudly instead of truncating, whether the length
// is announced or not; redirects are bounded.
func TestOutboundLimits(t *testing.T) {
	big := strings.Repeat("x", 2048)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/announced":
			_, _ = io.WriteString(w, big)
		case "/chunked":
			w.(http.Flusher).Flush() // no Content-Length
			_, _ = io.WriteString(w, big)
		case "/small":
			_, _ = io.WriteString(w, "ok")
		default:
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	}))
	defer srv.Close()
	c := New(Options{AllowPrivate: true, MaxBodyBytes: 1024})
	if _, err := c.Get(srv.URL + "/announced"); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("announced oversize body: %v, want ErrBodyTooLarge", err)
	}
	resp, err := c.Get(srv.URL + "/chunked")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("chunked oversize body: %v, want ErrBodyTooLarge", err)
	}
	small := WithLimits(c, 0, 1)
	if _, err := small.Get(srv.URL + "/small"); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("WithLimits(1 byte): %v, want ErrBodyTooLarge", err)
	}
	if _, err := c.Get(srv.URL + "/loop"); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("redirect loop: %v, want stopped after redirects", err)
	}
	if _, err := ReadLimited(strings.NewReader(big), 2047); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("ReadLimited over: %v", err)
	}
	if b, err := ReadLimited(strings.NewReader(big), 2048); err != nil || len(b) != 2048 {
		t.Errorf("ReadLimited at the limit: %d bytes, %v", len(b), err)
	}
}

func TestPublicHost(t *testing.T) {
	for host, want := range map[string]bool{
		"jwks.example.no": true, "93.184.216.34": true, "2606:4700::1111": true,
		"localhost": false, "LOCALHOST.": false, "app.localhost": false, "127.0.0.1": false, "::1": false,
		"[::1]": false, "10.1.2.3": false, "169.254.169.254": false, "::ffff:192.168.0.1": false, "": false,
	} {
		if got := PublicHost(host); got != want {
			t.Errorf("PublicHost(%q) = %v, want %v", host, got, want)
		}
	}
}
