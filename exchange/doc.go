// Package exchange is the RFC 8693 token exchange grant
// (urn:ietf:params:oauth:grant-type:token-exchange) as a fosite token
// endpoint handler, in the shape of fosite's refresh grant: a narrow
// Config, HandleTokenEndpointRequest validates and decides,
// PopulateTokenEndpointResponse issues and stores inside one storage
// transaction, in which the caller's Recheck (the provider: is the
// subject token's consent grant still active, holding it against a
// concurrent revocation) runs before the token is stored.
//
// A confidential client that registered the grant presents a citizen's
// access token of the same tenant (the subject token), still active,
// issued to it or for it, and names the audience it wants a token for.
// Whether it may is the resource's inbound access policy (the Policy,
// package resources); the new token is an access token for that
// audience only, speaking for the same person with the same
// representation, narrowed scopes, an act claim naming the client
// (RFC 8693 §4.1, nested when a token is exchanged again), a lifetime
// that never outlasts the subject token, and no refresh token.
//
// It does not know the provider's session type or claims rules: the
// Session interface is how it asks the session to narrow itself. It does
// not write the usage log; the provider's token endpoint does.
package exchange
