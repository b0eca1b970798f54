// Package clients owns the rules for registering an OAuth 2.0 / OIDC
// client: which metadata is allowed, what the defaults are and how a client
// secret is generated and hashed. `oidcp clients create` and dynamic
// client registration (RFC 7591, package registration) use the same
// Build, so both paths accept exactly the same clients.
//
// It is plain Go: it does not store clients (storage does), serve HTTP or
// know fosite. Build turns a Registration into a storage.Client or reports
// every problem as a *FieldError naming the metadata field (RFC 7591 §2
// names), with the RFC 7591 §3.2.2 error code a registration endpoint
// returns.
package clients
