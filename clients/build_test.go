package clients

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/oidcp/oidcp/storage"
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const goodSecret = "0123456789abcdef0123456789abcdef"

// web is a valid confidential client; cases change one thing.
func web() Registration {
	return Registration{ID: "my-app", Secret: goodSecret, RedirectURIs: []string{"https://app.example/cb"}}
}

// native is a valid public client.
func native() Registration {
	return Registration{ID: "my-native", Public: true, RedirectURIs: []string{"com.example.app:/oauth/cb"}}
}

func jwks(t *testing.T, private bool) json.RawMessage {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var key any = k.Public()
	if private {
		key = k
	}
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBuildRejects(t *testing.T) {
	pub, priv := jwks(t, false), jwks(t, true)
	cases := []struct {
		name  string
		mod   func(*Registration)
		base  func() Registration
		field string
		kind  error
	}{
		{"relative redirect", func(r *Registration) { r.RedirectURIs = []string{"/cb"} }, web, "redirect_uris", ErrInvalidRedirectURI},
		{"fragment", func(r *Registration) { r.RedirectURIs = []string{"https://app.example/cb#x"} }, web, "redirect_uris", ErrInvalidRedirectURI},
		{"empty fragment", func(r *Registration) { r.RedirectURIs = []string{"https://app.example/cb#"} }, web, "redirect_uris", ErrInvalidRedirectURI},
		{"wildcard", func(r *Registration) { r.RedirectURIs = []string{"https://*.example/cb"} }, web, "redirect_uris", ErrInvalidRedirectURI},
		{"http non-loopback", func(r *Registration) { r.RedirectURIs = []string{"http://app.example/cb"} }, web, "redirect_uris", ErrInvalidRedirectURI},
		{"http lookalike loopback", func(r *Registration) { r.RedirectURIs = []string{"http://127.0.0.1.evil.example/cb"} }, web, "redirect_uris", ErrInvalidRedirectURI},
		{"userinfo", func(r *Registration) { r.RedirectURIs = []string{"https://u:p@app.example/cb"} }, web, "redirect_uris", ErrInvalidRedirectURI},
		{"javascript", func(r *Registration) { r.RedirectURIs = []string{"javascript:alert(1)"} }, native, "redirect_uris", ErrInvalidRedirectURI},
		{"private-use without dot", func(r *Registration) { r.RedirectURIs = []string{"myapp:/cb"} }, native, "redirect_uris", ErrInvalidRedirectURI},
		{"private-use on confidential", func(r *Registration) { r.RedirectURIs = []string{"com.example.app:/cb"} }, web, "redirect_uris", ErrInvalidRedirectURI},
		{"no redirect for code", func(r *Registration) { r.RedirectURIs = nil }, web, "redirect_uris", ErrInvalidRedirectURI},
		{"bad post-logout", func(r *Registration) { r.PostLogoutRedirectURIs = []string{"http://app.example/bye"} }, web, "post_logout_redirect_uris", ErrInvalidRedirectURI},
		{"bad client id", func(r *Registration) { r.ID = "has:colon" }, web, "client_id", ErrInvalidMetadata},
		{"long client id", func(r *Registration) { r.ID = strings.Repeat("a", 129) }, web, "client_id", ErrInvalidMetadata},
		{"public relaxes pkce", func(r *Registration) { r.RelaxPKCE = true }, native, "require_pkce", ErrInvalidMetadata},
		{"public relaxes nonce", func(r *Registration) { r.RelaxNonce = true }, native, "require_pkce", ErrInvalidMetadata},
		{"public with secret", func(r *Registration) { r.Secret = goodSecret }, native, "client_secret", ErrInvalidMetadata},
		{"public with basic", func(r *Registration) { r.AuthMethod = AuthClientSecretBasic }, native, "token_endpoint_auth_method", ErrInvalidMetadata},
		{"public client_credentials", func(r *Registration) { r.GrantTypes = []string{"authorization_code", "client_credentials"} }, native, "grant_types", ErrInvalidMetadata},
		{"public token exchange", func(r *Registration) { r.GrantTypes = []string{"authorization_code", GrantTokenExchange} }, native, "grant_types", ErrInvalidMetadata},
		{"confidential none", func(r *Registration) { r.AuthMethod = AuthNone; r.Secret = "" }, web, "token_endpoint_auth_method", ErrInvalidMetadata},
		{"unknown auth method", func(r *Registration) { r.AuthMethod = "tls_client_auth" }, web, "token_endpoint_auth_method", ErrInvalidMetadata},
		{"missing secret", func(r *Registration) { r.Secret = "" }, web, "client_secret", ErrInvalidMetadata},
		{"short secret", func(r *Registration) { r.Secret = "short" }, web, "client_secret", ErrInvalidMetadata},
		{"secret past bcrypt limit", func(r *Registration) { r.Secret = strings.Repeat("x", 73) }, web, "client_secret", ErrInvalidMetadata},
		{"private_key_jwt without keys", func(r *Registration) { r.AuthMethod = AuthPrivateKeyJWT; r.Secret = "" }, web, "jwks", ErrInvalidMetadata},
		{"private_key_jwt with both", func(r *Registration) {
			r.AuthMethod, r.Secret, r.JWKS, r.JWKSURI = AuthPrivateKeyJWT, "", pub, "https://app.example/jwks"
		}, web, "jwks", ErrInvalidMetadata},
		{"private_key_jwt with secret", func(r *Registration) { r.AuthMethod, r.JWKS = AuthPrivateKeyJWT, pub }, web, "client_secret", ErrInvalidMetadata},
		{"private key material", func(r *Registration) { r.AuthMethod, r.Secret, r.JWKS = AuthPrivateKeyJWT, "", priv }, web, "jwks", ErrInvalidMetadata},
		{"jwks not a set", func(r *Registration) {
			r.AuthMethod, r.Secret, r.JWKS = AuthPrivateKeyJWT, "", json.RawMessage(`{"keys":"x"}`)
		}, web, "jwks", ErrInvalidMetadata},
		// Member names are exact, as go-jose and the FAPI 2.0 key rule
		// read them: "KEYS" is not the set's keys.
		{"keys only as KEYS", func(r *Registration) {
			r.AuthMethod, r.Secret, r.JWKS = AuthPrivateKeyJWT, "", json.RawMessage(strings.Replace(string(pub), `"keys"`, `"KEYS"`, 1))
		}, web, "jwks", ErrInvalidMetadata},
		{"empty jwks", func(r *Registration) {
			r.AuthMethod, r.Secret, r.JWKS = AuthPrivateKeyJWT, "", json.RawMessage(`{"keys":[]}`)
		}, web, "jwks", ErrInvalidMetadata},
		{"http jwks_uri", func(r *Registration) {
			r.AuthMethod, r.Secret, r.JWKSURI = AuthPrivateKeyJWT, "", "http://app.example/jwks"
		}, web, "jwks_uri", ErrInvalidMetadata},
		{"jwks on secret client", func(r *Registration) { r.JWKS = pub }, web, "jwks", ErrInvalidMetadata},
		{"unknown grant", func(r *Registration) { r.GrantTypes = []string{"password"} }, web, "grant_types", ErrInvalidMetadata},
		{"implicit", func(r *Registration) { r.GrantTypes = []string{"implicit"} }, web, "grant_types", ErrInvalidMetadata},
		{"refresh without code", func(r *Registration) { r.GrantTypes = []string{"refresh_token", "client_credentials"} }, web, "grant_types", ErrInvalidMetadata},
		{"code without openid", func(r *Registration) { r.Scopes = []string{"profile"} }, web, "scope", ErrInvalidMetadata},
		{"bad scope token", func(r *Registration) { r.Scopes = []string{`openid "quoted"`} }, web, "scope", ErrInvalidMetadata},
		{"alg HS256", func(r *Registration) { r.IDTokenAlg = "HS256" }, web, "id_token_signed_response_alg", ErrInvalidMetadata},
		{"alg none", func(r *Registration) { r.IDTokenAlg = "none" }, web, "id_token_signed_response_alg", ErrInvalidMetadata},
		{"http backchannel", func(r *Registration) { r.BackchannelLogoutURI = "http://app.example/bcl" }, web, "backchannel_logout_uri", ErrInvalidMetadata},
		{"relative initiate login", func(r *Registration) { r.InitiateLoginURI = "/start" }, web, "initiate_login_uri", ErrInvalidMetadata},
		{"unknown category", func(r *Registration) { r.Category = "K9" }, web, "category", ErrInvalidMetadata},
		{"unknown relation", func(r *Registration) { r.AcceptedRelations = []string{"friend"} }, web, "accepted_relations", ErrInvalidMetadata},
		{"unknown access token format", func(r *Registration) { r.AccessTokenFormat = "JWT" }, web, "access_token_format", ErrInvalidMetadata},
		{"standalone ordinary fullmakt", func(r *Registration) {
			r.Standalone, r.AcceptedRelations = true, []string{"parent", "power_of_attorney"}
		}, web, "accepted_relations", ErrInvalidMetadata},
		{"no tenant", nil, web, "tenant", ErrInvalidMetadata},
	}
	// Sanity: the bases alone are valid, so each case's change is what fails.
	for _, base := range []func() Registration{web, native} {
		if _, err := Build("sandbox", base(), now); err != nil {
			t.Fatalf("base registration invalid: %v", err)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := c.base()
			tenant := "sandbox"
			if c.mod != nil {
				c.mod(&r)
			} else {
				tenant = ""
			}
			_, err := Build(tenant, r, now)
			if err == nil {
				t.Fatal("Build accepted it")
			}
			if !slices.Contains(Fields(err), c.field) {
				t.Errorf("error fields %v, want %q; err: %v", Fields(err), c.field, err)
			}
			if !errors.Is(err, c.kind) {
				t.Errorf("error %v is not %v", err, c.kind)
			}
		})
	}
}

func TestBuildAcceptsRedirectURIs(t *testing.T) {
	cases := []struct {
		uri    string
		public bool
	}{
		{"https://app.example/cb", false},
		{"https://app.example:8443/cb?tenant=a", false},
		{"http://127.0.0.1:9000/callback", false},
		{"http://127.0.0.1/callback", true},
		{"http://[::1]:9000/callback", true},
		{"http://localhost:3000/cb", false},
		{"com.example.app:/oauth2redirect", true},
		{"no.helsenorge.verktoy:/cb", true},
	}
	for _, c := range cases {
		r := web()
		if c.public {
			r = native()
		}
		r.RedirectURIs = []string{c.uri}
		got, err := Build("sandbox", r, now)
		if err != nil {
			t.Errorf("%s: %v", c.uri, err)
			continue
		}
		if !slices.Equal(got.RedirectURIs, []string{c.uri}) {
			t.Errorf("%s: stored %v; redirect URIs must be kept exactly", c.uri, got.RedirectURIs)
		}
	}
}

func TestBuildConfidentialDefaults(t *testing.T) {
	c, err := Build("main", web(), now)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"tenant", c.Tenant == "main"},
		{"name defaults to id", c.Name == "my-app"},
		{"auth method", c.TokenEndpointAuthMethod == AuthClientSecretBasic},
		{"not public", !c.Public},
		{"pkce required", c.RequirePKCE},
		{"nonce required", c.RequireNonce},
		{"par optional", !c.RequirePAR},
		{"grant types", slices.Equal(c.GrantTypes, []string{"authorization_code", "refresh_token"})},
		{"response types", slices.Equal(c.ResponseTypes, []string{"code"})},
		{"scopes", slices.Equal(c.Scopes, []string{"openid", "profile", "offline_access"})},
		{"alg", c.IDTokenSignedResponseAlg == "RS256"},
		{"category", c.Category == CategoryIdentified},
		{"access token format", c.AccessTokenFormat == AccessTokenOpaque},
		{"created", c.CreatedAt.Equal(now) && c.UpdatedAt.Equal(now)},
		{"secret hashed", bcrypt.CompareHashAndPassword(c.SecretHash, []byte(goodSecret)) == nil},
		{"post-logout not null", c.PostLogoutRedirectURIs != nil},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: got %+v", ch.name, c)
		}
	}
	b, _ := json.Marshal(c)
	if strings.Contains(string(b), goodSecret) || strings.Contains(string(b), string(c.SecretHash)) {
		t.Error("JSON of the client shows the secret or its hash")
	}
}

func TestBuildPublicForcesProtections(t *testing.T) {
	c, err := Build("sandbox", native(), now)
	if err != nil {
		t.Fatal(err)
	}
	if c.TokenEndpointAuthMethod != AuthNone || !c.Public || !c.RequirePKCE || !c.RequireNonce || !c.RequirePAR || c.SecretHash != nil {
		t.Errorf("public client = %+v; want auth none, PKCE+nonce+PAR required, no secret", c)
	}
}

func TestBuildConfidentialOptions(t *testing.T) {
	pub := jwks(t, false)
	cases := []struct {
		name  string
		mod   func(*Registration)
		check func(t *testing.T, c Registration, got storage.Client)
	}{
		{"relax pkce and nonce", func(r *Registration) { r.RelaxPKCE, r.RelaxNonce = true, true }, func(t *testing.T, _ Registration, c storage.Client) {
			if c.RequirePKCE || c.RequireNonce {
				t.Errorf("relax ignored: %+v", c)
			}
		}},
		{"require PAR", func(r *Registration) { r.RequirePAR = true }, func(t *testing.T, _ Registration, c storage.Client) {
			if !c.RequirePAR {
				t.Error("RequirePAR ignored")
			}
		}},
		{"client_secret_post", func(r *Registration) { r.AuthMethod = AuthClientSecretPost }, func(t *testing.T, _ Registration, c storage.Client) {
			if c.TokenEndpointAuthMethod != AuthClientSecretPost || len(c.SecretHash) == 0 {
				t.Errorf("got %q hash=%d", c.TokenEndpointAuthMethod, len(c.SecretHash))
			}
		}},
		{"private_key_jwt jwks", func(r *Registration) { r.AuthMethod, r.Secret, r.JWKS = AuthPrivateKeyJWT, "", pub }, func(t *testing.T, _ Registration, c storage.Client) {
			if c.TokenEndpointAuthMethod != AuthPrivateKeyJWT || string(c.JWKS) != string(pub) || c.SecretHash != nil {
				t.Errorf("got %+v", c)
			}
		}},
		{"private_key_jwt jwks_uri", func(r *Registration) {
			r.AuthMethod, r.Secret, r.JWKSURI = AuthPrivateKeyJWT, "", "https://app.example/jwks"
		}, func(t *testing.T, _ Registration, c storage.Client) {
			if c.JWKSURI != "https://app.example/jwks" {
				t.Errorf("jwks_uri = %q", c.JWKSURI)
			}
		}},
		{"service client", func(r *Registration) {
			r.RedirectURIs, r.GrantTypes, r.Scopes = nil, []string{"client_credentials"}, []string{"api.read"}
		}, func(t *testing.T, _ Registration, c storage.Client) {
			if len(c.ResponseTypes) != 0 || !slices.Equal(c.GrantTypes, []string{"client_credentials"}) {
				t.Errorf("got grants %v responses %v", c.GrantTypes, c.ResponseTypes)
			}
		}},
		{"API client that only exchanges tokens", func(r *Registration) {
			r.RedirectURIs, r.GrantTypes, r.Scopes = nil, []string{GrantTokenExchange}, []string{"ehelse.read"}
		}, func(t *testing.T, _ Registration, c storage.Client) {
			if len(c.ResponseTypes) != 0 || !slices.Equal(c.GrantTypes, []string{GrantTokenExchange}) {
				t.Errorf("got grants %v responses %v", c.GrantTypes, c.ResponseTypes)
			}
		}},
		{"space-separated scopes deduplicated", func(r *Registration) {
			r.Scopes = []string{"openid profile pid offline_access", "pid"}
		}, func(t *testing.T, _ Registration, c storage.Client) {
			if !slices.Equal(c.Scopes, []string{"openid", "profile", "pid", "offline_access"}) {
				t.Errorf("scopes = %v", c.Scopes)
			}
		}},
		{"alg ES256", func(r *Registration) { r.IDTokenAlg = AlgES256 }, func(t *testing.T, _ Registration, c storage.Client) {
			if c.IDTokenSignedResponseAlg != AlgES256 {
				t.Errorf("alg = %q", c.IDTokenSignedResponseAlg)
			}
		}},
		{"generated id", func(r *Registration) { r.ID = "" }, func(t *testing.T, _ Registration, c storage.Client) {
			if !idPattern.MatchString(c.ID) || len(c.ID) < 20 {
				t.Errorf("generated id %q", c.ID)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := web()
			c.mod(&r)
			got, err := Build("sandbox", r, now)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, r, got)
		})
	}
}

func TestBuildReportsEveryProblem(t *testing.T) {
	r := Registration{ID: "bad id", RedirectURIs: []string{"http://x.example/cb"}, IDTokenAlg: "HS256"}
	_, err := Build("sandbox", r, now)
	got := Fields(err)
	for _, want := range []string{"client_id", "redirect_uris", "id_token_signed_response_alg", "client_secret"} {
		if !slices.Contains(got, want) {
			t.Errorf("fields %v lack %q", got, want)
		}
	}
}

func TestSecrets(t *testing.T) {
	a, b := GenerateSecret(), GenerateSecret()
	if len(a) != 43 || a == b || strings.ContainsAny(a, "+/=") {
		t.Errorf("GenerateSecret = %q, %q; want 43 distinct base64url characters", a, b)
	}
	h, err := HashSecret(a)
	if err != nil {
		t.Fatal(err)
	}
	if cost, _ := bcrypt.Cost(h); cost != bcrypt.DefaultCost {
		t.Errorf("cost %d", cost)
	}
	if bcrypt.CompareHashAndPassword(h, []byte(a)) != nil || bcrypt.CompareHashAndPassword(h, []byte(b)) == nil {
		t.Error("hash does not verify only its own secret")
	}
	// The generated secret satisfies Build's own length rule.
	r := web()
	r.Secret = a
	if _, err := Build("sandbox", r, now); err != nil {
		t.Errorf("generated secret rejected: %v", err)
	}
}

// TestClientCredentialsRefusesDataScopes: a client whose only grant is
// client_credentials acts for no citizen, so it may not be registered
// for the tenant's data-exchange scopes; a client that also has the
// authorization_code grant may, for its user flows.
func TestClientCredentialsRefusesDataScopes(t *testing.T) {
	data := []string{"health:measurements", "health:appointments"}
	offered := append(slices.Clone(IdentityScopes), data...)
	cc := Registration{ID: "svc", Secret: goodSecret, GrantTypes: []string{GrantClientCredentials}, Scopes: []string{"api:read health:measurements"},
		OfferedScopes: offered, DataScopes: data}
	_, err := Build("sandbox", cc, time.Now())
	if err == nil || !strings.Contains(err.Error(), `"health:measurements" is a data-exchange scope`) {
		t.Fatalf("client_credentials with a data scope: %v, want refused", err)
	}
	cc.Scopes = []string{"api:read"}
	if _, err := Build("sandbox", cc, time.Now()); err != nil {
		t.Fatalf("client_credentials with its own API scope: %v", err)
	}
	both := web()
	both.GrantTypes = []string{GrantAuthorizationCode, GrantClientCredentials}
	both.Scopes = []string{"openid health:measurements"}
	both.OfferedScopes, both.DataScopes = offered, data
	if _, err := Build("sandbox", both, time.Now()); err != nil {
		t.Fatalf("code + client_credentials with a data scope: %v", err)
	}
}

// Security review, defect 3: redirect URIs on several hosts would let a
// tool borrow another's pairwise sector (OIDC Core §8.1).
func TestBuildRefusesRedirectURIsOnSeveralHosts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		uris   []string
		public bool
		sector string
		ok     bool
	}{
		{"one host", []string{"https://app.example/cb", "https://APP.example:8443/other"}, false, "", true},
		{"two hosts", []string{"https://victim.example/unused", "https://evil.example/cb"}, false, "", false},
		{"host and loopback", []string{"https://victim.example/unused", "http://127.0.0.1:9000/cb"}, false, "", false},
		{"host and private-use", []string{"https://victim.example/unused", "com.example.app:/cb"}, true, "", false},
		{"loopback hosts", []string{"http://127.0.0.1:9000/cb", "http://localhost:9000/cb"}, false, "", true},
		{"loopback and private-use", []string{"http://127.0.0.1/cb", "com.example.app:/cb"}, true, "", true},
		{"two hosts with sector", []string{"https://a.example/cb", "https://b.example/cb"}, false, "example", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := web()
			if tc.public {
				r = native()
			}
			r.RedirectURIs, r.SectorIdentifier = tc.uris, tc.sector
			c, err := Build("t", r, now)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if c.SectorIdentifier != tc.sector {
					t.Errorf("SectorIdentifier %q, want %q", c.SectorIdentifier, tc.sector)
				}
				return
			}
			if !slices.Equal(Fields(err), []string{"redirect_uris"}) || !errors.Is(err, ErrInvalidRedirectURI) ||
				!strings.Contains(err.Error(), "sector") {
				t.Fatalf("err %v, want one redirect_uris error saying why", err)
			}
		})
	}
}

func TestSectorHost(t *testing.T) {
	for _, tc := range []struct {
		uris []string
		host string
	}{
		{[]string{"https://App.example/cb", "https://app.example/x"}, "app.example"},
		{[]string{"https://victim.example/unused", "https://evil.example/cb"}, ""},
		{[]string{"http://127.0.0.1:9000/cb"}, ""},
		{[]string{"https://127.0.0.1/cb"}, ""},
		{[]string{"com.example.app:/cb"}, ""},
		{nil, ""},
	} {
		host, ok := SectorHost(tc.uris)
		if host != tc.host || ok != (tc.host != "") {
			t.Errorf("SectorHost(%q) = %q, %v; want %q", tc.uris, host, ok, tc.host)
		}
	}
}

// TestAccountScope: every tenant offers the scope account (the account
// API) to a client with the authorization_code grant, as it offers the
// identity scopes; a client gets it only by registering with it.
func TestAccountScope(t *testing.T) {
	r := web()
	r.Scopes = []string{"openid account"}
	c, err := Build("sandbox", r, time.Now())
	if err != nil || !slices.Contains(c.Scopes, "account") {
		t.Fatalf("registration with account: %v, scopes %v", err, c.Scopes)
	}
	r.Scopes = nil
	if c, err := Build("sandbox", r, time.Now()); err != nil || slices.Contains(c.Scopes, "account") {
		t.Fatalf("a client that names no scope got %v (%v); account must be asked for", c.Scopes, err)
	}
}

// TestAccountScopeOperatorOnly: account controls a person's account, so
// a pseudonymous (K3) client, which may not even know who the person is,
// cannot hold it, nor can a client that acts for no person
// (client_credentials only). Security review of issue 12, finding 1.
func TestAccountScopeOperatorOnly(t *testing.T) {
	r := web()
	r.Scopes, r.Category = []string{"openid account"}, CategoryPseudonymous
	_, err := Build("sandbox", r, time.Now())
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "scope" || !strings.Contains(err.Error(), "pseudonymous") {
		t.Fatalf("pseudonymous client with account: %v, want refused naming scope", err)
	}
	r.Scopes = []string{"openid"}
	if _, err := Build("sandbox", r, time.Now()); err != nil {
		t.Fatalf("pseudonymous client without account: %v", err)
	}
	cc := Registration{ID: "svc", Secret: goodSecret, GrantTypes: []string{GrantClientCredentials}, Scopes: []string{"account"}}
	if _, err := Build("sandbox", cc, time.Now()); err == nil || !strings.Contains(err.Error(), `"account"`) {
		t.Fatalf("client_credentials client with account: %v, want refused", err)
	}
	if !slices.Contains(OperatorOnlyScopes, AccountScope) {
		t.Fatalf("OperatorOnlyScopes %v lacks %q", OperatorOnlyScopes, AccountScope)
	}
}
