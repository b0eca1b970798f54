// Package handoff is the seamless hand-off from a first-party portal into
// a tool ("sømløst uthopp", docs/handoff.md): a citizen logged in at the
// portal, maybe acting for someone, opens a tool and arrives there logged
// in, acting for the same person, without a login or chooser page.
//
// The portal asks for a hand-off at POST {issuer}/handoff (Endpoint),
// authenticating as itself and presenting the citizen's access token. It
// gets back the tool's initiate_login_uri with iss, target_link_uri and
// login_hint=<ticket> (OIDC Core §4, third-party-initiated login). The
// ticket (Tickets) is 32 random bytes, valid for at most 60 seconds,
// usable once, bound to the portal's login session chain, the current
// representation, the target client and the tenant; only its SHA-256 is
// stored (storage.HandoffStore).
//
// The tool then starts its ordinary authorization request with the
// ticket as login_hint. The provider's authorization step asks Redeem
// whether the ticket holds for that request (same client, same browser
// login session chain, same person, not expired, not used); Redeem
// always consumes the ticket, records every refusal in the usage log and
// logs it as a warning without the ticket, and the provider then falls
// back to an ordinary login: a ticket never yields a login by itself.
//
// The package knows no fosite type and renders no page. It reaches the
// provider through two narrow interfaces (ClientAuthenticator,
// TokenVerifier) that cmd/oidcp wires.
package handoff
