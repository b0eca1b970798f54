// Package fapi2 holds the OpenID Provider rules of the FAPI 2.0 Security
// Profile that a tenant configured with profile "fapi2" enforces, for an
// OP without mutual TLS: authorization requests pushed (PAR) with PKCE
// S256 and response_type code; clients confidential and authenticated by
// private_key_jwt only, whose assertions live at most 60 s, name the
// issuer alone as audience and are signed with PS256 or ES256, never
// RS256; sender-constrained (DPoP) access tokens; codes living at most
// 60 s and request_uris at most 600 s.
//
// It owns the rules and their wording (each violation names the rule, so
// a vendor knows what to change). It does not apply them: clients.Build
// checks registrations with CheckClient, and the provider checks
// requests (CheckAuthorize, CheckAssertion), requires DPoP and caps the
// lifetimes. It is plain Go and reads no clock of its own.
package fapi2
