package conformance

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// authz is one authorization request the suite is about to send, with the
// secrets it must remember to check the response.
type authz struct {
	Client      Client
	Endpoint    string
	Method      string // GET (default) or POST
	Params      url.Values
	State       string
	Nonce       string
	Verifier    string
	RedirectURI string
	// StopAt adds URIs at which the browser stops besides the client's
	// registered redirect URIs.
	StopAt []string
}

// callback is the OP's response at the redirect URI (OIDC Core §3.1.2.5,
// §3.1.2.6).
type callback struct {
	URL    *url.URL
	Params url.Values
	Mode   string
}

func (c *callback) get(k string) string { return c.Params.Get(k) }

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newAuthz builds the plan's default request for the primary client:
// response_type=code, scope openid, state and nonce; PKCE only when the
// config asks for it on every request.
func (t *T) newAuthz() *authz { return t.newAuthzFor(t.env.opts.Client.Client) }

func (t *T) newAuthzFor(c Client) *authz {
	d := t.disc()
	cfg := t.env.opts.Client
	a := &authz{
		Client:      c,
		Endpoint:    d.Str("authorization_endpoint"),
		Method:      http.MethodGet,
		State:       randomString(),
		Nonce:       randomString(),
		RedirectURI: c.RedirectURI,
		Params:      url.Values{},
	}
	scope := append([]string{"openid"}, cfg.Scopes...)
	a.Params.Set("response_type", "code")
	a.Params.Set("client_id", c.ClientID)
	a.Params.Set("redirect_uri", c.RedirectURI)
	a.Params.Set("scope", strings.Join(scope, " "))
	a.Params.Set("state", a.State)
	a.Params.Set("nonce", a.Nonce)
	if cfg.AlwaysPKCE {
		a.pkce()
	}
	if h, ok := t.env.opts.Driver.(LoginHinter); ok {
		a.Params.Set("login_hint", h.LoginHint())
	}
	return a
}

// pkce adds an S256 code challenge (RFC 7636 §4.2).
func (a *authz) pkce() {
	a.Verifier = randomString() + randomString()
	sum := sha256.Sum256([]byte(a.Verifier))
	a.Params.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
	a.Params.Set("code_challenge_method", "S256")
}

// scope adds scopes to the request.
func (a *authz) addScope(s ...string) {
	a.Params.Set("scope", strings.Join(append(strings.Fields(a.Params.Get("scope")), s...), " "))
}

// request builds the HTTP request a browser sends to the authorization
// endpoint (OIDC Core §3.1.2.1: GET or POST form).
func (a *authz) request() (*http.Request, error) {
	if a.Method == http.MethodPost {
		r, err := http.NewRequest(http.MethodPost, a.Endpoint, strings.NewReader(a.Params.Encode()))
		if err == nil {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return r, err
	}
	u, err := url.Parse(a.Endpoint)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	for k, v := range a.Params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return http.NewRequest(http.MethodGet, u.String(), nil)
}

// authorize sends a through the login driver in browser b. It returns the
// callback, or the driver's error (a *PageError when the OP showed a page
// it could not get past).
func (t *T) authorize(b *Browser, a *authz) (*callback, error) {
	req, err := a.request()
	if err != nil {
		t.Fatalf("", "build authorization request: %v", err)
	}
	cfg := t.env.opts.Client
	stops := append([]string{cfg.RedirectURI, a.RedirectURI}, a.StopAt...)
	if cfg.RedirectURI2 != "" {
		stops = append(stops, cfg.RedirectURI2)
	}
	b.StopAt(stops...)
	t.Logf("authorization request (%s): %s", a.Method, describeParams(a.Params))
	u, err := t.env.opts.Driver.Login(t.ctx, b, req)
	if err != nil {
		return nil, err
	}
	cb := &callback{URL: u, Mode: b.LastResponseMode}
	cb.Params = u.Query()
	if u.Fragment != "" {
		cb.Params, _ = url.ParseQuery(u.Fragment)
	}
	t.Logf("OP redirected to %s (%s) with %s", stripQuery(u), cb.Mode, describeParams(cb.Params))
	return cb, nil
}

// describeParams lists parameters with secrets elided, for the log.
func describeParams(v url.Values) string {
	var parts []string
	for _, k := range sortedParamKeys(v) {
		val := v.Get(k)
		switch k {
		case "code", "request", "id_token_hint", "access_token", "refresh_token", "code_verifier", "client_secret", "id_token":
			val = "…"
		}
		if len(val) > 80 {
			val = val[:77] + "..."
		}
		parts = append(parts, k+"="+val)
	}
	return strings.Join(parts, " ")
}

func sortedParamKeys(v url.Values) []string {
	m := make(map[string]any, len(v))
	for k := range v {
		m[k] = nil
	}
	return sortedKeys(m)
}

// mustAuthorize is authorize that stops the module on a driver error.
func (t *T) mustAuthorize(b *Browser, a *authz) *callback {
	cb, err := t.authorize(b, a)
	if err != nil {
		t.Fatalf("OIDC-Core-3.1.2.5", "authorization did not come back to the client: %v", err)
	}
	return cb
}

// expectCode checks a successful authorization response (OIDC Core
// §3.1.2.5, RFC 9207 §2) and returns the code; an error response stops the
// module.
func (t *T) expectCode(cb *callback, a *authz) string {
	if e := cb.get("error"); e != "" {
		t.Fatalf("OIDC-Core-3.1.2.5", "authorization failed: error=%s error_description=%q", e, cb.get("error_description"))
	}
	t.checkCallbackCommon(cb, a)
	code := cb.get("code")
	if code == "" {
		t.Fatalf("OIDC-Core-3.1.2.5", "authorization response has no code")
	}
	t.OKf("OIDC-Core-3.1.2.5", "authorization response carries a code")
	return code
}

// checkCallbackCommon checks what every authorization response must
// satisfy, success or error: right redirect URI, state echoed, iss.
func (t *T) checkCallbackCommon(cb *callback, a *authz) {
	want, _ := url.Parse(a.RedirectURI)
	if want != nil && stripQuery(cb.URL) != stripQuery(want) {
		t.Errorf("OIDC-Core-3.1.2.5", "OP redirected to %s, not to the request's redirect_uri %s", stripQuery(cb.URL), stripQuery(want))
	}
	if a.State != "" {
		t.Check(cb.get("state") == a.State, "OIDC-Core-3.1.2.5", "state is returned unchanged")
	}
	iss := cb.get("iss")
	if t.disc().Bool("authorization_response_iss_parameter_supported", false) {
		t.Check(iss == t.env.opts.Issuer, "RFC9207-2", "iss %q in the authorization response equals the issuer", iss)
	} else if iss != "" {
		t.Check(iss == t.env.opts.Issuer, "RFC9207-2.4", "iss %q in the authorization response equals the issuer", iss)
	}
}

// expectAuthzError checks an error response at the redirect URI and
// returns its error code; it stops the module when the OP succeeded or
// did not redirect.
func (t *T) expectAuthzError(cb *callback, err error, a *authz) string {
	var pe *PageError
	if errors.As(err, &pe) {
		t.Fatalf("OIDC-Core-3.1.2.6", "OP showed a page instead of redirecting an error to the client: %v", err)
	}
	if err != nil {
		t.Fatalf("OIDC-Core-3.1.2.6", "authorization did not come back to the client: %v", err)
	}
	e := cb.get("error")
	if e == "" {
		t.Fatalf("OIDC-Core-3.1.2.6", "OP answered with success (code present: %t), want an error", cb.get("code") != "")
	}
	t.checkCallbackCommon(cb, a)
	t.Logf("authorization error=%s error_description=%q", e, cb.get("error_description"))
	return e
}

// disc returns the discovery document, stopping the module when the OP
// has none.
func (t *T) disc() *Discovery {
	d, err := t.env.discovery()
	if err != nil {
		t.Fatalf("OIDC-Discovery-4", "cannot use discovery: %v", err)
	}
	return d
}

// keys returns the OP's JWKS, stopping the module when unavailable.
func (t *T) keys() *keySet {
	ks, err := t.env.keySet()
	if err != nil {
		t.Fatalf("OIDC-Discovery-3", "cannot use jwks_uri: %v", err)
	}
	return ks
}

// require skips the module unless discovery advertises member k.
func (t *T) requireEndpoint(k string) string {
	v := t.disc().Str(k)
	if v == "" {
		t.Skipf("OP does not advertise %s in its discovery document", k)
	}
	return v
}
