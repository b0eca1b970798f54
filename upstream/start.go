package upstream

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// AuthParams are the per-login choices passed upstream.
type AuthParams struct {
	// LoginHint is passed through verbatim; "testid:<pid>" makes
	// ID-porten's test environment (and the mock) log in without a page.
	LoginHint string
	// ACRValues overrides Config.ACRValues for this login.
	ACRValues string
	// UILocales is the page language preference, e.g. "nb", "nn", "en".
	UILocales string
	// Prompt, e.g. "login" to force re-authentication.
	Prompt string
	// MaxAge, if set, is sent as max_age (OIDC Core §3.1.2.1).
	MaxAge *int
}

// State is what the caller keeps between Start and Exchange, server-side
// and bound to the browser. All three values are 32 random bytes,
// base64url.
type State struct {
	State        string    `json:"state"`
	Nonce        string    `json:"nonce"`
	CodeVerifier string    `json:"code_verifier"`
	CreatedAt    time.Time `json:"created_at"`
}

// Start begins a login: it pushes the authorization request (RFC 9126)
// with PKCE S256, state, nonce and acr_values, and returns the URL to send
// the browser to (the authorization endpoint with client_id and
// request_uri only). Only when the issuer advertises no PAR endpoint does
// it fall back to a plain authorization URL carrying every parameter.
func (c *Client) Start(ctx context.Context, p AuthParams) (string, State, error) {
	md, err := c.metadata(ctx)
	if err != nil {
		return "", State{}, err
	}
	st := State{State: random32(), Nonce: random32(), CodeVerifier: random32(), CreatedAt: c.cfg.Now()}
	q := c.authParams(p, st)
	if md.PAREndpoint == "" {
		u, err := withQuery(md.AuthorizationEndpoint, q)
		return u, st, err
	}
	requestURI, err := c.pushAuthorizationRequest(ctx, md.PAREndpoint, q)
	if err != nil {
		return "", State{}, err
	}
	// RFC 9126 §4: client_id and request_uri are all the browser carries.
	u, err := withQuery(md.AuthorizationEndpoint, url.Values{"client_id": {c.cfg.ClientID}, "request_uri": {requestURI}})
	return u, st, err
}

// authParams are the authorization request parameters (OIDC Core
// §3.1.2.1, RFC 7636 §4.3).
func (c *Client) authParams(p AuthParams, st State) url.Values {
	sum := sha256.Sum256([]byte(st.CodeVerifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.cfg.ClientID},
		"redirect_uri":          {c.cfg.RedirectURL},
		"scope":                 {strings.Join(c.cfg.Scopes, " ")},
		"state":                 {st.State},
		"nonce":                 {st.Nonce},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
		"acr_values":            {c.cfg.ACRValues},
	}
	if p.ACRValues != "" {
		q.Set("acr_values", p.ACRValues)
	}
	if p.LoginHint != "" {
		q.Set("login_hint", p.LoginHint)
	}
	if p.UILocales != "" {
		q.Set("ui_locales", p.UILocales)
	}
	if p.Prompt != "" {
		q.Set("prompt", p.Prompt)
	}
	if p.MaxAge != nil {
		q.Set("max_age", strconv.Itoa(*p.MaxAge))
	}
	return q
}

// pushAuthorizationRequest posts the request with client_secret_basic and
// returns the request_uri (RFC 9126 §2.1-2.2).
func (c *Client) pushAuthorizationRequest(ctx context.Context, endpoint string, q url.Values) (requestURI string, err error) {
	defer func(start time.Time) { c.observe("par", start, err) }(time.Now())
	body, status, err := c.postForm(ctx, endpoint, q)
	if err != nil {
		return "", fmt.Errorf("upstream: par: %w", err)
	}
	// §2.2 says 201; 200 is accepted from lenient servers.
	if status != http.StatusCreated && status != http.StatusOK {
		return "", tokenError("par", status, body)
	}
	var resp struct {
		RequestURI string `json:"request_uri"`
		ExpiresIn  int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || resp.RequestURI == "" {
		return "", fmt.Errorf("upstream: par: response without request_uri")
	}
	return resp.RequestURI, nil
}

// postForm posts a form with client_secret_basic; RFC 6749 §2.3.1 wants
// the id and secret form-urlencoded before they go into Basic.
func (c *Client) postForm(ctx context.Context, endpoint string, form url.Values) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(c.cfg.ClientID), url.QueryEscape(c.cfg.ClientSecret))
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize))
	if err != nil {
		return nil, 0, err
	}
	return body, resp.StatusCode, nil
}

// tokenError turns an RFC 6749 §5.2 error body into a *TokenError.
func tokenError(endpoint string, status int, body []byte) error {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &e)
	if e.Error == "" {
		e.Error = "unknown_error"
	}
	return &TokenError{Endpoint: endpoint, Status: status, Code: e.Error, Description: e.Description}
}

// withQuery adds q to an endpoint URL that may already have a query.
func withQuery(endpoint string, q url.Values) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("upstream: endpoint %q: %w", endpoint, err)
	}
	merged := u.Query()
	for k, vs := range q {
		merged[k] = vs
	}
	u.RawQuery = merged.Encode()
	return u.String(), nil
}

// random32 is 32 random bytes, base64url without padding (43 characters,
// also a valid PKCE verifier: RFC 7636 §4.1).
func random32() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("upstream: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
