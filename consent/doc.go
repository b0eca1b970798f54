// Package consent owns consent grants (tillatelser): which scopes are
// data-exchange scopes that need one (Catalogue, with their texts in nb,
// nn and en), whether an active grant covers a request (Covers), giving,
// refusing and revoking grants (Service), and the usage-log entries for
// each.
//
// A grant belongs to one tenant, one client and one data subject (the
// represented person, or the citizen acting for themself); Actor is the
// representative who gave it. Revoking a grant deactivates every code and
// token issued under it in the same storage transaction, and hands the
// revocation to a Notifier (back-channel logout) inside that transaction,
// so the notification is queued exactly when the revocation commits.
//
// It is plain Go with an injected clock: no HTTP, no SQL, no fosite
// types. It does not render the consent page (the login flow does), sign
// or deliver logout tokens (backchannel), or decide who may act for whom
// (representation; the Service asks a RelationChecker whether a
// representative's relation still holds).
package consent
