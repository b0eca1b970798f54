package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v3"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/claimjson"
	"github.com/oidcp/oidcp/outbound"
	"github.com/oidcp/oidcp/ratelimit"
	"github.com/oidcp/oidcp/storage"
)

// Client authentication at /token, /par, /revoke and /introspect: the
// method the client registered (token_endpoint_auth_method, OIDC
// Registration §2) and no other. fosite enforces the binding; this file
// makes every failure of it, private_key_jwt's included, the one answer
// RFC 6749 §5.2 defines (invalid_client, 401), and makes fosite's
// introspection endpoint, which knows only HTTP Basic, use the same
// authentication as the others.

// configureClientAuth installs the client authentication strategy and the
// jwks_uri fetcher, which fetches through the outbound client, on t's
// fosite instance.
func (p *Provider) configureClientAuth(t *tenant) {
	f, ok := t.oauth.(*fosite.Fosite)
	if !ok {
		return
	}
	t.fcfg.ClientAuthenticationStrategy = withSecretMethod(p.clientAuthentication(t, f))
	t.fcfg.JWKSFetcherStrategy = newJWKSFetcher(p.cfg.HTTPClient)
	f.Config = assertionAudiences{Config: t.fcfg, urls: []string{t.issuer + "/token", t.issuer, t.issuer + "/par"}}
}

// assertionAudiences widens the audiences a client assertion may name:
// fosite accepts only the token endpoint, but RFC 7523 §3 lets the
// audience be the authorization server's issuer, and RFC 9126 §2 requires
// accepting the issuer, the token endpoint and the PAR endpoint. Only
// fosite's own client authentication reads f.Config; the handlers keep
// the plain configuration.
type assertionAudiences struct {
	*fosite.Config
	urls []string
}

func (a assertionAudiences) GetTokenURLs(context.Context) []string { return a.urls }

// clientAuthentication is fosite's default strategy with private_key_jwt
// failures reported as invalid_client. fosite answers a replayed jti with
// jti_known and a key it cannot find with invalid_request (both 400); RFC
// 7523 §3.2 and OIDC Core §9 make every rejected client assertion a
// failed client authentication. A request with no credentials at all is
// one too (RFC 6749 §5.2), where fosite says invalid_request.
//
// Around it, the hardening fosite lacks:
//   - an unknown client_id with a secret costs a bcrypt comparison (against
//     a dummy hash), as a known one does, so timing does not tell which
//     client ids exist;
//   - failed secret-based authentications are counted per (tenant,
//     client_id) in the shared counters; past the limit, attempts are
//     refused with 429 until the window ends, without a bcrypt comparison,
//     except a secret this node has already verified (its cache), so the
//     real client keeps working where it already did;
//   - failed authentications of any kind are counted per source address
//     too, with the same refusal past its limit, so wrong secrets for
//     ever new client_ids cannot make us spend bcrypt comparisons
//     without end (security review, defect 5);
//   - a successful one counts against the client's own rate limit of the
//     endpoint, if it has one (countClient);
//   - an assertion is refused before anything is stored when its exp is
//     too far ahead, and a refused assertion whose jti fosite had already
//     stored (an audience mismatch is checked after) has it removed, so a
//     refusal pins no replay record.
func (p *Provider) clientAuthentication(t *tenant, f *fosite.Fosite) fosite.ClientAuthenticationStrategy {
	failRule := ratelimit.Rule{Name: "client-auth-failed", Limit: p.cfg.Limits.FailedClientAuth, Window: p.cfg.Limits.FailedClientAuthWindow}
	failSourceRule := ratelimit.Rule{Name: "client-auth-failed-source", Limit: p.cfg.Limits.FailedClientAuthPerSource, Window: p.cfg.Limits.FailedClientAuthWindow}
	return func(ctx context.Context, r *http.Request, form url.Values) (fosite.Client, error) {
		if err := checkOneAuthMethod(r, form); err != nil {
			return nil, err
		}
		// The clock fosite verifies exp with.
		if err := checkFAPI2ClientAuth(t, r, form, time.Now()); err != nil {
			return nil, err
		}
		src := ratelimit.Source(r, p.cfg.Limits.TrustedProxies)
		srcThrottled := !p.limiter.Spent(failSourceRule, src).Allowed
		countFailure := func(rule ratelimit.Rule, key string) {
			if _, cerr := p.limiter.Allow(ctx, rule, key); cerr != nil {
				p.log.WarnContext(ctx, "rate limit counter unavailable", "rule", rule.Name, "err", cerr)
			}
		}
		sourceRefusal := func() error {
			return errTooManyRequests(p.limiter.Spent(failSourceRule, src).RetryAfter).
				WithHint("Too many failed client authentications from this address; wait for the Retry-After time.")
		}
		assertion := form.Get("client_assertion")
		if assertion != "" {
			if srcThrottled {
				return nil, sourceRefusal()
			}
			// The clock fosite verifies exp with.
			if err := checkAssertionLifetime(assertion, time.Now()); err != nil {
				return nil, err
			}
			ctx, header := withAssertionHeader(ctx, assertion)
			if header == nil {
				// go-jose would strip "=" padding that we cannot read;
				// fosite would then enforce RS256 with every key, whatever
				// alg the client's keys are bound to.
				return nil, fosite.ErrInvalidClient.WithHint("The client_assertion's JOSE header is not base64url-encoded JSON (without padding, RFC 7515 section 2).")
			}
			ctx, stored := withJTIRecord(ctx)
			c, err := f.DefaultClientAuthenticationStrategy(ctx, r, form)
			if err != nil && stored.jti != "" {
				if derr := p.store.DeleteToken(ctx, t.name, storage.KindClientAssertion, stored.jti); derr != nil && !errors.Is(derr, storage.ErrNotFound) {
					p.log.WarnContext(ctx, "remove the jti of a refused client assertion", "tenant", t.name, "err", derr)
				}
			}
			if err != nil && !unavailable(err) {
				countFailure(failSourceRule, src)
			}
			if err != nil && header.refusal != "" {
				return nil, fosite.ErrInvalidClient.WithHintf("The client_assertion cannot be verified: %s.", header.refusal).WithDebug(err.Error())
			}
			if err != nil {
				return nil, asInvalidClient(err)
			}
			if err := p.countClient(ctx, t, c.GetID()); err != nil {
				return nil, err
			}
			return c, nil
		}

		id, secret := secretCredentials(r, form)
		throttleKey := t.name + ":" + id
		throttled := id != "" && !p.limiter.Spent(failRule, throttleKey).Allowed
		if throttled || srcThrottled {
			ctx = withCachedSecretsOnly(ctx)
		}
		c, err := f.DefaultClientAuthenticationStrategy(ctx, r, form)
		if err == nil {
			if err := p.countClient(ctx, t, c.GetID()); err != nil {
				return nil, err
			}
			return c, nil
		}
		if unavailable(err) {
			// The database could not say whether the secret is right: not
			// a failed authentication, so it does not count against the
			// client (it would lock the client out once storage returns).
			return nil, err
		}
		if id == "" {
			return nil, asInvalidClient(err) // no credentials at all
		}
		if !errors.Is(err, fosite.ErrInvalidClient) {
			return nil, err // malformed, or a server error
		}
		if srcThrottled {
			return nil, sourceRefusal()
		}
		if throttled {
			return nil, errTooManyRequests(p.limiter.Spent(failRule, throttleKey).RetryAfter).
				WithHint("Too many failed client authentications for this client_id; wait for the Retry-After time.")
		}
		if secret != "" && errors.Is(err, fosite.ErrNotFound) {
			// Unknown or disabled client: spend what a wrong secret costs.
			p.hasher.compareDummy(ctx, []byte(secret))
		}
		countFailure(failRule, throttleKey)
		countFailure(failSourceRule, src)
		return nil, err
	}
}

// asInvalidClient makes a refused client assertion, or a request without
// any credentials, invalid_client (see clientAuthentication), leaving
// server errors as they are.
func asInvalidClient(err error) error {
	var rfc *fosite.RFC6749Error
	if !errors.As(err, &rfc) {
		// fosite's JWT parser reports exp, nbf and iat failures as
		// plain errors ("Token is expired"), which would otherwise
		// become a 500.
		return fosite.ErrInvalidClient.WithHintf("The client_assertion is not valid: %s.", err).WithDebug(err.Error())
	}
	if rfc.CodeField >= http.StatusInternalServerError || rfc.ErrorField == fosite.ErrInvalidClient.ErrorField {
		return err
	}
	// Not wrapped: fosite's revocation endpoint would answer for the
	// wrapped error.
	return fosite.ErrInvalidClient.WithHint(rfc.HintField).WithDebug(rfc.DebugField)
}

// jwtBearer is the client_assertion_type of private_key_jwt (RFC 7523
// section 2.2).
const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// checkOneAuthMethod refuses a request whose client authentication fosite
// and the guards around it would read differently. fosite takes the
// assertion path only with client_assertion_type jwt-bearer, and
// otherwise checks the secret; a client_assertion without its type would
// send our guards down the assertion path (no per-client throttle, no
// dummy bcrypt for unknown ids) while fosite verified a secret. fosite
// authenticates the id in the Authorization header but builds a pushed
// authorization request for the form's client_id, so the two must agree.
// And a client uses one method per request (RFC 6749 section 2.3).
func checkOneAuthMethod(r *http.Request, form url.Values) error {
	assertion, typ := form.Get("client_assertion"), form.Get("client_assertion_type")
	_, _, basic := r.BasicAuth()
	switch {
	case assertion != "" && typ != jwtBearer:
		return fosite.ErrInvalidRequest.WithHintf("A client_assertion needs client_assertion_type %s (RFC 7523 section 2.2).", jwtBearer)
	case assertion != "" && (basic || form.Get("client_secret") != ""):
		return fosite.ErrInvalidRequest.WithHint("The request uses more than one client authentication method; use one (RFC 6749 section 2.3).")
	case basic && form.Get("client_id") != "":
		if id, _ := secretCredentials(r, form); id != form.Get("client_id") {
			return fosite.ErrInvalidClient.WithHint("The client_id in the body is not the one in the Authorization header.")
		}
	}
	return nil
}

// secretCredentials are the client_id and secret a request presents, as
// fosite reads them (HTTP Basic, URL-decoded, or the form).
func secretCredentials(r *http.Request, form url.Values) (id, secret string) {
	if u, pw, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(pw)
		return id, secret
	}
	return form.Get("client_id"), form.Get("client_secret")
}

// jtiRecord notes the jti that fosite stored during one client
// authentication (SetClientAssertionJWT), so a refusal can remove it.
type jtiRecord struct{ jti string }

type jtiRecordKey struct{}

func withJTIRecord(ctx context.Context) (context.Context, *jtiRecord) {
	rec := &jtiRecord{}
	return context.WithValue(ctx, jtiRecordKey{}, rec), rec
}

func recordJTI(ctx context.Context, jti string) {
	if rec, ok := ctx.Value(jtiRecordKey{}).(*jtiRecord); ok {
		rec.jti = jti
	}
}

// jwksFetcher fetches a client's jwks_uri (fosite caches the set for an
// hour and refetches once when a kid is unknown), with a short timeout and
// one retry so an unreachable client cannot hold a token request for long.
type jwksFetcher struct{ fosite.JWKSFetcherStrategy }

// newJWKSFetcher fetches through hc, the outbound client, so a jwks_uri
// that resolves to a loopback or private address is refused outside dev
// mode (SSRF); a refused address is not retried.
func newJWKSFetcher(hc *http.Client) *jwksFetcher {
	rc := retryablehttp.NewClient()
	rc.HTTPClient = outbound.WithLimits(hc, 5*time.Second, maxJWKSBytes)
	rc.RetryMax = 1
	rc.RetryWaitMax = 500 * time.Millisecond
	rc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if errors.Is(err, outbound.ErrRefused) {
			return false, err
		}
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	rc.Logger = nil // it would log every fetch on stderr
	return &jwksFetcher{fosite.NewDefaultJWKSFetcherStrategy(fosite.JWKSFetcherWithHTTPClient(rc))}
}

// maxJWKSBytes bounds a fetched JWK Set: a client's few public keys take
// a few KiB, and fosite decodes whatever it is sent into memory.
const maxJWKSBytes = 256 << 10

// Resolve implements fosite.JWKSFetcherStrategy, with the fetched keys
// read as registered keys are (sigKeys).
func (j *jwksFetcher) Resolve(ctx context.Context, location string, ignoreCache bool) (*jose.JSONWebKeySet, error) {
	set, err := j.JWKSFetcherStrategy.Resolve(ctx, location, ignoreCache)
	if err != nil {
		// The client's key set is unreachable, refused or not a JWK Set:
		// the client cannot be authenticated (RFC 6749 §5.2), which is
		// no fault of ours and no 500.
		return nil, fosite.ErrInvalidClient.WithHint("The client's jwks_uri could not be fetched or is not a JWK Set.").WithWrap(err).WithDebug(err.Error())
	}
	return fitKeys(ctx, sigKeys(set)), nil
}

// sigKeys returns set with keys that have no "use" marked for signing.
// "use" is optional (RFC 7517 §4.2) and a client's keys are only ever
// used to verify its assertions, but fosite ignores every key whose use
// is not "sig".
func sigKeys(set *jose.JSONWebKeySet) *jose.JSONWebKeySet {
	out := &jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(set.Keys))}
	for _, k := range set.Keys {
		if k.Use == "" {
			k.Use = "sig"
		}
		out.Keys = append(out.Keys, k)
	}
	return out
}

// introspect handles POST /introspect (RFC 7662). The caller
// authenticates as a confidential client, by the method it registered
// (§2.1), and sees only the tokens mayIntrospect allows it (§4).
func (p *Provider) introspect(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if err := r.ParseForm(); err != nil {
			t.oauth.WriteIntrospectionError(ctx, w, fosite.ErrInvalidRequest.WithHint("The request body is not a form."))
			return
		}
		f, ok := t.oauth.(*fosite.Fosite)
		if !ok {
			t.oauth.WriteIntrospectionError(ctx, w, fosite.ErrServerError.WithHint("Client authentication is not available."))
			return
		}
		c, err := f.AuthenticateClient(ctx, r, r.PostForm)
		if err == nil && c.IsPublic() {
			err = fosite.ErrInvalidClient.WithHint("A public client cannot use token introspection.")
		}
		if err != nil {
			p.clientAuthError(w, r, t, err)
			return
		}
		token := r.PostForm.Get("token")
		if token == "" {
			t.oauth.WriteIntrospectionError(ctx, w, fosite.ErrInvalidRequest.WithHint("The token parameter is missing."))
			return
		}
		scopes := strings.Fields(r.PostForm.Get("scope"))
		tu, ar, err := t.oauth.IntrospectToken(ctx, token, fosite.TokenUse(r.PostForm.Get("token_type_hint")), NewSession(t.name), scopes...)
		if unavailable(err) {
			// Unknown, not inactive: the token may well be valid.
			p.writeUnavailable(w, r, t, err)
			return
		}
		if err != nil {
			// Unknown, expired, revoked or another tenant's: inactive
			// (RFC 7662 §2.2), never an error.
			t.oauth.WriteIntrospectionResponse(ctx, w, &fosite.IntrospectionResponse{Active: false})
			return
		}
		if !mayIntrospect(c.GetID(), tu, ar) {
			t.oauth.WriteIntrospectionResponse(ctx, w, &fosite.IntrospectionResponse{Active: false})
			return
		}
		if s, ok := ar.GetSession().(*Session); ok && s.CnfJKT != "" && tu == fosite.RefreshToken && !ar.GetClient().IsPublic() {
			// A confidential client's refresh token is not bound to the
			// DPoP key its tokens were issued under (RFC 9449 §5).
			c := s.Clone().(*Session)
			c.CnfJKT = ""
			ar.SetSession(c)
		}
		resp := &fosite.IntrospectionResponse{Active: true, AccessRequester: ar, TokenUse: tu}
		if tu == fosite.AccessToken {
			resp.AccessTokenType = fosite.BearerAccessToken
		}
		t.oauth.WriteIntrospectionResponse(ctx, w, resp)
	}
}

// clientAuthError writes a failed client authentication as RFC 6749 §5.2
// does, with the Basic challenge when the client tried Basic.
func (p *Provider) clientAuthError(w http.ResponseWriter, r *http.Request, t *tenant, err error) {
	if unavailable(err) {
		p.writeUnavailable(w, r, t, err)
		return
	}
	rfc := fosite.ErrorToRFC6749Error(err)
	if rfc.CodeField >= http.StatusInternalServerError {
		p.log.ErrorContext(r.Context(), "client authentication failed", "tenant", t.name, "err", errorDebug(err))
	}
	if _, _, basic := r.BasicAuth(); basic && rfc.CodeField == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+t.issuer+`"`)
	}
	writeJSONError(w, err)
}

// maxAssertionLifetime bounds how far in the future a client assertion may
// expire. fosite accepts any exp, and every used jti is kept until then, so
// an unbounded exp lets one assertion pin a replay record for years; a
// client mints a fresh assertion per request anyway.
const maxAssertionLifetime = time.Hour

// checkAssertionLifetime rejects an assertion whose exp is past or more
// than maxAssertionLifetime away. It runs before fosite verifies the assertion,
// so nothing is stored for one it refuses; the signature does not matter
// for a refusal. It reads the clock fosite verifies exp with.
func checkAssertionLifetime(assertion string, now time.Time) error {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return fosite.ErrInvalidClient.WithHint("The client_assertion is not a signed JWT.")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Exp json.RawMessage `json:"exp"` // a number, not a string holding one (RFC 7519 section 2)
	}
	if err == nil {
		err = claimjson.Unmarshal(raw, &claims)
	}
	exp, nerr := strconv.ParseInt(string(claims.Exp), 10, 64)
	if err != nil || nerr != nil {
		return fosite.ErrInvalidClient.WithHint("The client_assertion has no numeric exp claim.")
	}
	if !time.Unix(exp, 0).After(now) {
		// fosite refuses a past exp itself, except 0, which it reads as
		// "no exp": it would accept the assertion and keep its jti until
		// 1970, so the same assertion could be replayed for ever.
		return fosite.ErrInvalidClient.WithHint("The client_assertion has expired (its exp is not in the future).")
	}
	if time.Unix(exp, 0).After(now.Add(maxAssertionLifetime)) {
		return fosite.ErrInvalidClient.WithHintf("The client_assertion expires more than %v from now; mint a short-lived one per request (RFC 7523 section 3).", maxAssertionLifetime)
	}
	return nil
}
