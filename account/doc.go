// Package account owns what a person may see and stop of what happens in
// their name ("Bruk og tilganger"): their usage log, their active login
// sessions and the consent grants (tillatelser) given for them, with the
// rules of who may see and change what when a representative (a parent,
// a holder of a power of attorney) looks on someone's behalf.
//
// It is plain Go with an injected clock, built on consent (grants and
// their revocation cascade) and the storage contract. It knows no HTTP:
// the citizen pages (web/accountpage) and the JSON API (accountapi) are
// two views of the one Service, and both learn who is looking (a Viewer)
// from an access token that the provider verifies.
//
// # The rules
//
// Whose: the Viewer's Person is who logged in, Subject whose data is
// shown (Person, or the person they represent). The usage log and the
// grants are the Subject's; the login sessions are always the Person's
// own, since a session belongs to whoever logged in.
//
// Usage log (Events): every event of the Subject's tenant in which the
// Subject acted or that was done for them (storage.EventFilter.Person
// matches Actor or Subject), so a person's own log also shows what they
// did for someone they represent. A representative sees only what was
// done for the person they represent (EventFilter.Subject), not what
// that person did for a third person. Newest first. Filters: a period (Since
// inclusive, Until exclusive), a client, and who acted: "self" is the
// events the Subject acted in, a pid the events that person acted in.
// Pages are keyset only: the cursor is opaque (base64url of a versioned
// prefix and the last id shown), a cursor this package did not make is
// ErrInvalid, and no page is read by OFFSET, so every page costs about
// its size whatever the log's length. Persons are named from the
// tenant's registry (Options.Registries), clients by their client_name;
// an unknown one keeps its id without a name. A representative's
// Relation comes from the event's detail ("relation", recorded by
// consent, the representation chooser, the hand-off, the authorization,
// the token endpoint and revocation) or,
// failing that (events older than that), from the
// grant the event was done under when that grant was given by the same
// actor for the same subject; otherwise it is empty. A hand-off names
// the portal the tool was opened from (Event.Via, from the event's
// detail).
//
// Retention: Prune deletes a tenant's events older than a cut-off; the
// server calls it per tenant with its usage_log_retention (default
// DefaultRetention, five years).
//
// Sessions: the Person's login sessions that are neither ended nor
// expired by the session store's idle and absolute timeouts
// (sessionstore.Options.Expired), newest first, with the device in words
// (DeviceName), the clients signed in through each, and Current for the
// one whose chain (sessionstore.ChainID) the viewer's token was issued
// under. A session is named by a handle, a truncated SHA-256 of a fixed
// prefix and its id, never by the id, which is the cookie's secret.
// EndSession ends one by handle (another person's handle, an ended or
// unknown one is ErrNotFound); in one storage transaction the session is
// ended, every code and token of its chain revoked, a back-channel logout
// queued for each client signed in to it (LogoutNotifier, joining the
// transaction), and the usage log records audit.SessionEnded (reason
// "account") and, when tokens were revoked, audit.TokenRevoked with their
// count. A failure leaves nothing of it done. EndAllSessions does the
// same for every active session of the Person, the current one included,
// in one transaction.
//
// Grants: the Subject's grants that are neither revoked nor expired,
// newest first, with the client's name, vendor and logo, the scopes, and
// who gave the grant (Actor is the Subject when they gave it themself)
// under which relation. RevokeGrant withdraws one: a grant of another
// tenant or person, an expired or revoked one, is ErrNotFound; a viewer
// who may see but not withdraw (Viewer.MayWithdraw: an ordinary power of
// attorney) gets ErrForbidden; otherwise consent.Service.Revoke runs the
// cascade (tokens, back-channel logout, usage log), recorded as revoked
// by the citizen or, for a representative, by the representative, with
// the Person as actor.
package account
