package dpop

import (
	"errors"
	"net/url"
	"path"
	"strings"
)

// NormalizeURL is u as RFC 9449 §4.3 compares htu with the request's URL:
// without query and fragment, with RFC 3986 §6.2.2 syntax-based
// normalisation (lower-case scheme and host, percent-encodings in upper
// case and decoded where they encode an unreserved character, dot
// segments removed) and §6.2.3 scheme-based normalisation (no default
// port, an empty path is "/"). Only absolute http and https URLs are
// accepted.
func NormalizeURL(u string) (string, error) {
	p, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	scheme := strings.ToLower(p.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", errors.New("not an http or https URL")
	}
	if p.Hostname() == "" || p.User != nil || p.Opaque != "" {
		return "", errors.New("not an absolute URL with a host and no user info")
	}
	host := strings.ToLower(p.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6 literal
	}
	if port := p.Port(); port != "" && !(scheme == "http" && port == "80" || scheme == "https" && port == "443") {
		host += ":" + port
	}
	raw := p.EscapedPath()
	norm, err := normalizePercent(raw)
	if err != nil {
		return "", err
	}
	if norm == "" {
		norm = "/"
	}
	if strings.Contains(norm, "/.") {
		// RFC 3986 §5.2.4; path.Clean also drops a trailing slash,
		// which is significant, so it is put back.
		clean := path.Clean(norm)
		if strings.HasSuffix(norm, "/") && clean != "/" {
			clean += "/"
		}
		norm = clean
	}
	return scheme + "://" + host + norm, nil
}

// normalizePercent upper-cases the hex digits of every percent-encoding
// and decodes those of unreserved characters (RFC 3986 §2.3, §6.2.2.2).
func normalizePercent(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return "", errors.New("bad percent-encoding")
		}
		v := unhex(s[i+1])<<4 | unhex(s[i+2])
		if isUnreserved(v) {
			b.WriteByte(v)
		} else {
			b.WriteString("%" + strings.ToUpper(s[i+1:i+3]))
		}
		i += 2
	}
	return b.String(), nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
