// Package demo is a development-only OpenID Connect relying party that
// shows what a tool receives from oidcp: it runs the authorization code
// flow (PKCE S256, state, nonce) against a tenant, verifies the ID token,
// calls userinfo and renders the claims, the representation claim first.
// `oidcp serve --dev` mounts it at {base}/demo/ so a newcomer can log in
// as a synthetic person without registering a client or writing a tool.
//
// It is an ordinary client of oidcp reached over HTTP (go-oidc and
// x/oauth2), like any third-party tool: it imports neither the provider
// nor the storage, and cmd/oidcp hands it the issuers and its client
// credentials. It owns only its routes under /demo/ and its short-lived
// flow cookie. It is never mounted outside dev mode and is not meant as
// an example of production-grade session handling: it keeps no session,
// and one browser runs one login at a time.
package demo
