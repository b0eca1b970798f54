// Package outbound owns the one HTTP client oidcp uses for every request
// it makes to a URL it was given: a client's jwks_uri, back-channel
// logout deliveries, the upstream eID's discovery, JWKS, PAR and token
// endpoints, and any request_uri should oidcp ever fetch one.
//
// Such URLs come from outside (a vendor registers a jwks_uri; a discovery
// document names further URLs), so a request to one could otherwise be
// used to reach what only oidcp can reach: its own loopback services, the
// private network it runs in, or a cloud metadata service at
// 169.254.169.254 (server-side request forgery). The client therefore
// refuses to connect to any address that is not public unicast (see
// Public). The check runs in the dialer's Control function, after DNS
// resolution and for every connection, so a host name that resolves to a
// private address and a redirect to one are refused alike. Outside the
// policy it also bounds what a remote side can cost: timeouts for the
// connection, the TLS handshake, the response headers and the whole
// request, a limit on redirects, and a cap on response bodies.
//
// Dev mode passes Options.AllowPrivate, because there the ID-porten mock
// and the test clients listen on 127.0.0.1. Options.Allow admits exact
// destinations (address and port) in spite of the policy, for oidcp's own
// public listener when a tenant's upstream is the built-in mock.
//
// It does not own what is fetched or how it is parsed, caching, or
// retries: the callers (provider, upstream) do. It never uses an HTTP
// proxy from the environment: the address check must see the real
// destination, and a proxy would hide it.
package outbound
