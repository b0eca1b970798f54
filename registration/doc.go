// Package registration is self-service client registration for vendors:
// OAuth 2.0 Dynamic Client Registration (RFC 7591) and its management
// protocol (RFC 7592), the initial access tokens the operator hands to
// vendors, and a vendor's reset of its own test data.
//
// A vendor holds one initial access token per tenant (issued with
// IssueToken, stored as its SHA-256). With it the vendor registers
// clients at {issuer}/register, lists them at {issuer}/vendor/clients and
// resets their grants, sessions and tokens at {issuer}/vendor/reset. Each
// registered client gets its own registration access token, which reads,
// replaces and deletes that client at {issuer}/register/{client_id}.
// A vendor never sees or touches another vendor's clients or the
// operator's, and nothing here reaches another tenant: every lookup is
// by the handler's tenant.
//
// The rules for what a client may be are the clients package's
// (clients.Build), the same the CLI applies; this package only maps RFC
// 7591 metadata to a clients.Registration and FieldErrors to RFC 7591
// §3.2.2 error responses. Quotas (clients per vendor) are counted in
// storage and rates (registrations per hour) by ratelimit's counters
// shared by every node, so neither multiplies with the number of nodes.
//
// It does not store anything itself (storage does), issue tokens to
// clients (provider does) or read configuration (cmd/oidcp does).
package registration
