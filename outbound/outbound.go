package outbound

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Options configure New. Zero values take the defaults documented on each.
type Options struct {
	// AllowPrivate turns the address check off: loopback, private and
	// link-local destinations are allowed. For dev mode only.
	AllowPrivate bool
	// Allow lists exact destinations (address and port) allowed although
	// they are not public, such as oidcp's own public listener when the
	// built-in ID-porten mock is a tenant's upstream.
	Allow []netip.AddrPort
	// Timeout bounds a whole request, reading the body included. Default
	// 10 s.
	Timeout time.Duration
	// DialTimeout bounds connecting and, separately, the TLS handshake.
	// Default 5 s.
	DialTimeout time.Duration
	// MaxBodyBytes caps a response body: reading past it fails with
	// ErrBodyTooLarge, and a Content-Length above it fails the request.
	// Default 1 MiB.
	MaxBodyBytes int64
	// MaxRedirects is how many redirects a request follows. Default 3;
	// negative: none.
	MaxRedirects int
	// RootCAs are the trusted roots; nil means the system's (config
	// tls_ca adds a private CA to them).
	RootCAs *x509.CertPool
}

// Defaults of Options.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultDialTimeout  = 5 * time.Second
	DefaultMaxBodyBytes = 1 << 20
	DefaultMaxRedirects = 3
)

// ErrRefused is what a request to a destination outside the policy fails
// with (through *url.Error and *net.OpError; test with errors.Is).
var ErrRefused = errors.New("outbound: destination is not a public address")

// RefusedError names the refused destination. It matches ErrRefused.
type RefusedError struct {
	// Addr is the resolved address and port the dialer was about to
	// connect to.
	Addr string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("outbound: refusing to connect to %s: not a public address (loopback, private, link-local and reserved ranges are refused outside dev mode)", e.Addr)
}

// Is makes a *RefusedError match ErrRefused.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// New returns the outbound HTTP client. Its transport checks every
// address it connects to (redirects included) against Public, unless
// o.AllowPrivate, uses no proxy, and caps response bodies.
func New(o Options) *http.Client {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxRedirects == 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	p := policy{allowPrivate: o.AllowPrivate, allow: o.Allow}
	d := &net.Dialer{Timeout: o.DialTimeout, KeepAlive: 30 * time.Second, Control: p.control}
	tr := &http.Transport{
		// No Proxy: the dialer must see the destination's address.
		Proxy:                  nil,
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    o.DialTimeout,
		ResponseHeaderTimeout:  o.Timeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		TLSClientConfig:        &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12},
	}
	return &http.Client{
		Transport:     capBody{next: tr, n: o.MaxBodyBytes},
		Timeout:       o.Timeout,
		CheckRedirect: checkRedirect(o.MaxRedirects),
	}
}

// WithLimits returns a copy of c (one New built) with a shorter timeout
// and a smaller body cap for one kind of call, such as a JWK Set. The
// address check stays: it lives in c's transport. Zero keeps c's value.
func WithLimits(c *http.Client, timeout time.Duration, maxBody int64) *http.Client {
	out := *c
	if timeout > 0 {
		out.Timeout = timeout
	}
	if maxBody > 0 {
		out.Transport = capBody{next: c.Transport, n: maxBody}
	}
	return &out
}

// checkRedirect follows at most max redirects and never from https down
// to plain http. The destination of each is checked by the dialer.
func checkRedirect(max int) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if max < 0 || len(via) > max {
			return fmt.Errorf("outbound: stopped after %d redirects", len(via))
		}
		if req.URL.Scheme != "https" && via[len(via)-1].URL.Scheme == "https" {
			return fmt.Errorf("outbound: refusing a redirect from https to %s", req.URL.Redacted())
		}
		return nil
	}
}

// policy is the address check the dialer runs.
type policy struct {
	allowPrivate bool
	allow        []netip.AddrPort
}

// control is net.Dialer.Control: it runs after DNS resolution, once per
// address the dialer tries, with that address and port.
func (p policy) control(network, address string, _ syscall.RawConn) error {
	if p.allowPrivate {
		return nil
	}
	if network != "tcp" && network != "tcp4" && network != "tcp6" {
		return &RefusedError{Addr: network + " " + address}
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &RefusedError{Addr: address}
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port())
	if Public(ap.Addr()) {
		return nil
	}
	for _, a := range p.allow {
		if a.Addr().Unmap() == ap.Addr() && a.Port() == ap.Port() {
			return nil
		}
	}
	return &RefusedError{Addr: address}
}
