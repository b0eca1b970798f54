// Package accountapi is the citizen's "Bruk og tilganger" as a JSON API:
// under each tenant's issuer, {issuer}/api/v1/me/, a person (or a
// representative acting for them) lists their usage log, login sessions
// and consent grants, ends a session and withdraws a grant. docs/openapi.yaml
// describes it and docs/account-api.md shows it with curl.
//
// It owns the HTTP side only: the routes (mounted through router), the
// bearer-token check (an access token of the tenant carrying the scope
// account, verified through account.TokenVerifier, which the provider
// implements), reading the filters and cursor of the usage log, and the
// answers: JSON lists, 204 for a deletion, RFC 9457 problem+json for
// every error with the RFC 6750 challenge on 401 and 403.
//
// It does not own the rules of who may see or change what, the paging of
// the log, nor the revocation cascade: those are account.Service's,
// reached through the narrow Service interface declared here. It reads
// no configuration and knows no storage backend.
package accountapi
