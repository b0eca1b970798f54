package provider

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	josev4 "github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/router"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/sqlite"
	"github.com/oidcp/oidcp/upstream"
)

// The provider's fuzz targets run the real provider, with its fosite
// instance and an SQLite store in a temporary directory, behind an
// http.ServeMux driven by httptest recorders: no sockets, no upstream eID
// (a fake one answers Start), and keys made once per target.

const (
	fzBase         = "https://op.example"
	fzTenant       = "main"
	fzIssuer       = fzBase + "/" + fzTenant
	fzWeb          = "web"
	fzWebRedirect  = "https://rp.example/cb?x=1"
	fzWebLogout    = "https://rp.example/out"
	fzNative       = "native"
	fzNativeRedir  = "com.example.app:/cb"
	fzUpstreamAuth = "https://idporten.example/authorize"
	fzKID          = "fuzz-k1"
)

// fzKeys is a KeyManager with one RS256 signing key and secrets derived
// from their names.
type fzKeys struct{ key *rsa.PrivateKey }

func (k fzKeys) SigningKeyFor(_ context.Context, _, alg string) (string, crypto.Signer, error) {
	if alg != "RS256" {
		return "", nil, errors.New("fuzz keys sign RS256 only")
	}
	return fzKID, k.key, nil
}

func (k fzKeys) PublicKey(_ context.Context, _, kid string) (josev4.JSONWebKey, error) {
	if kid != fzKID {
		return josev4.JSONWebKey{}, errors.New("unknown kid")
	}
	return josev4.JSONWebKey{Key: k.key.Public(), KeyID: fzKID, Algorithm: "RS256", Use: "sig"}, nil
}

func (k fzKeys) JWKS(ctx context.Context, tenant string) (josev4.JSONWebKeySet, error) {
	pub, _ := k.PublicKey(ctx, tenant, fzKID)
	return josev4.JSONWebKeySet{Keys: []josev4.JSONWebKey{pub}}, nil
}

func (k fzKeys) Secret(_ context.Context, tenant, name string) ([]byte, error) {
	s := sha256.Sum256([]byte("fuzz|" + tenant + "|" + name))
	return s[:], nil
}

// fzUpstream starts every login at a fixed eID URL.
type fzUpstream struct{}

func (fzUpstream) Start(context.Context, upstream.AuthParams) (string, upstream.State, error) {
	return fzUpstreamAuth + "?request_uri=urn:x", upstream.State{State: "s", Nonce: "n", CodeVerifier: "v"}, nil
}

func (fzUpstream) Exchange(context.Context, url.Values, upstream.State) (*upstream.Identity, error) {
	return nil, errors.New("fuzz upstream: no logins")
}

func (fzUpstream) EndSessionURL(context.Context, string, string, string) (string, error) {
	return "", upstream.ErrNoEndSession
}

// fzEnv is one provider for a fuzz target.
type fzEnv struct {
	p         *Provider
	t         *tenant
	mux       *router.Router
	store     storage.Storage
	opKey     *rsa.PrivateKey // the provider's signing key
	clientKey *rsa.PrivateKey // the web client's private_key_jwt key
	clients   map[string]storage.Client
}

func newFzEnv(f testing.TB) *fzEnv {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		f.Fatal(err)
	}
	e := &fzEnv{store: store, mux: router.New(router.Options{}), clients: map[string]storage.Client{}}
	for _, k := range []**rsa.PrivateKey{&e.opKey, &e.clientKey} {
		if *k, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			f.Fatal(err)
		}
	}
	jwks, _ := json.Marshal(josev4.JSONWebKeySet{Keys: []josev4.JSONWebKey{{Key: e.clientKey.Public(), KeyID: "c1", Algorithm: "RS256", Use: "sig"}}})
	now := time.Now()
	for _, r := range []clients.Registration{
		{ID: fzWeb, AuthMethod: clients.AuthPrivateKeyJWT, JWKS: jwks, RedirectURIs: []string{fzWebRedirect},
			PostLogoutRedirectURIs: []string{fzWebLogout}, Scopes: []string{"openid profile offline_access api"},
			OfferedScopes: []string{"openid", "profile", "pid", "offline_access", "api"},
			GrantTypes:    []string{clients.GrantAuthorizationCode, clients.GrantRefreshToken, clients.GrantClientCredentials}},
		{ID: fzNative, Public: true, RedirectURIs: []string{fzNativeRedir, "http://127.0.0.1/cb"}},
	} {
		c, err := clients.Build(fzTenant, r, now)
		if err != nil {
			f.Fatal(err)
		}
		if err := store.CreateClient(ctx, c); err != nil {
			f.Fatal(err)
		}
		e.clients[c.ID] = c
	}
	e.p, err = New(ctx, Config{
		BaseURL: fzBase,
		Tenants: []TenantConfig{{Name: fzTenant, DisplayName: "Fuzz", Upstream: fzUpstream{}, Registry: "synthetic"}},
	}, store, fzKeys{key: e.opKey})
	if err != nil {
		f.Fatal(err)
	}
	e.t = e.p.tenants[fzTenant]
	e.p.Mount(e.mux)
	return e
}

// serve runs one request through the provider. query goes on the URL as
// is; a non-empty form is the body.
func (e *fzEnv) serve(method, path, query, form string, hdr http.Header) *httptest.ResponseRecorder {
	var r *http.Request
	if method == http.MethodPost {
		r = httptest.NewRequest(method, path, strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	r.URL.RawQuery = query
	for k, v := range hdr {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	return w
}

// registeredTarget reports whether loc, with its query reduced to the
// parameters the registration itself carried, is a URI registered by
// some client (redirect or post-logout), and returns the query oidcp
// added.
func (e *fzEnv) registeredTarget(loc string, logout bool) (url.Values, bool) {
	u, err := url.Parse(loc)
	if err != nil {
		return nil, false
	}
	added := u.Query()
	for _, c := range e.clients {
		uris := c.RedirectURIs
		if logout {
			uris = c.PostLogoutRedirectURIs
		}
		for _, reg := range uris {
			ru, err := url.Parse(reg)
			if err != nil || ru.Scheme != u.Scheme || ru.Host != u.Host || ru.Path != u.Path || ru.Opaque != u.Opaque || u.Fragment != "" {
				continue
			}
			ok := true
			for k, vs := range ru.Query() {
				if got := added[k]; len(got) == 0 || got[0] != vs[0] {
					ok = false
				}
				delete(added, k)
			}
			if ok {
				return added, true
			}
		}
	}
	return nil, false
}
