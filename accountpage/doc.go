// Package accountpage serves a citizen's own pages under each tenant,
// {issuer}/account/ ("Bruk og tilganger"): the usage log, the active
// logins and the permissions given, with a way to log a login out and
// to withdraw a permission.
//
// The pages are a first-party OpenID Connect relying party of their own
// tenant, as Keycloak's account console is: without a page session they
// send the browser through the tenant's /authorize (state, nonce, PKCE
// S256) as the public client cmd/oidcp registers for them, so the
// person meets the eID only when they have no login session, and the
// chooser lets them open the pages for someone they represent. The
// callback redeems the code at the tenant's token endpoint and keeps the
// access token in an encrypted cookie; every page verifies it through
// account.TokenVerifier and shows what the account service returns for
// the viewer it names.
//
// accountpage owns the HTTP side only: the routes, the page session and
// its cookie, CSRF and turning the service's values into web's view
// model. The use cases (what a viewer may see and do) are the account
// service's, behind the narrow Service interface declared here; the
// templates and texts are web's; cmd/oidcp registers the client, builds
// the Handler per tenant and mounts it through router. Nothing here is
// part of provider.
package accountpage
