package conformance

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	jose "github.com/go-jose/go-jose/v4"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// requestObjectClaims are a request object's claims (OIDC Core §6.1):
// the request's parameters plus iss and aud (RFC 9101 §4).
func (t *T) requestObjectClaims(a *authz) map[string]any {
	claims := map[string]any{"iss": a.Client.ClientID, "aud": t.env.opts.Issuer}
	for k := range a.Params {
		claims[k] = a.Params.Get(k)
	}
	if c := a.Params.Get("claims"); c != "" {
		var v any
		if json.Unmarshal([]byte(c), &v) == nil {
			claims["claims"] = v
		}
	}
	if ma := a.Params.Get("max_age"); ma != "" {
		var n json.Number = json.Number(ma)
		claims["max_age"] = n
	}
	return claims
}

// unsignedRequestObject builds a request object with alg none.
func (t *T) unsignedRequestObject(a *authz) string {
	claims := t.requestObjectClaims(a)
	h, _ := json.Marshal(map[string]string{"alg": "none"})
	p, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p) + "."
}

// hmacRequestObject signs the request object with the client secret
// (OIDC Core §10.1: HS256 keyed with the client_secret octets).
func (t *T) hmacRequestObject(a *authz) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(a.Client.ClientSecret)},
		(&jose.SignerOptions{}).WithType("oauth-authz-req+jwt"))
	if err != nil {
		t.Fatalf("", "request object signer: %v", err)
	}
	p, _ := json.Marshal(t.requestObjectClaims(a))
	sig, err := signer.Sign(p)
	if err != nil {
		t.Fatalf("", "sign request object: %v", err)
	}
	out, err := sig.CompactSerialize()
	if err != nil {
		t.Fatalf("", "serialize request object: %v", err)
	}
	return out
}

// moveToRequestObject moves a's parameters into a request object signed
// with alg (none or HS256) and leaves in the query only response_type, client_id and scope, which
// OIDC Core §6.1 requires there too.
func (t *T) moveToRequestObject(a *authz, alg string, keepRedirect bool) string {
	ro := t.unsignedRequestObject(a)
	if alg == "HS256" {
		ro = t.hmacRequestObject(a)
	}
	q := url.Values{}
	for _, k := range []string{"response_type", "client_id", "scope"} {
		q.Set(k, a.Params.Get(k))
	}
	if keepRedirect {
		q.Set("redirect_uri", a.Params.Get("redirect_uri"))
	}
	a.Params = q
	return ro
}

// requestObjectOutcome judges an authorization whose parameters were in a
// request object: success (checked through the token endpoint) or refusal
// with notSupported; a refusal is wrong when supported says the OP
// advertises support.
func (t *T) requestObjectOutcome(b *Browser, a *authz, state, nonce string, supported bool, notSupported string) {
	a.State, a.Nonce = state, nonce
	cb, err := t.authorize(b, a)
	var pe *PageError
	if errors.As(err, &pe) {
		t.Reviewf("OP showed a page instead of redirecting: %v", pe)
		return
	}
	if err != nil {
		t.Fatalf("", "authorization: %v", err)
	}
	if e := cb.get("error"); e != "" {
		// The state was inside the request object: an OP that does not
		// read it cannot echo it.
		if cb.get("state") == "" {
			a.State = ""
		}
		t.checkCallbackCommon(cb, a)
		unsignedRefused := !t.disc().Supports("request_object_signing_alg_values_supported", "none")
		switch {
		case e == notSupported && !supported:
			t.OKf("OIDC-Core-6", "OP refused with %s and does not advertise support", e)
		case e == "invalid_request_object" && unsignedRefused:
			// The OP takes request objects but not unsigned ones, and says
			// so in its metadata: a rejection as unsupported.
			t.OKf("OIDC-Core-6.1", "OP refused the unsigned request object with %s (%q); none is not in request_object_signing_alg_values_supported", e, cb.get("error_description"))
		case e == notSupported:
			t.Errorf("OIDC-Discovery-3", "OP refused with %s although its discovery document advertises support", e)
		default:
			t.Errorf("OIDC-Core-6", "OP refused with error=%s (%q), want success or %s", e, cb.get("error_description"), notSupported)
		}
		return
	}
	code := t.expectCode(cb, a)
	tok := t.redeem(a, code)
	t.checkTokenSuccess(tok, true)
	a.Params.Set("nonce", nonce)
	t.checkIDTokenOf(a, tok)
	t.OKf("OIDC-Core-6", "request object was honoured: state and nonce from it came back")
}

func runRequestObjectUnsigned(t *T) {
	a := t.newAuthz()
	state, nonce := a.State, a.Nonce
	a.Params.Set("request", t.moveToRequestObject(a, "none", true))
	t.requestObjectOutcome(t.env.newBrowser(), a, state, nonce,
		t.disc().Bool("request_parameter_supported", false), "request_not_supported")
}

func runRequestURIUnsigned(t *T) {
	a := t.newAuthz()
	state, nonce := a.State, a.Nonce
	ro := t.moveToRequestObject(a, "none", true)
	uri := t.hostRequestObject(ro)
	a.Params.Set("request_uri", uri)
	// Discovery §3: request_uri_parameter_supported defaults to true.
	t.requestObjectOutcome(t.env.newBrowser(), a, state, nonce,
		t.disc().Bool("request_uri_parameter_supported", true), "request_uri_not_supported")
}

// hostRequestObject serves ro on a loopback listener for the module's
// lifetime and returns its URL. Only an OP on this machine can fetch it.
func (t *T) hostRequestObject(ro string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("", "listen for request_uri: %v", err)
	}
	path := "/request/" + randomString()
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/oauth-authz-req+jwt")
		_, _ = w.Write([]byte(ro))
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	u := "http://" + ln.Addr().String() + path
	t.Logf("request object hosted at %s", u)
	return u
}

func runRequestObjectRedirectURI(t *T) {
	if !t.disc().Bool("request_parameter_supported", false) {
		t.Skipf("OP does not advertise request_parameter_supported")
	}
	d := t.disc()
	alg := "none"
	if !d.Supports("request_object_signing_alg_values_supported", "none") {
		if !d.Supports("request_object_signing_alg_values_supported", "HS256") || t.env.opts.Client.ClientSecret == "" {
			t.Skipf("OP takes neither unsigned nor HS256 request objects (request_object_signing_alg_values_supported %v)",
				d.Strs("request_object_signing_alg_values_supported"))
		}
		alg = "HS256"
	}
	a := t.newAuthz()
	state, nonce := a.State, a.Nonce
	a.Params.Set("request", t.moveToRequestObject(a, alg, false))
	t.Logf("request object (%s) carries redirect_uri; the query does not", alg)
	t.requestObjectOutcome(t.env.newBrowser(), a, state, nonce, true, "request_not_supported")
}

// runClaimsEssential asks for name as an essential userinfo claim. As in
// the OIDF module, the flow must succeed whether or not the OP supports the
// claims parameter (one that does not ignores it, OIDC Core §5.5); a
// missing name, or a name in the ID token, is a warning.
func runClaimsEssential(t *T) {
	if !t.disc().Bool("claims_parameter_supported", false) {
		t.Logf("OP does not advertise claims_parameter_supported; it must still ignore the parameter and succeed")
	}
	a := t.newAuthz()
	a.Params.Set("claims", `{"userinfo":{"name":{"essential":true}}}`)
	f := t.codeFlow(t.env.newBrowser(), a)
	ui := t.checkUserinfo(t.userinfo("get", f.Token.str("access_token")), f.ID)
	if _, ok := ui["name"]; ok {
		t.OKf("OIDC-Core-5.5", "userinfo returned the essential claim name")
	} else {
		t.Warnf("OIDC-Core-5.5.1", "userinfo did not return the essential claim name")
	}
	if _, ok := f.ID.Claims["name"]; ok {
		t.Warnf("OIDC-Core-5.5", "the ID token carries name, which was asked for in userinfo only")
	}
}

// offlineAuthz asks for a refresh token: offline_access with
// prompt=consent (OIDC Core §11) when the OP lists the scope.
func (t *T) offlineAuthz() *authz {
	d := t.disc()
	if d.Has("grant_types_supported") && !d.Supports("grant_types_supported", "refresh_token") {
		t.Skipf("OP does not list refresh_token in grant_types_supported")
	}
	a := t.newAuthz()
	if !d.Has("scopes_supported") || d.Supports("scopes_supported", "offline_access") {
		a.addScope("offline_access")
		a.Params.Set("prompt", "consent")
	}
	return a
}

func (t *T) refresh(c Client, rt string) *httpResult {
	return t.token(c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
}

// compareRefreshedIDToken checks a refreshed ID token against the original
// (OIDC Core §12.2), as the OIDF suite's CompareIdTokenClaims does.
func compareRefreshedIDToken(t *T, first, second *jwt) {
	const ref = "OIDC-Core-12.2"
	t.Check(second.str("iss") == first.str("iss"), ref, "refreshed ID token has the same iss")
	t.Check(second.str("sub") == first.str("sub"), ref, "refreshed ID token has the same sub")
	t.Check(slices.Equal(sortedStrings(second.aud()), sortedStrings(first.aud())), ref, "refreshed ID token has the same aud")
	iat1, _ := first.time("iat")
	iat2, _ := second.time("iat")
	t.Check(!iat2.Equal(iat1), ref, "refreshed ID token's iat is the time it was issued, not the original's")
	if at2, ok := authTime(second); ok {
		at1, ok1 := authTime(first)
		t.Check(ok1 && at2.Equal(at1), ref, "refreshed ID token's auth_time is the original authentication's")
	}
	if second.str("azp") != first.str("azp") {
		t.Errorf(ref, "refreshed ID token's azp %q differs from the original's %q", second.str("azp"), first.str("azp"))
	}
}

func sortedStrings(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func runRefreshToken(t *T) {
	a := t.offlineAuthz()
	f := t.codeFlow(t.env.newBrowser(), a)
	rt := f.Token.str("refresh_token")
	if rt == "" {
		t.Skipf("OP issued no refresh token")
	}
	// As the OIDF module does: wait a second so that a new ID token's iat
	// must differ from the original's.
	t.Sleep(time.Second)
	r := t.refresh(a.Client, rt)
	t.checkTokenSuccess(r, false)
	if raw := r.str("id_token"); raw != "" {
		j := checkIDToken(t, raw, t.keys(), idTokenExpect{Issuer: t.env.opts.Issuer, ClientID: a.Client.ClientID,
			Alg: t.env.opts.Client.IDTokenSignedResponseAlg, Nonce: f.ID.str("nonce"), Refreshed: true,
			AccessToken: r.str("access_token"), Now: t.env.opts.Now()})
		if j != nil {
			compareRefreshedIDToken(t, f.ID, j)
		}
	} else {
		t.Logf("the refresh response has no id_token (allowed, OIDC Core §12.2)")
	}
	t.checkUserinfo(t.userinfo("get", r.str("access_token")), f.ID)
	cfg := t.env.opts.Client
	other := cfg.PostClient
	if other == nil {
		other = cfg.StrictClient
	}
	if other != nil && other.ClientID != a.Client.ClientID {
		next := r.str("refresh_token")
		if next == "" {
			next = rt
		}
		x := t.refresh(*other, next)
		t.checkTokenError(x, "RFC6749-6", "invalid_grant", "invalid_client", "unauthorized_client")
	}
}
