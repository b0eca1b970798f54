package main

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/oidcp/oidcp/provider"
)

// Default rate limits per window (rate_limit_window, 1m). They are meant
// to stop floods, not to shape normal traffic: a browser makes one or two
// authorization requests per login, a tool one token request per login
// or refresh. A client's own limits are ten times a source's: a public
// client's requests and authorization requests are anyone's to make, and
// one source must not be able to spend a client's window. Dev mode multiplies the request rates by devLimitFactor, so
// load tests and end-to-end suites on one address are not limited.
const (
	defaultAuthorizePerSource = 600
	defaultAuthorizePerClient = 6000
	defaultTokenPerSource     = 12000
	defaultTokenPerClient     = 120000
	defaultFailedClientAuth   = 20
	// defaultFailedClientAuthPerSource bounds the bcrypt comparisons one
	// address can cause with wrong secrets for ever new client_ids.
	defaultFailedClientAuthPerSource = 100
	devLimitFactor                   = 100
)

// limits is the provider's rate limit configuration; the trusted proxies
// were checked by validate.
func (c Config) limits() provider.Limits {
	factor := int64(1)
	if c.Dev {
		factor = devLimitFactor
	}
	pick := limitOrDefault[int64]
	proxies, _ := parseTrustedProxies(c.TrustedProxies)
	return provider.Limits{
		Window:                    c.RateLimitWindow,
		AuthorizePerSource:        pick(c.RateLimitAuthorizePerSource, defaultAuthorizePerSource*factor),
		AuthorizePerClient:        pick(c.RateLimitAuthorizePerClient, defaultAuthorizePerClient*factor),
		TokenPerSource:            pick(c.RateLimitTokenPerSource, defaultTokenPerSource*factor),
		TokenPerClient:            pick(c.RateLimitTokenPerClient, defaultTokenPerClient*factor),
		FailedClientAuth:          pick(c.FailedClientAuthLimit, defaultFailedClientAuth),
		FailedClientAuthWindow:    c.FailedClientAuthWindow,
		FailedClientAuthPerSource: pick(c.FailedClientAuthPerSource, defaultFailedClientAuthPerSource),
		TrustedProxies:            proxies,
	}
}

// limitOrDefault reads a configured limit: > 0 the limit itself, 0 the
// default def, < 0 no limit (0 to the limiters).
func limitOrDefault[T int | int64](v, def T) T {
	switch {
	case v < 0:
		return 0
	case v == 0:
		return def
	}
	return v
}

// parseTrustedProxies reads trusted_proxies: addresses (a /32 or /128)
// and CIDR prefixes, comma-separated.
func parseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR prefix (e.g. 10.0.0.0/8)", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
