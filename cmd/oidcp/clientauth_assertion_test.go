package main

// Client authentication with a signed assertion (private_key_jwt): the
// algorithms accepted, the replay record of a refused assertion, and a
// jwks_uri that cannot be fetched.

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/storage"
)

// TestPrivateKeyJWTAlgorithms: a private_key_jwt client that registered
// no token_endpoint_auth_signing_alg may sign with any advertised
// algorithm (RS256, ES256, PS256) for which it registered a fitting key,
// chosen by kid and key type; a key's own alg pins that key; a client that
// registered the field gets that algorithm only. Found by zitadel/oidc,
// openid-client, oauth4webapi, authlib and jose, which sign with the EC
// key of a mixed set or PS256 with an RSA key. Client authentication is
// checked at the introspection endpoint, which needs no login.
func TestPrivateKeyJWTAlgorithms(t *testing.T) {
	c := newCLI(t)
	srv := startServing(t, devArgs(t, c, "http"), nil, time.Now)
	issuer := srv.base + "/sandbox"

	rsaK, ecK := newRSAKey(t, "roll-rsa"), newECKey(t, "roll-ec")
	pinned := newRSAKey(t, "pinned-rsa")
	register := func(id string, set []byte, extra ...string) {
		t.Helper()
		path := filepath.Join(t.TempDir(), id+".json")
		if err := os.WriteFile(path, set, 0o600); err != nil {
			t.Fatal(err)
		}
		c.ok(append([]string{"clients", "create", "--tenant", "sandbox", "--id", id, "--auth-method", "private_key_jwt",
			"--jwks", "@" + path, "--grant-type", "client_credentials", "--scope", "read"}, extra...)...)
	}
	register("roll", jwks(t, rsaK, ecK))
	register("roll-pinned", jwks(t, rsaK, ecK), "--token-endpoint-auth-signing-alg", "ES256")
	register("rsa-alg", jwksWithAlg(t, pinned, "RS256"))

	// A jwks_uri client with the same mixed set.
	set := jwks(t, rsaK, ecK)
	keysSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(set)
	}))
	t.Cleanup(keysSrv.Close)
	c.ok("clients", "create", "--dev", "--tenant", "sandbox", "--id", "roll-uri", "--auth-method", "private_key_jwt",
		"--jwks-uri", keysSrv.URL+"/jwks.json", "--grant-type", "client_credentials", "--scope", "read")

	with := func(k assertionKey, alg jose.SignatureAlgorithm, kid string) assertionKey {
		k.alg, k.kid = alg, kid
		return k
	}
	authenticate := func(id string, k assertionKey) (int, map[string]any) {
		t.Helper()
		cl := assertionClaims{iss: id, sub: id, aud: issuer + "/token", jti: rand.Text(), iat: time.Now(), exp: time.Now().Add(time.Minute)}
		status, body, _ := postForm(t, issuer+"/introspect", url.Values{"token": {"unknown-token"}}, assertionAuth(k.sign(t, cl)))
		return status, body
	}
	for _, tc := range []struct {
		name   string
		client string
		key    assertionKey
		ok     bool
		why    string // in error_description when refused
	}{
		{"RS256 with the RSA key", "roll", rsaK, true, ""},
		{"ES256 with the EC key", "roll", ecK, true, ""},
		{"PS256 with the RSA key", "roll", with(rsaK, jose.PS256, "roll-rsa"), true, ""},
		{"ES256 without kid", "roll", with(ecK, jose.ES256, ""), true, ""},
		{"PS256 without kid", "roll", with(rsaK, jose.PS256, ""), true, ""},
		{"ES256 naming the RSA key", "roll", with(ecK, jose.ES256, "roll-rsa"), false, "can verify ES256"},
		{"RS384: not advertised", "roll", with(rsaK, jose.RS384, "roll-rsa"), false, "RS256, ES256, PS256"},
		{"jwks_uri: ES256", "roll-uri", ecK, true, ""},
		{"jwks_uri: PS256", "roll-uri", with(rsaK, jose.PS256, "roll-rsa"), true, ""},
		{"jwks_uri: ES256 naming the RSA key", "roll-uri", with(ecK, jose.ES256, "roll-rsa"), false, "can verify ES256"},
		{"registered ES256: ES256", "roll-pinned", ecK, true, ""},
		{"registered ES256: RS256 refused", "roll-pinned", rsaK, false, "token_endpoint_auth_signing_alg ES256"},
		{"key alg RS256: RS256", "rsa-alg", pinned, true, ""},
		{"key alg RS256: PS256 refused", "rsa-alg", with(pinned, jose.PS256, "pinned-rsa"), false, "can verify PS256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := authenticate(tc.client, tc.key)
			if tc.ok {
				if status != http.StatusOK || body["active"] != false {
					t.Errorf("%d %v, want the client authenticated (200, active false)", status, body)
				}
				return
			}
			desc, _ := body["error_description"].(string)
			if status != http.StatusUnauthorized || body["error"] != "invalid_client" || !strings.Contains(desc, tc.why) {
				t.Errorf("%d %v, want 401 invalid_client saying %q", status, body, tc.why)
			}
		})
	}

	// Registration refuses what can never authenticate.
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unsupported pinned alg", []string{"--jwks", string(jwks(t, rsaK)), "--token-endpoint-auth-signing-alg", "HS256"}, "token_endpoint_auth_signing_alg"},
		{"pinned alg without a fitting key", []string{"--jwks", string(jwks(t, rsaK)), "--token-endpoint-auth-signing-alg", "ES256"}, "no key can verify ES256"},
	} {
		args := append([]string{"clients", "create", "--tenant", "sandbox", "--auth-method", "private_key_jwt",
			"--grant-type", "client_credentials", "--scope", "read"}, tc.args...)
		if _, errs, code := c.run(args...); code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d, stderr %q, want a refusal naming %q", tc.name, code, errs, tc.want)
		}
	}
}

// jwksWithAlg is jwks for one key that names its alg.
func jwksWithAlg(t *testing.T, k assertionKey, alg string) []byte {
	t.Helper()
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.priv.Public(), KeyID: k.kid, Algorithm: alg}}}
	b, err := set.Keys[0].MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return []byte(`{"keys":[` + string(b) + `]}`)
}

// A client assertion that is refused leaves no replay record: neither one
// refused before verification (exp too far ahead) nor one fosite stored
// before finding the audience wrong. A replay's refusal keeps the record.
func TestRefusedAssertionLeavesNoJTI(t *testing.T) {
	e := startLimitsEnv(t)
	c, key := e.registerKeyClient(t, "jti-client", newRSAKey(t, "jti-1"))
	cc := url.Values{"grant_type": {"client_credentials"}}
	stored := func(jti string) bool {
		t.Helper()
		_, err := e.store.GetToken(context.Background(), "main", storage.KindClientAssertion, jti)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	wrongAud := e.claimsFor(c)
	wrongAud.aud = "https://elsewhere.example/token"
	longLived := e.claimsFor(c)
	longLived.exp = e.clock.now().Add(24 * 365 * time.Hour)
	for name, cl := range map[string]assertionClaims{"wrong audience": wrongAud, "a year to live": longLived} {
		status, m, _ := e.call(t, "main", "/token", cc, assertionAuth(key.sign(t, cl)))
		wantInvalidClient(t, name, status, m)
		if stored(cl.jti) {
			t.Errorf("%s: the refused assertion's jti is stored", name)
		}
	}
	good := e.claimsFor(c)
	assertion := key.sign(t, good)
	e.call(t, "main", "/introspect", url.Values{"token": {"x"}}, assertionAuth(assertion))
	if !stored(good.jti) {
		t.Fatal("an accepted assertion's jti is not stored")
	}
	status, m, _ := e.call(t, "main", "/introspect", url.Values{"token": {"x"}}, assertionAuth(assertion))
	wantInvalidClient(t, "replay", status, m)
	if !stored(good.jti) {
		t.Error("refusing a replay removed the jti it replayed")
	}
}

// A client whose jwks_uri cannot be fetched fails client authentication
// (401 invalid_client), whatever went wrong at its end.
func TestJWKSURIFailureIsInvalidClient(t *testing.T) {
	e := startLimitsEnv(t)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/garbage" {
			_, _ = w.Write([]byte("<html>not a key set</html>"))
			return
		}
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	t.Cleanup(broken.Close)
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // nothing listens there any more
	key := newRSAKey(t, "jwks-1")
	for name, uri := range map[string]string{"500": broken.URL + "/jwks", "not JSON": broken.URL + "/garbage", "unreachable": gone.URL + "/jwks"} {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			c := e2eClient{tenant: "main", id: "jwks-" + strings.ReplaceAll(name, " ", "-"), redirect: "https://jwks.example/cb"}
			e.cli.on(t).ok("clients", "create", "--tenant", "main", "--id", c.id, "--auth-method", "private_key_jwt",
				"--jwks-uri", uri, "--redirect-uri", c.redirect, "--scope", "openid")
			status, m, _ := e.call(t, "main", "/token", url.Values{"grant_type": {"client_credentials"}}, assertionAuth(key.sign(t, e.claimsFor(c))))
			wantInvalidClient(t, "jwks_uri "+name, status, m)
		})
	}
}
