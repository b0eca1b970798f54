package upstream

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/representation"
)

// The fuzz targets here run the relying party against an issuer that
// exists only as an in-memory http.RoundTripper, so each input costs no
// socket, and check what the client accepts, not only that it survives.

const (
	fzIssuer   = "https://idporten.example"
	fzClientID = "oidcp"
	fzNonce    = "nonce-0123456789"
	fzState    = "state-0123456789"
	fzVerifier = "verifier-0123456789-0123456789-0123456789"
	fzKID      = "k1"
)

var fzNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// fzIssuerSite answers the relying party's requests from fixed bodies,
// which a fuzz target changes between inputs.
type fzIssuerSite struct {
	mu     sync.Mutex
	bodies map[string][]byte // path -> response body (200; PAR 201)
	sent   []string          // request URLs and bodies, for leak checks
}

func (s *fzIssuerSite) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sent := r.URL.String()
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		sent += " " + string(b)
	}
	s.sent = append(s.sent, sent)
	body, ok := s.bodies[r.URL.Path]
	status := http.StatusOK
	switch {
	case !ok:
		status = http.StatusNotFound
	case r.URL.Path == "/par":
		status = http.StatusCreated
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
}

func (s *fzIssuerSite) set(path string, body []byte) {
	s.mu.Lock()
	s.bodies[path] = body
	s.mu.Unlock()
}

// fzSetup is one issuer key and site per fuzz target.
type fzSetup struct {
	key  *rsa.PrivateKey
	site *fzIssuerSite
}

func newFzSetup(f *testing.F) *fzSetup {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	s := &fzSetup{key: key, site: &fzIssuerSite{bodies: map[string][]byte{}}}
	md, _ := json.Marshal(map[string]any{
		"issuer": fzIssuer, "authorization_endpoint": fzIssuer + "/authorize",
		"pushed_authorization_request_endpoint": fzIssuer + "/par", "token_endpoint": fzIssuer + "/token",
		"jwks_uri": fzIssuer + "/jwks", "end_session_endpoint": fzIssuer + "/endsession",
		"authorization_response_iss_parameter_supported": true,
	})
	s.site.set("/.well-known/openid-configuration", md)
	s.site.set("/jwks", s.jwks(fzKID))
	s.site.set("/par", []byte(`{"request_uri":"urn:idporten:par:1","expires_in":60}`))
	return s
}

// client is a fresh relying party (empty discovery and JWKS caches).
func (s *fzSetup) client(f interface{ Fatal(...any) }) *Client {
	c, err := New(Config{
		Issuer: fzIssuer, ClientID: fzClientID, ClientSecret: "secret",
		RedirectURL: "https://oidcp.example/main/callback",
		HTTPClient:  &http.Client{Transport: s.site},
		Now:         func() time.Time { return fzNow },
	})
	if err != nil {
		f.Fatal(err)
	}
	return c
}

func (s *fzSetup) jwks(kid string) []byte {
	b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &s.key.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"}}})
	return b
}

// claims are valid ID token claims for fzNow.
func fzClaims(f *testing.F) map[string]any {
	p, err := representation.SyntheticPID(time.Date(1980, 3, 14, 0, 0, 0, 0, time.UTC), 100)
	if err != nil {
		f.Fatal(err)
	}
	return map[string]any{
		"iss": fzIssuer, "aud": fzClientID, "sub": "pairwise-sub", "pid": p,
		"acr": ACRSubstantial, "amr": []string{"TestID"}, "nonce": fzNonce,
		"iat": fzNow.Unix(), "exp": fzNow.Add(2 * time.Minute).Unix(), "auth_time": fzNow.Unix(), "sid": "sid-1",
	}
}

// sign signs payload (any bytes) with the issuer's key under kid.
func (s *fzSetup) sign(t interface{ Fatal(...any) }, kid string, payload []byte) string {
	opts := &jose.SignerOptions{}
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: s.key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func (s *fzSetup) signClaims(f *testing.F, mod func(map[string]any)) string {
	c := fzClaims(f)
	if mod != nil {
		mod(c)
	}
	b, _ := json.Marshal(c)
	return s.sign(f, fzKID, b)
}

// checkIdentity fails t unless an accepted ID token's claims pass every
// check of OIDC Core §3.1.3.7, read back independently of idClaims.
func checkIdentity(t *testing.T, raw string, id *Identity) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("accepted %q, not a compact JWS", raw)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("accepted %q with an undecodable payload", raw)
	}
	var c map[string]any
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatalf("accepted claims %q that are not a JSON object", payload)
	}
	num := func(k string) (time.Time, bool) {
		v, ok := c[k].(float64)
		return unixTime(v), ok
	}
	exp, hasExp := num("exp")
	iat, hasIat := num("iat")
	auds := []string{}
	switch a := c["aud"].(type) {
	case string:
		auds = append(auds, a)
	case []any:
		for _, x := range a {
			s, _ := x.(string)
			auds = append(auds, s)
		}
	}
	azp, _ := c["azp"].(string)
	switch {
	case c["iss"] != fzIssuer:
		t.Fatalf("accepted iss %v", c["iss"])
	case !slices.Contains(auds, fzClientID) || (len(auds) > 1 && azp != fzClientID) || (azp != "" && azp != fzClientID):
		t.Fatalf("accepted aud %v azp %q", c["aud"], azp)
	case !hasExp || !fzNow.Before(exp.Add(clockLeeway)):
		t.Fatalf("accepted exp %v at %v", c["exp"], fzNow)
	case !hasIat || iat.After(fzNow.Add(clockLeeway)):
		t.Fatalf("accepted iat %v at %v", c["iat"], fzNow)
	case c["nonce"] != fzNonce:
		t.Fatalf("accepted nonce %v", c["nonce"])
	case c["acr"] != ACRSubstantial && c["acr"] != ACRHigh:
		t.Fatalf("accepted acr %v", c["acr"])
	case id.Subject == "" || id.Subject != c["sub"] || id.PID != c["pid"] || !representation.ValidPID(id.PID) || id.IDToken != raw:
		t.Fatalf("accepted identity %+v from claims %v", id, c)
	}
}

// tamperSignature returns raw with bit (pos mod the signature's bits)
// of the decoded signature flipped.
func tamperSignature(raw string, pos uint16) (string, bool) {
	i := strings.LastIndexByte(raw, '.')
	sig, err := base64.RawURLEncoding.DecodeString(raw[i+1:])
	if err != nil || len(sig) == 0 {
		return "", false
	}
	bit := int(pos) % (len(sig) * 8)
	sig[bit/8] ^= 1 << (bit % 8)
	return raw[:i+1] + base64.RawURLEncoding.EncodeToString(sig), true
}

// FuzzIDToken: any compact token is accepted only with a signature by the
// issuer's key over claims that pass every check, and an accepted token
// with any bit of its signature flipped is refused.
func FuzzIDToken(f *testing.F) {
	s := newFzSetup(f)
	c := s.client(f)
	md, err := c.metadata(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	good := s.signClaims(f, nil)
	if _, err := c.validateIDToken(context.Background(), md, good, fzNonce); err != nil {
		f.Fatalf("the valid seed is refused, so the properties below would never be checked: %v", err)
	}
	parts := strings.Split(good, ".")
	f.Add(good, uint16(0))
	f.Add(s.signClaims(f, func(c map[string]any) { c["aud"] = []string{"x", fzClientID}; c["azp"] = fzClientID }), uint16(77))
	f.Add(s.signClaims(f, func(c map[string]any) { c["exp"] = fzNow.Add(-2 * time.Minute).Unix() }), uint16(1))
	f.Add(s.sign(f, "", []byte(`{"iss":"`+fzIssuer+`"}`)), uint16(2))
	f.Add(`eyJhbGciOiJub25lIn0.`+parts[1]+`.`, uint16(0))
	f.Add(`eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.`+parts[1]+`.`+parts[2], uint16(0))
	f.Add(parts[0]+"."+parts[1], uint16(0))
	f.Add(good+"."+parts[2], uint16(0))
	f.Add("", uint16(0))
	f.Fuzz(func(t *testing.T, raw string, pos uint16) {
		id, err := c.validateIDToken(context.Background(), md, raw, fzNonce)
		if err != nil {
			if id != nil {
				t.Fatalf("identity %+v returned with error %v", id, err)
			}
			return
		}
		checkIdentity(t, raw, id)
		tampered, ok := tamperSignature(raw, pos)
		if !ok {
			t.Fatalf("accepted %q without a decodable signature", raw)
		}
		if _, err := c.validateIDToken(context.Background(), md, tampered, fzNonce); !errors.Is(err, ErrInvalidIDToken) {
			t.Fatalf("accepted %q with its signature altered: %v", tampered, err)
		}
	})
}

// FuzzIDTokenClaims: the issuer's own key signs whatever claims the fuzzer
// makes up, so every claim check is reached; an accepted token must pass
// them all when read back independently.
func FuzzIDTokenClaims(f *testing.F) {
	s := newFzSetup(f)
	c := s.client(f)
	md, err := c.metadata(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	add := func(mod func(map[string]any)) {
		cl := fzClaims(f)
		if mod != nil {
			mod(cl)
		}
		b, _ := json.Marshal(cl)
		f.Add(b)
	}
	add(nil)
	add(func(c map[string]any) { c["aud"] = []any{"x", fzClientID} })
	add(func(c map[string]any) { c["aud"] = []any{"x", fzClientID}; c["azp"] = fzClientID })
	add(func(c map[string]any) { c["exp"] = 1e300 })
	add(func(c map[string]any) { c["iat"] = -1e300; c["auth_time"] = "x" })
	add(func(c map[string]any) { c["acr"] = ACRHigh; c["pid"] = "12345678901" })
	add(func(c map[string]any) { delete(c, "nonce"); c["sub"] = "" })
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"aud":{"a":1}}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		raw := s.sign(t, fzKID, payload)
		id, err := c.validateIDToken(context.Background(), md, raw, fzNonce)
		if err != nil {
			return
		}
		checkIdentity(t, raw, id)
	})
}

// FuzzJWKS: the issuer's JWK Set, whatever it holds, verifies a token
// only if it publishes the issuer's public key as a signing key under the
// token's kid (or the token has none).
func FuzzJWKS(f *testing.F) {
	s := newFzSetup(f)
	payload, _ := json.Marshal(fzClaims(f))
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	otherSet, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &other.PublicKey, KeyID: fzKID}}})
	if _, err := s.client(f).validateIDToken(context.Background(), &metadata{JWKSURI: fzIssuer + "/jwks"}, s.sign(f, fzKID, payload), fzNonce); err != nil {
		f.Fatalf("the valid seed is refused: %v", err)
	}
	f.Add(s.jwks(fzKID), fzKID)
	f.Add(s.jwks(fzKID), "")
	f.Add(s.jwks("k2"), fzKID)
	f.Add(otherSet, fzKID)
	f.Add(bytes.Replace(s.jwks(fzKID), []byte(`"sig"`), []byte(`"enc"`), 1), fzKID)
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"k1"}]}`), fzKID)
	f.Add([]byte(`{"keys":[{"kty":"RSA","kid":"k1","n":"AQAB","e":"AQAB"}]}`), fzKID)
	f.Add([]byte(`{"keys":null}`), "")
	f.Fuzz(func(t *testing.T, jwks []byte, kid string) {
		s.site.set("/jwks", jwks)
		c := s.client(t)
		md, err := c.metadata(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		raw := s.sign(t, kid, payload)
		id, err := c.validateIDToken(context.Background(), md, raw, fzNonce)
		if err != nil {
			return
		}
		checkIdentity(t, raw, id)
		var set jose.JSONWebKeySet
		if json.Unmarshal(jwks, &set) != nil {
			t.Fatalf("verified with a JWK Set that does not parse: %q", jwks)
		}
		published := false
		for _, k := range set.Keys {
			pub, ok := k.Key.(*rsa.PublicKey)
			if ok && pub.N.Cmp(s.key.N) == 0 && big.NewInt(int64(pub.E)).Cmp(big.NewInt(int64(s.key.E))) == 0 &&
				(kid == "" || k.KeyID == kid) && (k.Use == "" || k.Use == "sig") {
				published = true
			}
		}
		if !published {
			t.Fatalf("token under kid %q verified with a JWK Set that does not publish the key: %s", kid, jwks)
		}
	})
}

// FuzzDiscovery: a discovery document is used only if it names exactly
// the configured issuer and the endpoints the flow needs; a login started
// from it sends the browser to the authorization endpoint it names, and
// the PKCE verifier never leaves oidcp.
func FuzzDiscovery(f *testing.F) {
	s := newFzSetup(f)
	good := s.site.bodies["/.well-known/openid-configuration"]
	if _, _, err := s.client(f).Start(context.Background(), AuthParams{}); err != nil {
		f.Fatalf("the valid seed is refused: %v", err)
	}
	f.Add(good)
	f.Add(bytes.Replace(good, []byte(`"pushed_authorization_request_endpoint"`), []byte(`"x"`), 1))
	f.Add(bytes.Replace(good, []byte(`"`+fzIssuer+`"`), []byte(`"`+fzIssuer+`/"`), 1))
	f.Add([]byte(`{"issuer":"` + fzIssuer + `","authorization_endpoint":"%zz","token_endpoint":"t","jwks_uri":"j"}`))
	f.Add([]byte(`{"issuer":"` + fzIssuer + `","authorization_endpoint":"https://a.example/authz?x=1#f","pushed_authorization_request_endpoint":":","token_endpoint":"t","jwks_uri":"j"}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"issuer":1}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		s.site.set("/.well-known/openid-configuration", doc)
		c := s.client(t)
		s.site.mu.Lock()
		s.site.sent = nil
		s.site.mu.Unlock()
		md, err := c.metadata(context.Background())
		if err != nil {
			return
		}
		if md.Issuer != fzIssuer || md.AuthorizationEndpoint == "" || md.TokenEndpoint == "" || md.JWKSURI == "" {
			t.Fatalf("accepted discovery %s as %+v", doc, md)
		}
		u, st, err := c.Start(context.Background(), AuthParams{LoginHint: "testid:x"})
		if err != nil {
			return
		}
		got, err := url.Parse(u)
		if err != nil {
			t.Fatalf("Start returned %q, which does not parse: %v", u, err)
		}
		want, err := url.Parse(md.AuthorizationEndpoint)
		if err != nil || got.Scheme != want.Scheme || got.Host != want.Host || got.Path != want.Path {
			t.Fatalf("Start sends the browser to %q, not the authorization endpoint %q", u, md.AuthorizationEndpoint)
		}
		q := got.Query()
		if q.Get("client_id") != fzClientID || (md.PAREndpoint != "" && q.Get("request_uri") == "") {
			t.Fatalf("Start URL %q lacks client_id or request_uri", u)
		}
		s.site.mu.Lock()
		defer s.site.mu.Unlock()
		for _, sent := range append(slices.Clone(s.site.sent), u) {
			if strings.Contains(sent, st.CodeVerifier) {
				t.Fatalf("the PKCE verifier left in %q", sent)
			}
		}
	})
}

// FuzzExchange: an authorization response (the browser's callback query)
// and a token response, both from outside, complete a login only with the
// state Start made, the configured iss, and a valid ID token.
func FuzzExchange(f *testing.F) {
	s := newFzSetup(f)
	tok, _ := json.Marshal(map[string]string{"id_token": s.signClaims(f, nil), "access_token": "at", "token_type": "Bearer"})
	ok := url.Values{"code": {"c"}, "state": {fzState}, "iss": {fzIssuer}}.Encode()
	f.Add(ok, tok)
	f.Add("code=c&state="+fzState, tok)
	f.Add("code=c&state="+fzState+"&iss="+url.QueryEscape(fzIssuer)+"&iss=x", tok)
	f.Add("error=access_denied&state="+fzState+"&iss="+url.QueryEscape(fzIssuer), tok)
	f.Add("code=c&state=other&iss="+url.QueryEscape(fzIssuer), tok)
	f.Add(ok, []byte(`{"id_token":""}`))
	f.Add(ok, []byte(`{"id_token":1}`))
	f.Add(ok, []byte(`{"id_token":"a.b.c"`))
	st := State{State: fzState, Nonce: fzNonce, CodeVerifier: fzVerifier, CreatedAt: fzNow}
	s.site.set("/token", tok)
	if _, err := s.client(f).Exchange(context.Background(), url.Values{"code": {"c"}, "state": {fzState}, "iss": {fzIssuer}}, st); err != nil {
		f.Fatalf("the valid seed is refused: %v", err)
	}
	f.Fuzz(func(t *testing.T, callback string, tokenResponse []byte) {
		q, err := url.ParseQuery(callback)
		if err != nil {
			return
		}
		s.site.set("/token", tokenResponse)
		c := s.client(t)
		id, err := c.Exchange(context.Background(), q, st)
		if err != nil {
			return
		}
		if q.Get("state") != fzState || len(q["iss"]) != 1 || q.Get("iss") != fzIssuer || q.Get("error") != "" || q.Get("code") == "" {
			t.Fatalf("login completed from callback %q", callback)
		}
		checkIdentity(t, id.IDToken, id)
	})
}
