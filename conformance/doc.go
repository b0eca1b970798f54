// Package conformance reproduces the OpenID Foundation conformance suite's
// Basic OP (oidcc-basic-certification-test-plan) and Config OP
// (oidcc-config-certification-test-plan) test plans in Go, plus oidcp's own
// modules for PAR, PKCE, refresh-token rotation, revocation, introspection,
// RP-initiated and back-channel logout.
//
// It owns: the module catalogue and their verdict semantics (PASSED,
// WARNING, FAILED, SKIPPED, REVIEW, as the OIDF suite reports them), the
// protocol checks (discovery metadata, JWKS, ID token, token and userinfo
// responses), a cookie-jar "browser" that drives an authorization request to
// the client's redirect_uri, pluggable login drivers, the report (table and
// JSON) and a CLI entry point (Main).
//
// It does not own any part of the OP: it talks to an issuer only over
// HTTP(S) and imports none of oidcp's server packages, so it can judge any
// OP, ours or another (it is validated against panva's OpenID-certified
// oidc-provider, see scripts/conformance-peer). It does not read oidcp's
// configuration; the client it uses must be registered at the OP by
// whoever runs it. docs/conformance.md says how to run it against oidcp
// and the peer, and which verdicts oidcp is expected to get.
package conformance
