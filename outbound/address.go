package outbound

import (
	"net/netip"
	"strings"
)

// nonPublic are ranges that netip's predicates do not cover and that must
// not be reached from outside either: shared, reserved, documentation and
// benchmarking space (RFC 6890 and the IANA special-purpose registries),
// and the IPv6 ranges that embed an IPv4 address a relay would connect
// to (NAT64, 6to4, Teredo, IPv4-compatible).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network" (RFC 791)
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments (RFC 6890)
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1 (RFC 5737)
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking (RFC 2544)
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated, RFC 4291)
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64 (RFC 6052)
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local NAT64 (RFC 8215)
	netip.MustParsePrefix("100::/64"),        // discard (RFC 6666)
	netip.MustParsePrefix("2001::/32"),       // Teredo (RFC 4380)
	netip.MustParsePrefix("2001:db8::/32"),   // documentation (RFC 3849)
	netip.MustParsePrefix("2002::/16"),       // 6to4 (RFC 3056)
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated, RFC 3879)
}

// Public reports whether a is a public unicast address, one the outbound
// client may connect to outside dev mode. Refused: unspecified
// (0.0.0.0, ::), loopback (127/8, ::1), private (10/8, 172.16/12,
// 192.168/16, fc00::/7), link-local (169.254/16 with cloud metadata
// services, fe80::/10), multicast, broadcast, and the ranges in nonPublic.
// An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4
// address it carries.
func Public(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() {
		// IsGlobalUnicast is false for unspecified, loopback, multicast,
		// link-local and broadcast addresses.
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// PublicHost reports whether host (a URL's Hostname()) may be public: a
// name other than localhost, or an IP literal Public accepts. A name's
// addresses are only known when it is resolved, which is when the client
// checks them; this is the early check for registration, where a literal
// or localhost can be refused with a message naming the field.
func PublicHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "" || h == "localhost" || strings.HasSuffix(h, ".localhost") {
		// RFC 6761 §6.3: localhost and its subdomains are loopback.
		return false
	}
	if a, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
		return Public(a)
	}
	return true
}
