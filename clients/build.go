package clients

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/claimjson"
	"github.com/oidcp/oidcp/fapi2"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// idPattern keeps client ids within RFC 3986 unreserved characters, so they
// need no escaping in URLs and contain no ':' that would break HTTP Basic
// credentials (RFC 6749 §2.3.1).
var idPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{1,128}$`)

// scopePattern is scope-token (RFC 6749 §3.3).
var scopePattern = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`)

// ValidID reports whether s has the shape of a client_id.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// ValidScopeToken reports whether s is a scope-token (RFC 6749 §3.3).
func ValidScopeToken(s string) bool { return scopePattern.MatchString(s) }

// Build applies defaults to r, validates it and returns the client to
// store for tenant, created at now. It hashes r.Secret; the plain secret
// is not in the result. On failure the error joins one *FieldError per
// problem (see Fields).
func Build(tenant string, r Registration, now time.Time) (storage.Client, error) {
	b := builder{r: r}
	c := storage.Client{
		Tenant:               tenant,
		ID:                   r.ID,
		Name:                 strings.TrimSpace(r.Name),
		Public:               r.Public,
		Audience:             nonNil(r.Audience),
		JWKSURI:              r.JWKSURI,
		BackchannelLogoutURI: r.BackchannelLogoutURI,
		InitiateLoginURI:     r.InitiateLoginURI,
		LaunchURIs:           nilIfEmpty(dedupe(r.LaunchURIs)),
		HandoffPortal:        r.HandoffPortal,
		Standalone:           r.Standalone,
		PolicyURI:            r.PolicyURI,
		LogoURI:              r.LogoURI,
		Vendor:               r.Vendor,
		// Storage keeps microseconds; truncating here makes the client
		// returned equal to the one read back.
		CreatedAt: now.UTC().Truncate(time.Microsecond),
		UpdatedAt: now.UTC().Truncate(time.Microsecond),
	}
	if tenant == "" {
		b.fail(metadataErr("tenant", "is required"))
	}
	if c.ID == "" {
		c.ID = GenerateID()
	} else if !idPattern.MatchString(c.ID) {
		b.fail(metadataErr("client_id", "%q must be 1–128 characters of A-Z a-z 0-9 . _ ~ -", c.ID))
	}
	if c.Name == "" {
		c.Name = c.ID
	} else if len(c.Name) > maxNameLen {
		b.fail(metadataErr("client_name", "is longer than %d bytes", maxNameLen))
	}
	c.Names = b.names()

	c.GrantTypes = b.grantTypes()
	hasCode := slices.Contains(c.GrantTypes, GrantAuthorizationCode)
	c.ResponseTypes = []string{}
	if hasCode {
		c.ResponseTypes = []string{"code"} // DESIGN: response_type=code only
	}
	c.BackchannelLogoutSessionRequired = r.BackchannelLogoutSessionRequired
	c.Scopes = b.scopes(tenant, hasCode)
	c.RedirectURIs = b.uris("redirect_uris", r.RedirectURIs, r.Public)
	if hasCode && len(c.RedirectURIs) == 0 {
		b.fail(redirectErr("redirect_uris", "at least one is required for the authorization_code grant"))
	}
	c.SectorIdentifier = strings.TrimSpace(r.SectorIdentifier)
	if keys := sectorKeys(c.RedirectURIs); len(keys) > 1 && c.SectorIdentifier == "" {
		b.fail(redirectErr("redirect_uris", "are on %s; all must be on one host, because that host is the tool's sector for pairwise subject identifiers and a second one would share another tool's (OIDC Core §8.1); register one client per host, or ask the operator to set a sector identifier", describeHosts(keys)))
	}
	c.PostLogoutRedirectURIs = b.uris("post_logout_redirect_uris", r.PostLogoutRedirectURIs, r.Public)
	if v := r.BackchannelLogoutURI; v != "" {
		if why := checkCalledURI(v, r.AllowPrivateHosts); why != "" {
			b.fail(metadataErr("backchannel_logout_uri", "%q: %s", v, why))
		}
	}
	b.errs = append(b.errs, handoffErrs(r.InitiateLoginURI, c.LaunchURIs, r.HandoffPortal, hasCode)...)
	// The browser fetches these too; oidcp only shows them.
	for _, f := range []struct{ field, v string }{{"policy_uri", r.PolicyURI}, {"logo_uri", r.LogoURI}} {
		if f.v == "" {
			continue
		}
		if why := checkWebURI(f.v); why != "" {
			b.fail(metadataErr(f.field, "%q: %s", f.v, why))
		}
	}
	idTokenAlg := AlgRS256
	if r.Profile == fapi2.Profile {
		idTokenAlg = AlgPS256 // FAPI 2.0 §5.4.1
	}
	c.IDTokenSignedResponseAlg = b.oneOf("id_token_signed_response_alg", r.IDTokenAlg, idTokenAlg,
		"is not supported (use RS256, ES256 or PS256)", AlgRS256, AlgES256, AlgPS256)
	c.Category = b.oneOf("category", r.Category, CategoryIdentified,
		"is not a category (use identified or pseudonymous)", CategoryIdentified, CategoryPseudonymous)
	if slices.Contains(c.Scopes, AccountScope) {
		switch {
		case c.Category == CategoryPseudonymous:
			b.fail(metadataErr("scope", "%q controls the person's account (their usage log, sessions and grants) and is only for the operator's first-party clients of the identified category; a pseudonymous (K3) client cannot hold it", AccountScope))
		case !hasCode:
			b.fail(metadataErr("scope", "%q is used for a person's own account, through the authorization_code grant; a client without it acts for no person and cannot hold it", AccountScope))
		}
	}
	c.AccessTokenFormat = b.oneOf("access_token_format", r.AccessTokenFormat, AccessTokenOpaque,
		"is not supported (use opaque or jwt)", AccessTokenOpaque, AccessTokenJWT)
	c.AcceptedRelations = b.relations()
	c.DPoPBoundAccessTokens = r.DPoPBoundAccessTokens
	b.authentication(&c)
	switch r.Profile {
	case "":
	case fapi2.Profile:
		b.fapi2(&c)
	default:
		b.fail(metadataErr("profile", "%q is not a profile (use fapi2 or none)", r.Profile))
	}

	if len(b.errs) > 0 {
		return storage.Client{}, fmt.Errorf("clients: invalid registration:\n%w", errors.Join(b.errs...))
	}
	if r.Secret != "" && !c.Public && c.TokenEndpointAuthMethod != AuthPrivateKeyJWT {
		h, err := HashSecret(r.Secret)
		if err != nil {
			return storage.Client{}, err
		}
		c.SecretHash = h
	}
	return c, nil
}

// CheckHandoff applies Build's rules for the hand-off metadata to a
// stored client whose initiate_login_uri, launch_uris or handoff_portal
// the operator changes (oidcp clients update); nil when they hold.
func CheckHandoff(c storage.Client) error {
	errs := handoffErrs(c.InitiateLoginURI, c.LaunchURIs, c.HandoffPortal, slices.Contains(c.GrantTypes, GrantAuthorizationCode))
	if len(errs) > 0 {
		return fmt.Errorf("clients: invalid registration:\n%w", errors.Join(errs...))
	}
	return nil
}

// handoffErrs are the problems of a tool's hand-off metadata: the
// browser, not oidcp, goes to initiate_login_uri and the launch URIs, so
// they follow checkWebURI; launch URIs need an initiate_login_uri; a
// portal logs citizens in, so it needs the code grant.
func handoffErrs(initiate string, launch []string, portal, hasCode bool) []error {
	var errs []error
	if initiate != "" {
		if why := checkWebURI(initiate); why != "" {
			errs = append(errs, metadataErr("initiate_login_uri", "%q: %s", initiate, why))
		}
	}
	for _, v := range launch {
		if why := checkWebURI(v); why != "" {
			errs = append(errs, metadataErr("launch_uris", "%q: %s", v, why))
		}
	}
	if len(launch) > 0 && initiate == "" {
		errs = append(errs, metadataErr("launch_uris", "need an initiate_login_uri: a portal opens the tool there (OIDC Core §4)"))
	}
	if portal && !hasCode {
		errs = append(errs, metadataErr("handoff_portal", "a portal hands off a citizen's login, so it needs the authorization_code grant"))
	}
	return errs
}

// fapi2 applies the FAPI 2.0 Security Profile: its rules, and what it
// makes mandatory set on the client, so the stored metadata says so.
func (b *builder) fapi2(c *storage.Client) {
	for _, v := range fapi2.CheckClient(fapi2.Client{
		Public: c.Public, AuthMethod: c.TokenEndpointAuthMethod, AuthSigningAlg: c.TokenEndpointAuthSigningAlg,
		IDTokenAlg: c.IDTokenSignedResponseAlg, JWKS: c.JWKS, ResponseTypes: c.ResponseTypes,
	}) {
		b.fail(metadataErr(v.Field, "%s", v.Rule))
	}
	c.DPoPBoundAccessTokens, c.RequirePAR, c.RequirePKCE = true, true, true
}

// builder collects every problem, so one attempt reports them all.
type builder struct {
	r    Registration
	errs []error
}

func (b *builder) fail(err error) { b.errs = append(b.errs, err) }

func (b *builder) grantTypes() []string {
	gts := dedupe(b.r.GrantTypes)
	if len(gts) == 0 {
		gts = slices.Clone(DefaultGrantTypes)
	}
	for _, g := range gts {
		switch g {
		case GrantAuthorizationCode, GrantRefreshToken:
		case GrantClientCredentials:
			if b.r.Public {
				// RFC 6749 §4.4: client credentials need an authenticated
				// client; a public client has nothing to authenticate with.
				b.fail(metadataErr("grant_types", "a public client cannot use client_credentials"))
			}
		case GrantTokenExchange:
			if b.r.Public {
				// The resource's policy names clients it trusts; a
				// public client cannot prove it is the one named.
				b.fail(metadataErr("grant_types", "a public client cannot use token exchange (%s)", GrantTokenExchange))
			}
		default:
			b.fail(metadataErr("grant_types", "%q is not supported (use authorization_code, refresh_token, client_credentials, %s)", g, GrantTokenExchange))
		}
	}
	if slices.Contains(gts, GrantRefreshToken) && !slices.Contains(gts, GrantAuthorizationCode) {
		b.fail(metadataErr("grant_types", "refresh_token needs authorization_code: refresh tokens are only issued by the code flow"))
	}
	return gts
}

func (b *builder) scopes(tenant string, hasCode bool) []string {
	var scopes []string
	for _, s := range b.r.Scopes {
		scopes = append(scopes, strings.Fields(s)...)
	}
	scopes = dedupe(scopes)
	if len(scopes) == 0 {
		scopes = slices.Clone(DefaultScopes)
	}
	for _, s := range scopes {
		if !scopePattern.MatchString(s) {
			b.fail(metadataErr("scope", "%q is not a valid scope token (RFC 6749 §3.3)", s))
		}
	}
	if hasCode && !slices.Contains(scopes, "openid") {
		b.fail(metadataErr("scope", "must include openid for the authorization_code grant (this is an OpenID Provider)"))
	}
	if !hasCode {
		for _, s := range scopes {
			if slices.Contains(b.r.DataScopes, s) {
				b.fail(metadataErr("scope", "%q is a data-exchange scope of tenant %q: it is issued only under a citizen's grant, through the authorization_code grant; a client_credentials client acts for no citizen and cannot hold it", s, tenant))
			}
		}
	}
	if hasCode {
		offered := b.r.OfferedScopes
		if offered == nil {
			offered = IdentityScopes
		}
		for _, s := range scopes {
			if slices.Contains(offered, s) || !scopePattern.MatchString(s) {
				continue
			}
			hint := ""
			if near := nearest(s, offered); near != "" {
				hint = fmt.Sprintf("did you mean %q? ", near)
			}
			b.fail(metadataErr("scope", "%q is not offered by tenant %q; %sit offers %s", s, tenant, hint, strings.Join(offered, ", ")))
		}
	}
	return scopes
}

// nearest returns the candidate s was most likely meant to be: equal but
// for case, a prefix either way ("offline" for offline_access), or at
// most two edits away ("profil"); "" when none is close.
func nearest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), c)
		if strings.HasPrefix(c, strings.ToLower(s)) || strings.HasPrefix(strings.ToLower(s), c) {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func (b *builder) uris(field string, in []string, public bool) []string {
	out := dedupe(in)
	for _, u := range out {
		if why := CheckRedirectURI(u, public); why != "" {
			b.fail(redirectErr(field, "%q: %s", u, why))
		}
	}
	return out
}

// oneOf returns v, or def when v is empty, and fails with "%q <why>"
// when v is none of allowed.
func (b *builder) oneOf(field, v, def, why string, allowed ...string) string {
	if v == "" {
		return def
	}
	if !slices.Contains(allowed, v) {
		b.fail(metadataErr(field, "%q %s", v, why))
	}
	return v
}

func (b *builder) relations() []string {
	rels := dedupe(b.r.AcceptedRelations)
	for _, rel := range rels {
		k := representation.RelationKind(rel)
		switch {
		case !k.Valid():
			b.fail(metadataErr("accepted_relations", "%q is not a relation (use parent, power_of_attorney, assigned_power_of_attorney)", rel))
		case !representation.Acceptable(k, []representation.RelationKind{k}, b.r.Standalone):
			// DESIGN: a tool prescribed by a clinician accepts only parent
			// and assigned power of attorney; representation owns the rule
			// so registration and login cannot disagree.
			b.fail(metadataErr("accepted_relations", "a standalone tool may accept only parent and assigned_power_of_attorney"))
		}
	}
	return rels
}

// authentication decides the token endpoint auth method and the
// PKCE/nonce/PAR requirements, which depend on whether the client is public.
func (b *builder) authentication(c *storage.Client) {
	r := b.r
	if r.Public {
		if r.AuthMethod != "" && r.AuthMethod != AuthNone {
			b.fail(metadataErr("token_endpoint_auth_method", "a public client uses none, not %q", r.AuthMethod))
		}
		if r.Secret != "" {
			b.fail(metadataErr("client_secret", "a public client has no secret; remove it or make the client confidential"))
		}
		if r.RelaxPKCE || r.RelaxNonce {
			// DESIGN: PKCE and nonce may be relaxed per confidential
			// client, never for a public one (RFC 9700 §2.1.1).
			b.fail(metadataErr("require_pkce", "a public client must use PKCE and nonce; they cannot be relaxed"))
		}
		if r.JWKSURI != "" || len(r.JWKS) > 0 {
			b.fail(metadataErr("jwks", "keys are for private_key_jwt clients; a public client does not authenticate"))
		}
		c.TokenEndpointAuthMethod = AuthNone
		c.RequirePKCE, c.RequireNonce, c.RequirePAR = true, true, true // RFC 9126 required for public clients (DESIGN)
		return
	}
	c.RequirePKCE, c.RequireNonce, c.RequirePAR = !r.RelaxPKCE, !r.RelaxNonce, r.RequirePAR
	c.TokenEndpointAuthMethod = r.AuthMethod
	if r.AuthSigningAlg != "" && r.AuthMethod != AuthPrivateKeyJWT {
		b.fail(metadataErr("token_endpoint_auth_signing_alg", "is only for private_key_jwt clients"))
	}
	switch r.AuthMethod {
	case "":
		// No method pinned: accept the secret the way the client's
		// library sends it. Both methods carry the same secret over TLS;
		// libraries differ in their default (go-oidc/x/oauth2 try Basic,
		// openid-client v6 posts it), and a refused method only costs a
		// vendor time. --auth-method pins one.
		c.TokenEndpointAuthMethod = AuthClientSecretBasic
		c.AnySecretMethod = true
		fallthrough
	case AuthClientSecretBasic, AuthClientSecretPost:
		switch {
		case r.Secret == "":
			b.fail(metadataErr("client_secret", "is required for %s; generate one with clients.GenerateSecret (the CLI does when --secret is omitted)", c.TokenEndpointAuthMethod))
		case len(r.Secret) < MinSecretLen:
			b.fail(metadataErr("client_secret", "is %d bytes; use at least %d (e.g. `openssl rand -base64 32`)", len(r.Secret), MinSecretLen))
		case len(r.Secret) > MaxSecretLen:
			b.fail(metadataErr("client_secret", "is %d bytes; bcrypt takes at most %d", len(r.Secret), MaxSecretLen))
		}
		if r.JWKSURI != "" || len(r.JWKS) > 0 {
			b.fail(metadataErr("jwks", "keys are only for private_key_jwt; this client uses %s", c.TokenEndpointAuthMethod))
		}
	case AuthPrivateKeyJWT:
		if r.Secret != "" {
			b.fail(metadataErr("client_secret", "a private_key_jwt client authenticates with its keys; remove the secret"))
		}
		c.TokenEndpointAuthSigningAlg = b.oneOf("token_endpoint_auth_signing_alg", r.AuthSigningAlg, "",
			"is not supported (use RS256, ES256 or PS256, or leave it out to allow each one a registered key fits)", AlgRS256, AlgES256, AlgPS256)
		b.keys()
		if len(r.JWKS) > 0 {
			c.JWKS = slices.Clone(r.JWKS)
		}
	case AuthNone:
		b.fail(metadataErr("token_endpoint_auth_method", "none is for public clients; mark the client public or choose client_secret_basic, client_secret_post or private_key_jwt"))
	default:
		b.fail(metadataErr("token_endpoint_auth_method", "%q is not supported (use client_secret_basic, client_secret_post or private_key_jwt)", r.AuthMethod))
	}
}

// keys checks a private_key_jwt client's key source: exactly one of jwks
// and jwks_uri (RFC 7591 §2), and a jwks of public keys only.
func (b *builder) keys() {
	r := b.r
	switch {
	case r.JWKSURI != "" && len(r.JWKS) > 0:
		b.fail(metadataErr("jwks", "give jwks or jwks_uri, not both (RFC 7591 §2)"))
	case r.JWKSURI != "":
		if why := checkCalledURI(r.JWKSURI, r.AllowPrivateHosts); why != "" {
			b.fail(metadataErr("jwks_uri", "%q: %s", r.JWKSURI, why))
		}
	case len(r.JWKS) > 0:
		var set jose.JSONWebKeySet
		if err := claimjson.Unmarshal(r.JWKS, &set); err != nil {
			b.fail(metadataErr("jwks", "is not a JWK Set (RFC 7517 §5): %v", err))
			return
		}
		if len(set.Keys) == 0 {
			b.fail(metadataErr("jwks", "holds no keys"))
		}
		usable := false
		for i, k := range set.Keys {
			if !k.IsPublic() {
				// A private key here would mean the vendor has handed us
				// their signing secret; refuse rather than store it.
				b.fail(metadataErr("jwks", "key %d (kid %q) contains private key material; register the public key only", i, k.KeyID))
			}
			usable = usable || signsAssertions(k, r.AuthSigningAlg)
		}
		if len(set.Keys) > 0 && !usable {
			algs := "RS256, ES256 or PS256"
			if r.AuthSigningAlg != "" {
				algs = r.AuthSigningAlg
			}
			b.fail(metadataErr("jwks", "no key can verify %s client assertions (RS256 and PS256 need an RSA key, ES256 an EC key on P-256; a key's use must be sig and its alg, if given, one of these)", algs))
		}
	default:
		b.fail(metadataErr("jwks", "private_key_jwt needs jwks or jwks_uri"))
	}
}

// describeHosts names sector keys for an error: "" is the loopback and
// private-use URIs.
func describeHosts(keys []string) string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k
		if k == "" {
			out[i] = "loopback or private-use URIs"
		}
	}
	return strings.Join(out, ", ")
}

// dedupe drops empty and repeated entries, keeping the first occurrence's
// order, and returns a non-nil slice so JSON shows [] rather than null.
func dedupe(in []string) []string {
	out := []string{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func nilIfEmpty(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	return in
}

func nonNil(in []string) []string {
	if in == nil {
		return nil
	}
	return dedupe(in)
}

// signsAssertions reports whether k can verify a client assertion signed
// with alg, or with any supported algorithm when alg is empty.
func signsAssertions(k jose.JSONWebKey, alg string) bool {
	if k.Use != "" && k.Use != "sig" {
		return false
	}
	algs := []string{AlgRS256, AlgES256, AlgPS256}
	if alg != "" {
		algs = []string{alg}
	}
	for _, a := range algs {
		if k.Algorithm != "" && k.Algorithm != a {
			continue
		}
		switch pub := k.Key.(type) {
		case *rsa.PublicKey:
			if a != AlgES256 {
				return true
			}
		case *ecdsa.PublicKey:
			if a == AlgES256 && pub.Curve == elliptic.P256() {
				return true
			}
		}
	}
	return false
}
