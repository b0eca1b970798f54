// Package provider is oidcp's OpenID Provider: the HTTP protocol surface of
// every tenant (discovery, JWKS, authorize, PAR, token, userinfo,
// revocation, introspection, end_session) built on fosite, and the browser
// login flow that federates the upstream eID.
//
// It owns the fosite wiring and the thin adapter between fosite's storage
// interfaces and the storage contract (fositestore.go), the one place where
// go-jose v3 (fosite's API) meets our go-jose v4 keys (jose.go), and the
// handlers of the login steps. It does not own the login state machine
// (authflow: which step follows, the flow record and its cookie), signing
// keys (keys), the login session cookie (sessionstore), the upstream
// protocol (upstream), the token exchange grant and who may exchange for
// what (exchange, resources; the provider installs the grant and its
// Session narrows itself for it) or any SQL (storage backends).
package provider
