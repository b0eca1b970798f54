package conformance

// oidcpPlan holds oidcp's own modules, in the OIDF form: each tests one
// RFC the Basic OP plan does not cover and is SKIPPED when the OP does not
// advertise the capability.
var oidcpPlan = []module{
	{"oidcp-par", "Pushed authorization request (RFC 9126): push, authorize with request_uri, one-time use, client auth", runPAR},
	{"oidcp-pkce-enforcement", "PKCE (RFC 7636): missing or wrong verifier and unsupported plain method are refused", runPKCEEnforcement},
	{"oidcp-refresh-token-reuse", "Refresh token rotation; reusing a rotated token revokes the chain (OAuth Security BCP §4.14)", runRefreshReuse},
	{"oidcp-revocation", "Token revocation (RFC 7009)", runRevocation},
	{"oidcp-introspection", "Token introspection (RFC 7662): active, then inactive after revocation", runIntrospection},
	{"oidcp-rp-initiated-logout", "RP-initiated logout: registered post_logout_redirect_uri honoured, unregistered refused", runRPLogout},
	{"oidcp-dpop", "DPoP (RFC 9449): tokens bound to the client's key; a bound token refused as bearer, without a proof, with another key's proof or a used one", runDPoP},
	{"oidcp-fapi2", "FAPI 2.0 Security Profile (without mTLS): PAR, PKCE, private_key_jwt with the issuer as audience, DPoP-bound tokens, PS256/ES256", runFAPI2},
	{"oidcp-backchannel-logout", "Back-channel logout: logout token delivered and valid per Back-Channel Logout 1.0 §2.4", runBackchannelLogout},
}
