package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// httpResult is an HTTP response read whole.
type httpResult struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

func (r *httpResult) str(k string) string { s, _ := r.JSON[k].(string); return s }

// errCode is the OAuth error code of an error response (RFC 6749 §5.2).
func (r *httpResult) errCode() string { return r.str("error") }

func (r *httpResult) String() string {
	if e := r.errCode(); e != "" {
		return fmt.Sprintf("HTTP %d error=%s error_description=%q", r.Status, e, r.str("error_description"))
	}
	return fmt.Sprintf("HTTP %d", r.Status)
}

// postForm sends a form POST to endpoint, authenticating as c with its
// token endpoint auth method when c has a client_id (RFC 6749 §2.3.1).
func (t *T) postForm(endpoint string, c *Client, form url.Values) *httpResult {
	return t.postFormWith(endpoint, c, form, nil)
}

// postFormWith is postForm with extra request headers (a DPoP proof).
func (t *T) postFormWith(endpoint string, c *Client, form url.Values, extra http.Header) *httpResult {
	form = cloneValues(form)
	var user, pass string
	if c != nil {
		switch c.authMethod() {
		case "client_secret_post":
			form.Set("client_id", c.ClientID)
			form.Set("client_secret", c.ClientSecret)
		case "private_key_jwt":
			form.Set("client_id", c.ClientID)
			form.Set("client_assertion_type", clientAssertionType)
			form.Set("client_assertion", t.clientAssertion(*c, t.disc().Str("issuer"), 60*time.Second))
		default:
			user, pass = url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret)
		}
	}
	req, err := http.NewRequestWithContext(t.ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatalf("", "build request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	for k, vs := range extra {
		req.Header[k] = vs
	}
	return t.do(req)
}

// do sends req with the back-channel client and reads the answer.
func (t *T) do(req *http.Request) *httpResult {
	resp, err := t.env.api.Do(req)
	if err != nil {
		t.Fatalf("", "%s %s: %v", req.Method, stripQuery(req.URL), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("", "%s %s: read body: %v", req.Method, stripQuery(req.URL), err)
	}
	r := &httpResult{Status: resp.StatusCode, Header: resp.Header, Body: body}
	_ = json.Unmarshal(body, &r.JSON)
	return r
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = append([]string(nil), x...)
	}
	return out
}

// token calls the token endpoint as client c.
func (t *T) token(c Client, form url.Values) *httpResult {
	r := t.postForm(t.disc().Str("token_endpoint"), &c, form)
	t.Logf("token request grant_type=%s (%s) -> %s", form.Get("grant_type"), c.authMethod(), r)
	return r
}

// redeem exchanges code (RFC 6749 §4.1.3).
func (t *T) redeem(a *authz, code string) *httpResult {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {a.RedirectURI}}
	if a.Verifier != "" {
		form.Set("code_verifier", a.Verifier)
	}
	return t.token(a.Client, form)
}

// checkTokenSuccess checks a successful token response (RFC 6749 §5.1,
// OIDC Core §3.1.3.3) and stops the module when it is an error.
func (t *T) checkTokenSuccess(r *httpResult, wantIDToken bool) {
	if r.Status != http.StatusOK {
		t.Fatalf("RFC6749-5.1", "token endpoint answered %s, want 200", r)
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	t.Check(mt == "application/json", "RFC6749-5.1", "token response Content-Type is application/json (got %q)", r.Header.Get("Content-Type"))
	t.Check(strings.Contains(strings.ToLower(r.Header.Get("Cache-Control")), "no-store"), "RFC6749-5.1",
		"token response has Cache-Control: no-store (got %q)", r.Header.Get("Cache-Control"))
	t.Check(r.str("access_token") != "", "RFC6749-5.1", "access_token is present")
	t.Check(strings.EqualFold(r.str("token_type"), "Bearer"), "OIDC-Core-3.1.3.3", "token_type is Bearer (got %q)", r.str("token_type"))
	if v, has := r.JSON["expires_in"]; has {
		_, ok := v.(float64)
		t.Check(ok, "RFC6749-5.1", "expires_in is a number")
	}
	if wantIDToken {
		t.Check(r.str("id_token") != "", "OIDC-Core-3.1.3.3", "id_token is present")
	}
}

// checkTokenError checks an error response from the token endpoint
// (RFC 6749 §5.2) against the wanted error codes.
func (t *T) checkTokenError(r *httpResult, ref string, want ...string) bool {
	if r.Status == http.StatusOK {
		t.Errorf(ref, "token endpoint accepted the request (HTTP 200), want error %s", strings.Join(want, " or "))
		return false
	}
	ok := false
	for _, w := range want {
		ok = ok || r.errCode() == w
	}
	if !ok {
		t.Errorf(ref, "token endpoint answered %s, want error %s", r, strings.Join(want, " or "))
		return false
	}
	t.OKf(ref, "token endpoint refused with %s", r.errCode())
	t.Check(r.Status == http.StatusBadRequest || r.Status == http.StatusUnauthorized, "RFC6749-5.2",
		"error response has status 400 (or 401 for invalid_client), got %d", r.Status)
	return true
}

// flow is the result of a completed code flow.
type flow struct {
	Authz   *authz
	Code    string
	Token   *httpResult
	ID      *jwt
	Started time.Time
}

// codeFlow runs a full authorization code flow in browser b and checks
// every step; any failure to complete stops the module.
func (t *T) codeFlow(b *Browser, a *authz) *flow {
	f := &flow{Authz: a, Started: t.env.opts.Now()}
	cb := t.mustAuthorize(b, a)
	f.Code = t.expectCode(cb, a)
	f.Token = t.redeem(a, f.Code)
	t.checkTokenSuccess(f.Token, true)
	f.ID = t.checkIDTokenOf(a, f.Token)
	return f
}

func (t *T) checkIDTokenOf(a *authz, tok *httpResult) *jwt {
	raw := tok.str("id_token")
	if raw == "" {
		t.Fatalf("OIDC-Core-3.1.3.3", "no id_token in the token response")
	}
	alg := t.env.opts.Client.IDTokenSignedResponseAlg
	if a.Client.ClientID != t.env.opts.Client.ClientID {
		alg = ""
	}
	var ks *keySet
	if j, err := parseJWT(raw); err == nil && j.alg() != "none" {
		ks = t.keys()
	}
	j := checkIDToken(t, raw, ks, idTokenExpect{
		Issuer:           t.env.opts.Issuer,
		ClientID:         a.Client.ClientID,
		Alg:              alg,
		Nonce:            a.Params.Get("nonce"),
		AuthTimeRequired: a.Params.Get("max_age") != "",
		AccessToken:      tok.str("access_token"),
		Now:              t.env.opts.Now(),
	})
	if j == nil {
		t.Fatalf("OIDC-Core-2", "ID token could not be decoded")
	}
	return j
}

// userinfo calls the userinfo endpoint with the access token sent as
// "get" (GET + header), "post-header" or "post-body" (RFC 6750 §2).
func (t *T) userinfo(how, at string) *httpResult {
	ep := t.disc().Str("userinfo_endpoint")
	if ep == "" {
		t.Fatalf("OIDC-Core-5.3", "OP advertises no userinfo_endpoint")
	}
	var req *http.Request
	var err error
	switch how {
	case "post-body":
		req, err = http.NewRequestWithContext(t.ctx, http.MethodPost, ep, strings.NewReader(url.Values{"access_token": {at}}.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	case "post-header":
		req, err = http.NewRequestWithContext(t.ctx, http.MethodPost, ep, strings.NewReader(""))
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+at)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	default:
		req, err = http.NewRequestWithContext(t.ctx, http.MethodGet, ep, nil)
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+at)
		}
	}
	if err != nil {
		t.Fatalf("", "build userinfo request: %v", err)
	}
	r := t.do(req)
	t.Logf("userinfo (%s) -> %s", how, r)
	return r
}

// checkUserinfo checks a successful userinfo response (OIDC Core §5.3.2)
// for the ID token's subject and returns its claims.
func (t *T) checkUserinfo(r *httpResult, id *jwt) map[string]any {
	if r.Status != http.StatusOK {
		t.Fatalf("OIDC-Core-5.3.2", "userinfo answered %s (WWW-Authenticate %q), want 200", r, r.Header.Get("WWW-Authenticate"))
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/jwt" {
		t.Fatalf("OIDC-Core-5.3.2", "signed userinfo responses are not supported by this suite's client (it did not register userinfo_signed_response_alg)")
	}
	t.Check(mt == "application/json", "OIDC-Core-5.3.2", "userinfo Content-Type is application/json (got %q)", r.Header.Get("Content-Type"))
	if r.JSON == nil {
		t.Fatalf("OIDC-Core-5.3.2", "userinfo body is not a JSON object")
	}
	sub, _ := r.JSON["sub"].(string)
	t.Check(sub != "" && sub == id.str("sub"), "OIDC-Core-5.3.2", "userinfo sub equals the ID token sub")
	t.Logf("userinfo claims: %s", strings.Join(sortedKeys(r.JSON), ", "))
	return r.JSON
}
