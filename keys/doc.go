// Package keys owns a tenant's signing keys and per-tenant secrets: it
// generates them, seals them at rest under the key-encryption key (KEK),
// rotates signing keys without downtime and serves the active signer and
// the published JWKS.
//
// Rotation timeline for one alg (DESIGN "Keys"):
//
//	t0            Rotate: next key created, published in JWKS (state next)
//	t0+lead       next key signs (active); old key stops signing (retired)
//	t0+lead+max   old key leaves JWKS (expired): everything it signed has expired
//
// where lead is Options.PublishLead (longer than any JWKS cache, so every
// verifier has the next key before it sees a token signed with it) and max
// is Options.MaxSignedLifetime (the longest-lived JWT any key signs).
//
// Nodes are stateless: each reads keys from the store and trusts its
// cached copy for Options.CacheTTL. Time windows are evaluated against the
// clock on every call, not at load time, so all nodes switch signer at the
// same instant even with stale caches; a cache is only ever stale about a
// rotation that lies at least PublishLead in the future. Node clocks are
// assumed to agree to well within a minute (NTP); skew eats into the
// margins above.
//
// Key IDs are RFC 7638 JWK thumbprints (SHA-256, base64url): derived from
// the key itself, so unique without coordination between nodes.
//
// The public key published for a kid is derived from the sealed private
// key (whose AES-GCM additional data binds tenant, kid and alg), not taken
// from the stored public JWK alone: someone who can write the database but
// does not hold the KEK cannot get a key of their own into the JWKS.
//
// It does not own HTTP (the provider serves JWKS), SQL (backends implement
// Store), configuration (cmd/oidcp parses the KEK and options) or the
// choice of alg per client (the provider).
package keys
