package clients

import (
	"errors"
	"net"
	"net/url"
	"regexp"
	"slices"
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
	if fixed := withScheme(raw); fixed != "" {
		return "has no scheme; write it in full, e.g. " + fixed
	}
	u, err := url.Parse(raw)
	if err != nil {
		return notURI(err)
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
	if fixed := withScheme(raw); fixed != "" {
		return "has no scheme; write it in full, e.g. " + fixed
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return notURI(err)
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

// schemelessHost matches what people type when they leave out the scheme:
// a host (name, IPv4, [IPv6] or localhost), maybe a port, maybe a path.
// A private-use URI such as com.example.app:/cb does not match: its colon
// is not followed by a port.
var schemelessHost = regexp.MustCompile(`^(localhost|[0-9.]+|\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)(:[0-9]+)?(/|$)`)

// withScheme returns raw with the scheme it most likely lacks (http for
// a loopback host, https otherwise), or "" when raw does not look like a
// URI without scheme.
func withScheme(raw string) string {
	if strings.Contains(raw, "://") || !schemelessHost.MatchString(raw) {
		return ""
	}
	fixed := "https://" + raw
	if u, err := url.Parse("http://" + raw); err == nil && isLoopback(u) {
		fixed = "http://" + raw
	}
	return fixed
}

// notURI says why raw did not parse, without Go's `parse "…":` prefix.
func notURI(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return "is not a valid URI (" + err.Error() + ")"
}

// SectorHost returns the host that is the pairwise sector of a client
// with these redirect URIs (OIDC Core §8.1): the one host they all share
// when every one is an https URI of a host that is not loopback. ok is
// false when there is none: no redirect URIs; a loopback or private-use
// URI, which any app on any machine can register, so its host says
// nothing about who runs the tool; or URIs on several hosts, where the
// first would let a tool borrow another's sector by listing one of its
// URIs (Build refuses those unless the operator sets a sector identifier).
func SectorHost(redirectURIs []string) (string, bool) {
	keys := sectorKeys(redirectURIs)
	if len(keys) != 1 || keys[0] == "" {
		return "", false
	}
	return keys[0], true
}

// sectorKeys returns the distinct sector hosts of uris, in order: an
// https URI's host name (lower case), and "" for a loopback, private-use
// or unparseable one.
func sectorKeys(uris []string) []string {
	var keys []string
	for _, raw := range uris {
		key := ""
		if u, err := url.Parse(raw); err == nil && u.Scheme == "https" && u.Host != "" && !isLoopback(u) {
			key = strings.ToLower(u.Hostname())
		}
		if !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	return keys
}
