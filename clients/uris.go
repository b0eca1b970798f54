package clients

import (
	"net"
	"net/url"
	"strings"

	"github.com/oidcp/oidcp/outbound"
)

// loopbackHosts are the hosts a plain-http redirect URI may use: a native
// app's loopback listener (RFC 8252 §7.3; "localhost" is allowed too
// because many libraries default to it, though §8.3 prefers the literal).
var loopbackHosts = map[string]bool{"127.0.0.1": true, "::1": true, "localhost": true}

// forbiddenSchemes can never receive an authorization response safely:
// they run script, read local files or have no network target.
var forbiddenSchemes = map[string]bool{
	"javascript": true, "data": true, "file": true, "vbscript": true,
	"blob": true, "about": true, "ftp": true, "ws": true, "wss": true,
}

// CheckRedirectURI applies the redirect URI rules Build applies to one URI
// and returns the reason it is refused, or "". allowPrivateUse (a public
// client) admits a native app's private-use scheme.
func CheckRedirectURI(raw string, allowPrivateUse bool) string {
	if raw == "" {
		return "empty URI"
	}
	if strings.ContainsAny(raw, "* \t\r\n") {
		// Redirect URIs are compared exactly (RFC 9700 §4.1.3): a pattern
		// would be taken literally and never match, so say so now.
		return "must be exact: no wildcards or white space"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "not a URI: " + err.Error()
	}
	if !u.IsAbs() {
		return "must be absolute (RFC 6749 §3.1.2)"
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return "must not contain a fragment (RFC 6749 §3.1.2)"
	}
	if u.User != nil {
		return "must not contain user information"
	}
	switch scheme := u.Scheme; {
	case scheme == "https":
		if u.Host == "" {
			return "https URI needs a host"
		}
	case scheme == "http":
		if !isLoopback(u) {
			return "plain http is allowed only for loopback (http://127.0.0.1, http://[::1], http://localhost; RFC 8252 §7.3); use https"
		}
	case forbiddenSchemes[scheme]:
		return "scheme " + scheme + " is not allowed"
	default:
		if !allowPrivateUse {
			return "private-use scheme " + scheme + " is only for public (native) clients; use https"
		}
		// RFC 8252 §7.1: a reverse domain name the vendor controls, so
		// apps cannot collide on a scheme.
		if !strings.Contains(scheme, ".") {
			return "private-use scheme " + scheme + " must be a reverse domain name such as com.example.app (RFC 8252 §7.1)"
		}
	}
	return ""
}

// checkWebURI is the rule for URIs oidcp calls or sends a browser to
// (jwks_uri, backchannel_logout_uri, initiate_login_uri): https, or
// loopback http for local testing; never a fragment.
func checkWebURI(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "not a URI: " + err.Error()
	case !u.IsAbs() || u.Host == "":
		return "must be an absolute URL"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not contain a fragment"
	case u.User != nil:
		return "must not contain user information"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && isLoopback(u):
		return ""
	}
	return "must be https (plain http only for loopback hosts)"
}

func isLoopback(u *url.URL) bool {
	host := u.Hostname()
	if loopbackHosts[host] {
		return true
	}
	// Any 127/8 address or ::1 spelled differently is loopback too.
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkCalledURI is checkWebURI for a URL oidcp itself calls (jwks_uri,
// backchannel_logout_uri): unless allowPrivate, its host must not be
// localhost or a loopback, private or link-local IP literal. A host name
// is resolved only when oidcp calls it, and the outbound client checks the
// address then.
func checkCalledURI(raw string, allowPrivate bool) string {
	if why := checkWebURI(raw); why != "" {
		return why
	}
	u, _ := url.Parse(raw)
	if !allowPrivate && !outbound.PublicHost(u.Hostname()) {
		return "oidcp calls this URL, and " + u.Hostname() + " is a loopback, private or link-local address, which oidcp refuses to call outside dev mode; use a public https URL"
	}
	return ""
}
