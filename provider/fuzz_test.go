package provider

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	josev4 "github.com/go-jose/go-jose/v4"
	"github.com/ory/fosite"
	"github.com/ory/fosite/token/jwt"
)

var formAction = regexp.MustCompile(`<form method="post" action="([^"]*)">`)

// FuzzAuthorize: any authorization request, by GET query or POST form,
// is answered without a 5xx, and the browser is sent only to the eID (for
// a request that meets the client's policy) or to a URI the client
// registered, with the error, iss and state; never anywhere else.
func FuzzAuthorize(f *testing.F) {
	e := newFzEnv(f)
	good := url.Values{
		"client_id": {fzWeb}, "redirect_uri": {fzWebRedirect}, "response_type": {"code"},
		"scope": {"openid profile"}, "state": {"state-0123456789"}, "nonce": {"nonce-0123456789"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
	}
	with := func(kv ...string) string {
		q := url.Values{}
		for k, v := range good {
			q[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				q.Del(kv[i])
			} else {
				q.Set(kv[i], kv[i+1])
			}
		}
		return q.Encode()
	}
	if w := e.serve(http.MethodGet, "/main/authorize", good.Encode(), "", nil); !strings.HasPrefix(w.Header().Get("Location"), fzUpstreamAuth) {
		f.Fatalf("the valid seed does not reach the eID: %d %q", w.Code, w.Header().Get("Location"))
	}
	for _, q := range []string{
		good.Encode(),
		with("response_mode", "form_post", "prompt", "none"),
		with("prompt", "none login"),
		with("max_age", "-5"),
		with("max_age", "99999999999999999999"),
		with("acr_values", "idporten-loa-high"),
		with("ui_locales", "nn en", "prompt", "none"),
		with("redirect_uri", "https://evil.example/cb"),
		with("redirect_uri", ""),
		with("client_id", fzNative, "redirect_uri", fzNativeRedir),
		with("request", "eyJhbGciOiJub25lIn0.e30."),
		with("request_uri", "https://evil.example/ro"),
		with("request_uri", "urn:ietf:params:oauth:request_uri:nope"),
		with("code_challenge_method", "plain"),
		with("state", "short"),
		with("response_type", "token id_token"),
		with("scope", "openid unknown"),
		"client_id=nobody&redirect_uri=https%3A%2F%2Fevil.example%2F",
		"%gg",
		"",
	} {
		f.Add(q, false)
		f.Add(q, true)
	}
	f.Fuzz(func(t *testing.T, query string, post bool) {
		var w *httptest.ResponseRecorder
		var form url.Values
		if post {
			w = e.serve(http.MethodPost, "/main/authorize", "", query, nil)
		} else {
			w = e.serve(http.MethodGet, "/main/authorize", query, "", nil)
		}
		form, _ = url.ParseQuery(query)
		if w.Code >= 500 {
			t.Fatalf("%q: status %d: %s", query, w.Code, w.Body)
		}
		target, added := w.Header().Get("Location"), url.Values(nil)
		if m := formAction.FindStringSubmatch(w.Body.String()); w.Code == http.StatusOK && m != nil {
			target = html.UnescapeString(m[1])
			added = url.Values{}
			for _, in := range regexp.MustCompile(`name="([^"]*)" value="([^"]*)"`).FindAllStringSubmatch(w.Body.String(), -1) {
				added.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
			}
		}
		if target == "" {
			return
		}
		if strings.HasPrefix(target, fzUpstreamAuth+"?") {
			// Off to the eID: only for a request that meets the policy
			// of the confidential client (the public one needs PAR).
			switch {
			case form.Get("client_id") != fzWeb:
				t.Fatalf("%q: login started for client %q", query, form.Get("client_id"))
			case !printableState(form.Get("state")) || form.Get("nonce") == "" || form.Get("code_challenge") == "" || form.Get("code_challenge_method") != "S256":
				t.Fatalf("%q: login started without state, nonce or PKCE S256", query)
			case strings.Contains(form.Get("prompt"), "none"):
				t.Fatalf("%q: login started with prompt=none", query)
			}
			return
		}
		q, ok := e.registeredTarget(target, false)
		if !ok {
			t.Fatalf("%q: browser sent to %q, which no client registered", query, target)
		}
		if added != nil {
			q = added
		}
		if q.Get("error") == "" || q.Get("code") != "" || q.Get("iss") != fzIssuer {
			t.Fatalf("%q: redirect to %q without error and iss, or with a code", query, target)
		}
		// The state comes back exactly, unless it is not printable
		// ASCII, which is refused and not echoed.
		if st := form.Get("state"); q.Get("state") != st && (printableState(st) || q.Has("state")) {
			t.Fatalf("%q: redirect carries state %q, request had %q", query, q.Get("state"), st)
		}
	})
}

// FuzzUnmarshalRequest: a stored request record either fails to load or
// loads into a request with a registered client that stores back to
// itself (unmarshal, marshal, unmarshal, marshal gives the same bytes).
func FuzzUnmarshalRequest(f *testing.F) {
	e := newFzEnv(f)
	ctx := context.Background()
	ar := fosite.NewAuthorizeRequest()
	ar.ID = "req-1"
	ar.RequestedAt = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	ar.Client = &fositeClient{c: e.clients[fzWeb]}
	ar.RequestedScope = fosite.Arguments{"openid", "profile"}
	ar.GrantedScope = fosite.Arguments{"openid"}
	ar.Form = url.Values{"nonce": {"n"}, "ui_locales": {"nn"}}
	ar.State = "state-0123456789"
	ar.RedirectURI, _ = url.Parse(fzWebRedirect)
	ar.ResponseTypes = fosite.Arguments{"code"}
	sess := NewSession(fzTenant)
	sess.PID = "01818000010"
	sess.Claims.Subject = "sub"
	sess.Claims.Extra["acr"] = "idporten-loa-high"
	ar.Session = sess
	data, err := marshalRequest(ar)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := e.t.fstore.unmarshalRequest(ctx, data, nil); err != nil {
		f.Fatalf("the valid seed does not load: %v", err)
	}
	f.Add(data)
	f.Add([]byte(`{"client_id":"native","lang":"nn-NO","session":null}`))
	f.Add([]byte(`{"client_id":"web","redirect_uri":"%zz","form":{"a":null},"session":{"id_token_claims":{"ext":{"x":[1,{}]}}}}`))
	f.Add([]byte(`{"client_id":"nobody"}`))
	f.Add([]byte(`{"client_id":"web","session":"x"}`))
	f.Add([]byte(`{"client_id":"web","requested_at":"0000-01-01T00:00:00Z","lang":"und-u-ca-x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ar, err := e.t.fstore.unmarshalRequest(ctx, data, nil)
		if err != nil {
			return
		}
		id := ar.GetClient().GetID()
		if _, ok := e.clients[id]; !ok {
			t.Fatalf("loaded a request for unknown client %q", id)
		}
		m1, err := marshalRequest(ar)
		if err != nil {
			t.Fatalf("a loaded request does not store: %v", err)
		}
		ar2, err := e.t.fstore.unmarshalRequest(ctx, m1, nil)
		if err != nil {
			t.Fatalf("a stored request %s does not load: %v", m1, err)
		}
		m2, err := marshalRequest(ar2)
		if err != nil || string(m1) != string(m2) {
			t.Fatalf("store(load(x)) is not stable:\n%s\n%s\n%v", m1, m2, err)
		}
	})
}

// FuzzUncompactRequest: the compact form of a sealed request either
// fails to decode or decodes, without a panic, a hang or an allocation
// beyond its input's size, into a request of a registered client that
// stores like any other.
func FuzzUncompactRequest(f *testing.F) {
	e := newFzEnv(f)
	ctx := context.Background()
	r := fosite.NewRequest()
	r.ID, r.RequestedAt = "sealed-1-x", time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	r.Client = &fositeClient{c: e.clients[fzWeb]}
	r.GrantedScope = fosite.Arguments{"openid"}
	r.Form = url.Values{"grant_type": {"client_credentials"}}
	sess := NewSession(fzTenant)
	sess.Claims.Issuer, sess.Subject = "https://oidcp.example/main", fzWeb
	sess.SetExpiresAt(fosite.AccessToken, r.RequestedAt.Add(time.Hour))
	r.Session = sess
	data, ok := compactRequest(r)
	if !ok {
		f.Fatal("the seed request is not compacted")
	}
	if _, err := e.t.fstore.uncompactRequest(ctx, r.ID, data, nil); err != nil {
		f.Fatalf("the valid seed does not decode: %v", err)
	}
	f.Add(data)
	f.Add([]byte{})
	f.Add([]byte{0x02, 0x03, 'w', 'e', 'b', 0xff, 0xff, 0xff, 0xff, 0x0f})
	// An expiry count far beyond the input (the decoder once sized its map
	// and looped by it).
	sess.ExpiresAt = map[fosite.TokenType]time.Time{}
	bare, ok := compactRequest(r)
	if !ok || bare[len(bare)-1] != 0 {
		f.Fatal("the bare seed does not end in an empty expiry count")
	}
	f.Add(append(bare[:len(bare)-1:len(bare)-1], 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01))
	f.Fuzz(func(t *testing.T, data []byte) {
		ar, err := e.t.fstore.uncompactRequest(ctx, "sealed-1-x", data, nil)
		if err != nil {
			return
		}
		if _, ok := e.clients[ar.GetClient().GetID()]; !ok {
			t.Fatalf("decoded a request for unknown client %q", ar.GetClient().GetID())
		}
		if _, err := marshalRequest(ar); err != nil {
			t.Fatalf("a decoded request does not store: %v", err)
		}
	})
}

// tamperJWS flips bit pos of the decoded signature of a compact JWS.
func tamperJWS(raw string, pos uint16) (string, bool) {
	i := strings.LastIndexByte(raw, '.')
	if i < 0 {
		return "", false
	}
	sig, err := base64.RawURLEncoding.DecodeString(raw[i+1:])
	if err != nil || len(sig) == 0 {
		return "", false
	}
	bit := int(pos) % (len(sig) * 8)
	sig[bit/8] ^= 1 << (bit % 8)
	return raw[:i+1] + base64.RawURLEncoding.EncodeToString(sig), true
}

// FuzzIDTokenHint: an id_token_hint decodes only when the provider's key
// signed it with the alg that key is published for, and not after any bit
// of its signature changes; at the logout endpoint any hint, client_id and
// post_logout_redirect_uri are answered without a 5xx, and the browser is
// redirected only to a post-logout URI the client registered.
func FuzzIDTokenHint(f *testing.F) {
	e := newFzEnv(f)
	ctx := context.Background()
	sign := func(alg string, claims jwt.MapClaims) string {
		raw, err := signJWT(e.opKey, fzKID, alg, claims, nil)
		if err != nil {
			f.Fatal(err)
		}
		return raw
	}
	now := time.Now()
	valid := sign("RS256", jwt.MapClaims{"iss": fzIssuer, "aud": fzWeb, "sub": "s", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()})
	if _, err := e.t.signer.Decode(ctx, valid); err != nil {
		f.Fatalf("the valid seed does not decode: %v", err)
	}
	for _, h := range []string{
		valid,
		sign("RS256", jwt.MapClaims{"iss": fzIssuer, "aud": []string{fzWeb, fzNative}, "exp": now.Add(-time.Hour).Unix()}),
		sign("RS256", jwt.MapClaims{"iss": "https://other.example", "aud": fzWeb, "exp": now.Add(time.Hour).Unix()}),
		sign("RS256", jwt.MapClaims{"iss": fzIssuer, "aud": 7, "exp": "soon", "nbf": now.Add(time.Hour).Unix()}),
		sign("PS256", jwt.MapClaims{"iss": fzIssuer, "aud": fzWeb}),
		"eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL29wLmV4YW1wbGUvbWFpbiJ9.",
		"a.b.c", "", "....",
	} {
		f.Add(h, "", fzWebLogout, uint16(0))
		f.Add(h, fzWeb, fzWebLogout, uint16(9))
		f.Add(h, fzNative, "https://evil.example/", uint16(1000))
	}
	f.Fuzz(func(t *testing.T, hint, clientID, redirect string, pos uint16) {
		tok, err := e.t.signer.Decode(ctx, hint)
		var ve *jwt.ValidationError
		if err != nil && asValidationError(err, &ve) && ve.Has(jwt.ValidationErrorExpired) && tok == nil {
			// The logout endpoint reads an expired hint's claims.
			t.Fatalf("%q: expired without a token", hint)
		}
		if err == nil || (ve != nil && ve.Errors == jwt.ValidationErrorExpired) {
			tampered, ok := tamperJWS(hint, pos)
			if !ok {
				t.Fatalf("%q decodes without a signature", hint)
			}
			if _, err := e.t.signer.Decode(ctx, tampered); err == nil || (asValidationError(err, &ve) && ve.Errors == jwt.ValidationErrorExpired) {
				t.Fatalf("%q decodes with its signature altered: %v", tampered, err)
			}
		}
		q := url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {redirect}, "state": {"st"}}
		if clientID != "" {
			q.Set("client_id", clientID)
		}
		w := e.serve(http.MethodGet, "/main/logout", q.Encode(), "", nil)
		if w.Code >= 500 {
			t.Fatalf("hint %q, client %q, redirect %q: status %d: %s", hint, clientID, redirect, w.Code, w.Body)
		}
		if loc := w.Header().Get("Location"); loc != "" {
			if _, ok := e.registeredTarget(loc, true); !ok || !strings.HasPrefix(loc, redirect) {
				t.Fatalf("hint %q, client %q, redirect %q: sent to %q", hint, clientID, redirect, loc)
			}
		}
	})
}

// FuzzClientAssertion: at the token endpoint, a client assertion either
// fails client authentication with invalid_client (RFC 6749 §5.2, never a
// 5xx) or is one the client's registered key really signed, for the
// client, expiring within the hour.
func FuzzClientAssertion(f *testing.F) {
	e := newFzEnv(f)
	assert := func(alg josev4.SignatureAlgorithm, claims map[string]any) string { return e.assertion(f, alg, claims) }
	now := time.Now()
	claims := func(jti string, exp time.Time) map[string]any {
		return map[string]any{"iss": fzWeb, "sub": fzWeb, "aud": fzIssuer + "/token", "jti": jti, "exp": exp.Unix(), "iat": now.Unix()}
	}
	valid := assert(josev4.RS256, claims("seed-check", now.Add(time.Minute)))
	if w := e.token(valid, ""); w.Code != http.StatusOK {
		f.Fatalf("the valid seed is refused: %d %s", w.Code, w.Body)
	}
	for _, a := range []string{
		assert(josev4.RS256, claims("jti-1", now.Add(time.Minute))),
		assert(josev4.RS256, claims("jti-2", now.Add(3*time.Hour))),
		assert(josev4.RS256, claims("jti-3", now.Add(-time.Minute))),
		assert(josev4.RS256, claims("jti-5", time.Unix(0, 0))), // fosite reads exp 0 as no exp
		assert(josev4.PS256, claims("jti-4", now.Add(time.Minute))),
		assert(josev4.RS256, map[string]any{"iss": fzNative, "sub": fzNative, "aud": fzIssuer, "jti": "j", "exp": "x"}),
		assert(josev4.RS256, map[string]any{"iss": fzWeb, "sub": fzWeb, "aud": []string{"x", fzIssuer + "/par"}, "exp": 1e300}),
		"eyJhbGciOiJub25lIn0.eyJpc3MiOiJ3ZWIiLCJzdWIiOiJ3ZWIifQ.",
		"a.b.c", "", "x",
	} {
		f.Add(a, "")
		f.Add(a, fzWeb)
	}
	f.Fuzz(func(t *testing.T, assertion, clientID string) {
		start := time.Now()
		w := e.token(assertion, clientID)
		if w.Code == http.StatusUnauthorized {
			var body struct{ Error string }
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error != "invalid_client" {
				t.Fatalf("%q: 401 with %s, want invalid_client", assertion, w.Body)
			}
			return
		}
		if w.Code >= 500 {
			t.Fatalf("%q: status %d: %s", assertion, w.Code, w.Body)
		}
		if assertion == "" {
			// client_assertion_type without an assertion is a malformed
			// request (invalid_request) or no authentication at all.
			if w.Code == http.StatusOK {
				t.Fatalf("an empty assertion authenticated: %s", w.Body)
			}
			return
		}
		// Anything else means the client authenticated.
		jws, err := josev4.ParseSigned(assertion, []josev4.SignatureAlgorithm{josev4.RS256, josev4.PS256})
		if err != nil {
			t.Fatalf("%q authenticated (%d %s) but is no signed JWT: %v", assertion, w.Code, w.Body, err)
		}
		payload, err := jws.Verify(&e.clientKey.PublicKey)
		if err != nil {
			t.Fatalf("%q authenticated (%d) without the client's signature: %v", assertion, w.Code, err)
		}
		// Read as fosite does, from a map with exact names.
		var c map[string]any
		if err := json.Unmarshal(payload, &c); err != nil {
			t.Fatalf("%q authenticated with claims %s", assertion, payload)
		}
		exp, _ := c["exp"].(float64)
		if c["iss"] != fzWeb || c["sub"] != fzWeb || exp < float64(start.Unix()) ||
			time.Unix(int64(exp), 0).After(time.Now().Add(maxAssertionLifetime+time.Minute)) {
			t.Fatalf("%q authenticated with claims %s", assertion, payload)
		}
	})
}

// assertion signs claims with the web client's key, as a client
// assertion.
func (e *fzEnv) assertion(t testing.TB, alg josev4.SignatureAlgorithm, claims map[string]any) string {
	t.Helper()
	s, err := josev4.NewSigner(josev4.SigningKey{Algorithm: alg, Key: josev4.JSONWebKey{Key: e.clientKey, KeyID: "c1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := jws.CompactSerialize()
	return raw
}

// token posts a client_credentials request authenticated by assertion.
func (e *fzEnv) token(assertion, clientID string) *httptest.ResponseRecorder {
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {"api"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
	}
	if clientID != "" {
		form.Set("client_id", clientID)
	}
	return e.serve(http.MethodPost, "/main/token", "", form.Encode(), nil)
}

// FuzzCheckAssertionLifetime: an assertion passes only with a numeric exp
// at most maxAssertionLifetime away; every refusal is invalid_client.
func FuzzCheckAssertionLifetime(f *testing.F) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, p := range []string{
		`{"exp":1740830460}`, `{"exp":1740834000}`, `{"exp":1740834001}`, `{"exp":1.7e9}`,
		`{"exp":"1740830460"}`, `{"exp":null}`, `{}`, `[]`, `{"exp":99999999999999999999}`, `{"exp":-9223372036854775808}`,
		// fosite reads "exp" only; a case variant must not stand in for it.
		`{"exp":99999999999,"EXP":1740830460}`, `{"Exp":1740830460}`,
		// fosite reads exp 0 as "no exp" and would keep the jti for no time.
		`{"exp":0}`, `{"exp":-0}`, `{"exp":1740830400}`,
	} {
		f.Add("e30." + enc(p) + ".c2ln")
	}
	f.Add("a.b")
	f.Add("a.!!.c")
	f.Fuzz(func(t *testing.T, assertion string) {
		err := checkAssertionLifetime(assertion, now)
		if err != nil {
			if !errors.Is(err, fosite.ErrInvalidClient) {
				t.Fatalf("%q: %v, want invalid_client", assertion, err)
			}
			return
		}
		parts := strings.Split(assertion, ".")
		if len(parts) != 3 {
			t.Fatalf("%q accepted with %d parts", assertion, len(parts))
		}
		raw, err := base64.RawURLEncoding.DecodeString(parts[1])
		// Read as fosite does: into a map, where member names are exact.
		var c map[string]any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err != nil || d.Decode(&c) != nil {
			t.Fatalf("%q accepted with an unreadable payload", assertion)
		}
		n, _ := c["exp"].(json.Number)
		exp, err := n.Int64()
		if err != nil || !time.Unix(exp, 0).After(now) || time.Unix(exp, 0).After(now.Add(maxAssertionLifetime)) {
			t.Fatalf("%q accepted with exp %v", assertion, c["exp"])
		}
	})
}

// FuzzRequestObject: whatever form an authorization or pushed request
// carries, a request object is always refused (request_not_supported) and
// removed before the rest is validated; a foreign request_uri is refused
// where only PAR's are allowed; nothing else is.
func FuzzRequestObject(f *testing.F) {
	const prefix = "urn:ietf:params:oauth:request_uri:"
	for _, s := range []string{
		"request=eyJhbGciOiJub25lIn0.e30.&client_id=web",
		"request_uri=https%3A%2F%2Fevil.example%2Fro",
		"request_uri=" + url.QueryEscape(prefix+"abc"),
		"request=&request_uri=",
		"request=x&request=&request_uri=y",
		"%zz=1&request=x",
		"client_id=web&state=s",
	} {
		f.Add(s, "", false)
		f.Add(s, "request=q", true)
	}
	f.Fuzz(func(t *testing.T, body, query string, allowRequestURI bool) {
		r := httptest.NewRequest(http.MethodPost, "/main/authorize", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.URL.RawQuery = query
		refusal := requestObjectRefusal(r, prefix, allowRequestURI)
		if r.Form == nil {
			// The body did not parse: left to fosite.
			if refusal != nil {
				t.Fatalf("%q: refused (%v) without parsing", body, refusal)
			}
			return
		}
		want := ""
		// What the request carried, read independently of r.Form, which
		// requestObjectRefusal edits.
		all := url.Values{}
		for _, s := range []string{query, body} {
			v, _ := url.ParseQuery(s)
			for k, vs := range v {
				all[k] = append(all[k], vs...)
			}
		}
		bq, _ := url.ParseQuery(body)
		first := func(k string) string {
			if v := bq[k]; len(v) > 0 {
				return v[0]
			}
			qq, _ := url.ParseQuery(query)
			if v := qq[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		switch uri := first("request_uri"); {
		case first("request") != "":
			want = fosite.ErrRequestNotSupported.ErrorField
		case !allowRequestURI && uri != "" && !strings.HasPrefix(uri, prefix):
			want = fosite.ErrRequestURINotSupported.ErrorField
		}
		got := ""
		if refusal != nil {
			got = refusal.ErrorField
		}
		if got != want {
			t.Fatalf("body %q query %q (PAR's request_uri only: %v): refusal %q, want %q", body, query, !allowRequestURI, got, want)
		}
		if refusal != nil {
			if _, ok := r.Form["request"]; ok {
				t.Fatalf("%q: request left in the form after refusal", body)
			}
			if _, ok := r.Form["request_uri"]; ok && !allowRequestURI {
				t.Fatalf("%q: request_uri left in the form after refusal", body)
			}
		}
	})
}

// FuzzClientJWKS: a client's registered JWK Set, however malformed, is
// read without a panic; keys without "use" become signing keys, other
// keys keep theirs, and an RSA signing key without alg means RS256.
func FuzzClientJWKS(f *testing.F) {
	e := newFzEnv(f)
	b, _ := json.Marshal(josev4.JSONWebKeySet{Keys: []josev4.JSONWebKey{{Key: e.clientKey.Public(), KeyID: "c1"}}})
	f.Add(b)
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","use":"enc"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0","alg":"HS256"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"","e":""}]}`))
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`null`))
	f.Add(bytes.Replace(b, []byte(`"keys"`), []byte(`"keYs"`), 1)) // no key set: names are exact
	f.Fuzz(func(t *testing.T, jwks []byte) {
		fc := &fositeClient{c: e.clients[fzWeb]}
		fc.c.JWKS = jwks
		alg := fc.GetTokenEndpointAuthSigningAlgorithm()
		set := fc.GetJSONWebKeys()
		if set == nil {
			if alg != "RS256" {
				t.Fatalf("%s: no keys but alg %q", jwks, alg)
			}
			return
		}
		// Read back with exact member names, as go-jose reads a JWK Set:
		// "keYs" is not "keys".
		var top map[string]json.RawMessage
		var keys []map[string]any
		err := json.Unmarshal(jwks, &top)
		if k, ok := top["keys"]; ok && err == nil {
			err = json.Unmarshal(k, &keys)
		}
		if err != nil || len(keys) != len(set.Keys) {
			t.Fatalf("%s: read %d keys from a set that does not parse as %d: %v", jwks, len(set.Keys), len(keys), err)
		}
		for i, k := range set.Keys {
			if use, _ := keys[i]["use"].(string); k.Use != use && (use != "" || k.Use != "sig") {
				t.Fatalf("%s: key %d use %q, registered %q", jwks, i, k.Use, use)
			}
		}
		if len(set.Keys) == 1 && set.Keys[0].Use == "sig" && set.Keys[0].Algorithm == "" {
			first := set.Keys[0]
			if _, ok := first.Key.(*rsa.PublicKey); ok && alg != "RS256" {
				t.Fatalf("%s: RSA key without alg gives %q", jwks, alg)
			}
		}
	})
}
