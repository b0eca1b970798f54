package ratelimit

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Source is the address a request is counted under: the peer's address,
// or, when the peer is a trusted proxy, the nearest address in
// X-Forwarded-For that is not one (proxies append the address they saw,
// so entries left of a trusted one are the client's to forge). An IPv6
// address counts as its /64, which one subscriber typically holds whole.
func Source(r *http.Request, trusted []netip.Prefix) string {
	addr := peer(r.RemoteAddr)
	if addr.IsValid() && isTrusted(addr, trusted) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a malformed entry: trust nothing left of it
			}
			addr = a.Unmap()
			if !isTrusted(addr, trusted) {
				break
			}
		}
	}
	if !addr.IsValid() {
		return r.RemoteAddr
	}
	if addr.Is6() {
		p, _ := addr.WithZone("").Prefix(64)
		return p.String()
	}
	return addr.String()
}

func peer(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
