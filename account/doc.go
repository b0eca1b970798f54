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
package account
