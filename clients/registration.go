package clients

import "encoding/json"

// Token endpoint authentication methods (RFC 7591 §2, OIDC Core §9).
const (
	AuthNone              = "none"
	AuthClientSecretBasic = "client_secret_basic"
	AuthClientSecretPost  = "client_secret_post"
	AuthPrivateKeyJWT     = "private_key_jwt"
)

// Grant types oidcp issues tokens for (RFC 6749 §4.1, §6, §4.4, RFC 8693).
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
	// GrantTokenExchange is RFC 8693 token exchange: a confidential
	// client trades a citizen's access token for one for another
	// audience (a registered resource whose policy lists the client).
	GrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
)

// ID token signing algorithms: RS256 is OIDC's default (OIDC Core §3.1.3.7);
// ES256 and PS256 on request.
const (
	AlgRS256 = "RS256"
	AlgES256 = "ES256"
	AlgPS256 = "PS256"
)

// Client categories: identified (K2) tools may receive fødselsnummer and
// names, pseudonymous (K3) ones only pairwise ids (docs/representation.md).
const (
	CategoryIdentified   = "identified"
	CategoryPseudonymous = "pseudonymous"
)

// Access token formats: opaque (default) or a signed JWT (RFC 9068) a
// resource server can check without calling introspection.
const (
	AccessTokenOpaque = "opaque"
	AccessTokenJWT    = "jwt"
)

// IdentityScopes are the scopes every tenant offers: they need no grant
// (openid, profile, pid, offline_access, and account, the person's own
// view of their usage log, sessions and grants through the account API).
var IdentityScopes = []string{"openid", "profile", "pid", "offline_access", "account"}

// AccountScope lets a token call the account API and pages: read the
// person's usage log (which other tools they use), list and end their
// sessions and withdraw their grants. It is an operator-only scope, as
// the handoff_portal flag is: only the operator registers it (oidcp
// clients create), for a first-party client of the identified category;
// dynamic registration refuses it, and a pseudonymous (K3) client can
// never hold it (Build).
const AccountScope = "account"

// OperatorOnlyScopes are the scopes no vendor may register for itself.
var OperatorOnlyScopes = []string{AccountScope}

// DefaultScopes are granted to a client that names none.
var DefaultScopes = []string{"openid", "profile", "offline_access"}

// DefaultGrantTypes are given to a client that names none.
var DefaultGrantTypes = []string{GrantAuthorizationCode, GrantRefreshToken}

// Secret length bounds. The minimum keeps secrets out of guessing range;
// the maximum is bcrypt's input limit (it ignores or rejects more).
const (
	MinSecretLen = 16
	MaxSecretLen = 72
)

// Registration is what an operator or a vendor asks for. Zero fields take
// the defaults documented on each; Build validates the result.
type Registration struct {
	// ID is the client_id; 1–128 characters from [A-Za-z0-9._~-] so it is
	// safe in URLs and in HTTP Basic credentials. Empty: one is generated.
	ID string
	// Name is shown on the consent page; defaults to ID.
	Name string
	// Names are the name in the page languages, by tag (nb, nn, en;
	// RFC 7591 §2.2 client_name#nn); any other tag is refused.
	Names map[string]string
	// Secret is the plain client secret of a client_secret_basic/post
	// client; required for those, forbidden otherwise. Build hashes it and
	// never returns it.
	Secret string
	// RedirectURIs must be absolute, exact (compared byte for byte, so no
	// wildcards) and without fragment (RFC 6749 §3.1.2): https, loopback
	// http (RFC 8252 §7.3), or for public clients a private-use scheme
	// (RFC 8252 §7.1). Required with the authorization_code grant.
	RedirectURIs []string
	// PostLogoutRedirectURIs follow the same rules (OIDC RP-Initiated
	// Logout §3.1).
	PostLogoutRedirectURIs []string
	// Scopes the client may request; entries may hold several
	// space-separated scopes. Default DefaultScopes.
	Scopes []string
	// OfferedScopes are the scopes the tenant offers; a client with the
	// authorization_code grant may list only these. nil means
	// IdentityScopes. A client_credentials-only client acts for itself,
	// and its scopes (an API's permissions) are not checked against them.
	OfferedScopes []string
	// DataScopes are the tenant's data-exchange scopes (about a citizen's
	// data, issued only under the citizen's grant). A client whose only
	// grant is client_credentials acts for no citizen and may not list
	// them; a client with authorization_code may, for its user flows.
	DataScopes []string
	// GrantTypes default to DefaultGrantTypes.
	GrantTypes []string
	// Audience lists the resource servers the client may ask tokens for.
	Audience []string
	// AuthMethod is token_endpoint_auth_method; always none for public
	// clients. A confidential client that leaves it empty is registered
	// as client_secret_basic and also accepts client_secret_post
	// (storage.Client.AnySecretMethod); naming a method pins it.
	AuthMethod string
	// Public marks a client that cannot keep a secret (SPA, native app).
	// It gets PKCE, nonce and PAR required, with no way to relax them.
	Public bool
	// RelaxPKCE and RelaxNonce turn off the PKCE and nonce requirement for
	// a confidential client only.
	RelaxPKCE, RelaxNonce bool
	// RequirePAR makes PAR (RFC 9126) mandatory for a confidential client;
	// public clients always require it.
	RequirePAR bool
	// IDTokenAlg is id_token_signed_response_alg; default RS256.
	IDTokenAlg string
	// JWKSURI or JWKS (exactly one) carry a private_key_jwt client's public
	// keys (RFC 7591 §2).
	JWKSURI string
	JWKS    json.RawMessage
	// AuthSigningAlg is token_endpoint_auth_signing_alg: a private_key_jwt
	// client may pin its assertions to RS256, ES256 or PS256. Empty (the
	// default) allows each of them for which it registered a fitting key,
	// so a vendor can roll from an RSA to an EC key (OIDC Registration §2).
	AuthSigningAlg string
	// BackchannelLogoutURI receives logout tokens (OIDC Back-Channel
	// Logout 1.0 §2.2).
	BackchannelLogoutURI string
	// BackchannelLogoutSessionRequired: every logout token must carry
	// sid (Back-Channel Logout 1.0 §2.2).
	BackchannelLogoutSessionRequired bool
	// InitiateLoginURI is where the hand-off sends the browser (OIDC Core §4).
	InitiateLoginURI string
	// LaunchURIs are the tool's pages a portal may open it at (the
	// hand-off's target_link_uri must equal one); they need an
	// InitiateLoginURI and follow its rules.
	LaunchURIs []string
	// HandoffPortal marks a first-party portal allowed to hand a
	// citizen's login off to tools (POST /handoff). Only the operator
	// sets it; dynamic registration refuses it.
	HandoffPortal bool
	// Category is identified (default) or pseudonymous.
	Category string
	// AcceptedRelations are the relations the tool accepts for acting on
	// behalf of someone (representation.Kinds values); empty means the
	// citizen acts only for themselves.
	AcceptedRelations []string
	// Standalone marks a tool prescribed by a clinician: it may accept only
	// parent and assigned_power_of_attorney.
	Standalone bool
	// AccessTokenFormat is opaque (default) or jwt (RFC 9068).
	AccessTokenFormat string
	// Profile is the tenant's profile: fapi2 holds the client to the FAPI
	// 2.0 Security Profile (package fapi2) and makes ID tokens PS256,
	// access tokens DPoP-bound and PAR required by default.
	Profile string
	// DPoPBoundAccessTokens makes every token request of the client need
	// a DPoP proof, so it only ever gets DPoP-bound tokens (RFC 9449 §5.2).
	DPoPBoundAccessTokens bool
	// AllowPrivateHosts lets jwks_uri and backchannel_logout_uri, the URLs
	// oidcp itself calls, name localhost or a loopback, private or
	// link-local address. Only in dev mode, where test clients listen on
	// 127.0.0.1: outside it oidcp's outbound client refuses such addresses
	// (SSRF), so Build refuses them up front.
	AllowPrivateHosts bool
	// PolicyURI and LogoURI are the tool's privacy policy and logo, shown
	// to the person logging in (RFC 7591 §2): https, or loopback http.
	PolicyURI, LogoURI string
	// SectorIdentifier is the client's sector for pairwise subject
	// identifiers (OIDC Core §8.1), set only by the operator (the CLI's
	// --sector-identifier), never from a vendor's registration: clients
	// with the same one see the same sub for a person. Empty: the host of
	// its redirect URIs, which must then share one; for loopback and
	// private-use redirect URIs, or none, the client's own id.
	SectorIdentifier string
	// Vendor names the vendor registering the client by dynamic
	// registration; empty when the operator registers it.
	Vendor string
}
