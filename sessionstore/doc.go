// Package sessionstore keeps the browser's login session on the server: a
// gorilla/sessions Store whose cookie carries only a signed, opaque session
// id while everything else (who logged in, how, when, from which device,
// which clients were signed in, and the session's Values) lives in a
// storage.LoginSession row.
//
// It owns:
//   - the session cookie (name, flags, signature; never any session data),
//   - session ids (32 random bytes, base64url) and their rotation on login
//     as a session fixation defence (OWASP Session Management Cheat Sheet,
//     "Renew the Session ID After Any Privilege Level Change"),
//   - session chains (Login.ChainID): the same person logging in again in
//     the same browser (prompt=login, max_age, step-up) gets a new id in
//     the old session's chain, so whatever is bound to the chain rather
//     than to one id (the provider's tokens and sid claims) is reached by
//     ending the newest session; another person's login starts a new
//     chain (docs/sessions.md),
//   - the idle (default 30 min) and absolute (default 120 min) timeouts,
//     applied with an injected clock, and rate-limited LastSeenAt writes,
//   - the typed view of the login (Login), kept in sync with the
//     LoginSession columns so that "list active logins" can query them.
//
// It does not own: listing or ending other sessions of a person (the citizen
// pages use storage.SessionStore.ListSessions directly and apply Expired),
// revoking tokens or sending back-channel logout when a session ends (the
// provider does that), the usage log, or where the cookie HashKey comes
// from (cmd/oidcp reads it from the tenant's secrets).
//
// Values are serialised with encoding/gob, as gorilla's own stores do, so
// any concrete type stored in Values beyond the basic types must be
// registered with gob.Register.
package sessionstore
