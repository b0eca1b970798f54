package provider

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v3"
	"github.com/ory/fosite"
	"golang.org/x/crypto/bcrypt"

	"github.com/oidcp/oidcp/claimjson"
	"github.com/oidcp/oidcp/storage"
)

// fositeClient presents a storage.Client to fosite.
type fositeClient struct {
	c storage.Client
	// secretMethod is how the request being authenticated presents a
	// secret (client_secret_basic or client_secret_post; "" for none or
	// when no client authentication is under way).
	secretMethod string
	// assertion is the client assertion being authenticated, if any.
	assertion *assertionHeader
	// keys is the registered JWKS parsed once: fosite asks for it to pick
	// the key and again for the signing algorithm in one authentication.
	keysOnce sync.Once
	keys     *jose.JSONWebKeySet
}

// Interface guards.
var (
	_ fosite.Client              = (*fositeClient)(nil)
	_ fosite.OpenIDConnectClient = (*fositeClient)(nil)
	_ fosite.ResponseModeClient  = (*fositeClient)(nil)
)

func (f *fositeClient) GetID() string                   { return f.c.ID }
func (f *fositeClient) GetHashedSecret() []byte         { return f.c.SecretHash }
func (f *fositeClient) GetRedirectURIs() []string       { return f.c.RedirectURIs }
func (f *fositeClient) GetGrantTypes() fosite.Arguments { return f.c.GrantTypes }
func (f *fositeClient) GetResponseTypes() fosite.Arguments {
	if len(f.c.ResponseTypes) == 0 {
		return fosite.Arguments{"code"}
	}
	return f.c.ResponseTypes
}
func (f *fositeClient) GetScopes() fosite.Arguments   { return f.c.Scopes }
func (f *fositeClient) IsPublic() bool                { return f.c.Public }
func (f *fositeClient) GetAudience() fosite.Arguments { return f.c.Audience }

// GetRequestURIs: oidcp does not fetch request objects by reference
// (request_uri other than PAR's) — none are registered.
func (f *fositeClient) GetRequestURIs() []string { return nil }

// GetJSONWebKeys returns the registered keys that may verify the
// assertion being authenticated (all of them outside client
// authentication), so fosite, which picks a key by kid and type only,
// never picks one whose alg differs.
func (f *fositeClient) GetJSONWebKeys() *jose.JSONWebKeySet {
	set := f.registeredKeys()
	if set == nil || f.assertion == nil {
		return set
	}
	return &jose.JSONWebKeySet{Keys: fittingKeys(set, f.assertion.alg, "")}
}

// registeredKeys converts the registered JWKS (JSON) into fosite's go-jose
// v3 type; this JSON hop is the only v3 value we build.
func (f *fositeClient) registeredKeys() *jose.JSONWebKeySet {
	f.keysOnce.Do(func() {
		if len(f.c.JWKS) == 0 {
			return
		}
		var set jose.JSONWebKeySet
		if err := claimjson.Unmarshal(f.c.JWKS, &set); err != nil {
			return
		}
		f.keys = sigKeys(&set)
	})
	return f.keys
}

func (f *fositeClient) GetJSONWebKeysURI() string { return f.c.JWKSURI }

// GetRequestObjectSigningAlgorithm: request objects are not supported.
func (f *fositeClient) GetRequestObjectSigningAlgorithm() string { return "" }

func (f *fositeClient) GetTokenEndpointAuthMethod() string {
	if f.c.Public {
		return "none"
	}
	if f.c.AnySecretMethod && (f.secretMethod == "client_secret_basic" || f.secretMethod == "client_secret_post") {
		// Not pinned: fosite binds the client to the method it reports,
		// so report the one the request used.
		return f.secretMethod
	}
	if f.c.TokenEndpointAuthMethod == "" {
		return "client_secret_basic"
	}
	return f.c.TokenEndpointAuthMethod
}

type secretMethodKey struct{}

// withSecretMethod tells the client lookup during client authentication
// how the request presents its secret, so that a client registered
// without a pinned method (AnySecretMethod) is held to that one method
// for this request. A request with a secret both in the form and in
// Basic counts as client_secret_post and is then refused for its Basic
// credentials: RFC 6749 §2.3 allows one method per request.
func withSecretMethod(next fosite.ClientAuthenticationStrategy) fosite.ClientAuthenticationStrategy {
	return func(ctx context.Context, r *http.Request, form url.Values) (fosite.Client, error) {
		m := ""
		if form.Get("client_secret") != "" {
			m = "client_secret_post"
		} else if _, secret, ok := r.BasicAuth(); ok && secret != "" {
			m = "client_secret_basic"
		}
		return next(context.WithValue(ctx, secretMethodKey{}, m), r, form)
	}
}

// secretMethodFrom is the method withSecretMethod saw, or "".
func secretMethodFrom(ctx context.Context) string {
	m, _ := ctx.Value(secretMethodKey{}).(string)
	return m
}

// GetTokenEndpointAuthSigningAlgorithm is the one alg fosite accepts on
// the private_key_jwt assertion being authenticated: the registered
// token_endpoint_auth_signing_alg, else the assertion's own alg when an
// advertised one and a registered key fits it (assertionalg.go). Outside
// client authentication fosite does not ask.
func (f *fositeClient) GetTokenEndpointAuthSigningAlgorithm() string {
	if f.assertion == nil {
		if f.c.TokenEndpointAuthSigningAlg != "" {
			return f.c.TokenEndpointAuthSigningAlg
		}
		return "RS256"
	}
	return enforcedAlg(f.c.TokenEndpointAuthSigningAlg, f.registeredKeys(), f.assertion)
}

// GetResponseModes: query and form_post (DESIGN: response_mode).
func (f *fositeClient) GetResponseModes() []fosite.ResponseModeType {
	return []fosite.ResponseModeType{fosite.ResponseModeDefault, fosite.ResponseModeQuery, fosite.ResponseModeFormPost}
}

// clientCache keeps clients for a few seconds: a token request would
// otherwise read the client row several times. The TTL bounds how long a
// disabled client keeps working on a node.
type clientCache struct {
	store storage.ClientStore
	ttl   time.Duration
	now   func() time.Time
	mu    sync.Mutex
	m     map[string]cachedClient
}

type cachedClient struct {
	c       storage.Client
	fetched time.Time
}

func newClientCache(store storage.ClientStore, ttl time.Duration, now func() time.Time) *clientCache {
	return &clientCache{store: store, ttl: ttl, now: now, m: map[string]cachedClient{}}
}

func (cc *clientCache) get(ctx context.Context, tenant, id string) (storage.Client, error) {
	key := tenant + "\x00" + id
	now := cc.now()
	cc.mu.Lock()
	e, ok := cc.m[key]
	cc.mu.Unlock()
	if ok && now.Sub(e.fetched) < cc.ttl {
		return e.c, nil
	}
	c, err := cc.store.GetClient(ctx, tenant, id)
	if err != nil {
		return storage.Client{}, err
	}
	cc.mu.Lock()
	if len(cc.m) > 10000 {
		cc.m = map[string]cachedClient{}
	}
	cc.m[key] = cachedClient{c: c, fetched: now}
	cc.mu.Unlock()
	return c, nil
}

// secretHasher is bcrypt with a cache of successful comparisons. bcrypt
// keeps a leaked database from revealing weak vendor-chosen secrets; the
// cache keeps it from costing ~50 ms of CPU on every token request. Only
// the SHA-256 of (hash, secret) pairs that verified is kept in memory.
type secretHasher struct {
	// compare is bcrypt.CompareHashAndPassword; tests count the calls.
	compare func(hash, secret []byte) error
	mu      sync.Mutex
	ok      map[[32]byte]struct{}
	// inflight holds the comparisons running now, so that concurrent
	// requests with the same (hash, secret), e.g. a client's first burst
	// after a restart, share one bcrypt instead of each paying ~50 ms
	// of CPU at once.
	inflight map[[32]byte]*secretCheck

	dummyOnce sync.Once
	dummy     []byte
}

func newSecretHasher() *secretHasher {
	return &secretHasher{compare: bcrypt.CompareHashAndPassword, ok: map[[32]byte]struct{}{}, inflight: map[[32]byte]*secretCheck{}}
}

// secretCheck is one bcrypt comparison that others wait for.
type secretCheck struct {
	done    chan struct{}
	err     error
	waiters int // requests waiting for it, under the hasher's mu (tests read it)
}

type cachedOnlyKey struct{}

// withCachedSecretsOnly makes Compare answer from its cache alone: a
// secret not already verified fails without a bcrypt comparison (a
// client throttled for failed authentications).
func withCachedSecretsOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, cachedOnlyKey{}, true)
}

// Compare implements fosite.Hasher.
func (h *secretHasher) Compare(ctx context.Context, hash, data []byte) error {
	k := sha256.Sum256(append(append(append([]byte{}, hash...), 0), data...))
	h.mu.Lock()
	_, hit := h.ok[k]
	h.mu.Unlock()
	if hit {
		return nil
	}
	if ctx.Value(cachedOnlyKey{}) != nil {
		return bcrypt.ErrMismatchedHashAndPassword
	}
	h.mu.Lock()
	if c := h.inflight[k]; c != nil {
		c.waiters++
		h.mu.Unlock()
		<-c.done
		return c.err
	}
	c := &secretCheck{done: make(chan struct{})}
	h.inflight[k] = c
	h.mu.Unlock()
	c.err = h.compare(hash, data)
	h.mu.Lock()
	delete(h.inflight, k)
	if c.err == nil {
		if len(h.ok) > 10000 {
			h.ok = map[[32]byte]struct{}{}
		}
		h.ok[k] = struct{}{}
	}
	h.mu.Unlock()
	close(c.done)
	return c.err
}

// compareDummy spends one bcrypt comparison of secret against a hash of
// the cost client secrets are stored with, made once per process: a
// secret for an unknown client_id must take as long to refuse as a wrong
// one for a known client, or timing lists the registered clients.
func (h *secretHasher) compareDummy(ctx context.Context, secret []byte) {
	if ctx.Value(cachedOnlyKey{}) != nil {
		return
	}
	h.dummyOnce.Do(func() {
		h.dummy, _ = bcrypt.GenerateFromPassword([]byte(rand.Text()), bcrypt.DefaultCost)
	})
	_ = h.compare(h.dummy, secret)
}

// Hash implements fosite.Hasher.
func (h *secretHasher) Hash(_ context.Context, data []byte) ([]byte, error) {
	return bcrypt.GenerateFromPassword(data, bcrypt.DefaultCost)
}

// clientOf is the registered client behind a fosite request: the one
// place the adapter's client type is asserted. A request whose client
// is of another type (none today) is a server error, never a panic.
func clientOf(ar fosite.Requester) (storage.Client, error) {
	if fc, ok := ar.GetClient().(*fositeClient); ok {
		return fc.c, nil
	}
	return storage.Client{}, fosite.ErrServerError.WithDebugf("unexpected client type %T", ar.GetClient())
}

// ClientCacheTTL bounds how long a node keeps using a client record it
// read: a disabled client stops working on every node within it (the
// kill-switch revokes once more after it).
const ClientCacheTTL = time.Second
