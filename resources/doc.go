// Package resources owns the protected resources (APIs) of a tenant that
// token exchange (RFC 8693) may issue tokens for, and their inbound access
// policy: which clients may exchange a citizen's token for one whose
// audience is the resource, and which scopes such a token may carry. The
// receiving side decides who may call it, as NAV's TokenX has each
// application declare its inbound access policy.
//
// Build validates what an operator registers; Policy.Decide answers one
// exchange. It is plain Go over the storage contract: no HTTP, no SQL, no
// fosite types. It does not validate the subject token, issue the new
// one or write the usage log (the exchange package and the provider do).
package resources
