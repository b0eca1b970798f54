// Package dpop validates DPoP proofs (RFC 9449, OAuth 2.0 Demonstrating
// Proof of Possession): the signed JWT a client sends in the DPoP header
// to show it holds the private key its tokens are bound to.
//
// It owns the proof rules of RFC 9449 §4.3 (typ, asymmetric alg, public
// jwk, signature, htm, htu, iat window, single-use jti, ath, server
// nonce), the JWK thumbprint a token is bound to (RFC 7638, the cnf.jkt
// of §6), the stateless server nonces of §8 and §9, and the
// WWW-Authenticate challenge of §7.1. A Verifier serves one tenant.
//
// It does not own tokens: which token is bound to which key, and when a
// proof is required, are the caller's (the provider's token, userinfo
// and introspection endpoints, or a resource server that has looked the
// token up). The single use of a jti across nodes is the storage
// contract's (storage.DPoPProofStore); the package reaches it through
// the narrow Replay interface.
package dpop
