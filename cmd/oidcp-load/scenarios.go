package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
)

// target is the OP under load and the client the driver acts as.
type target struct {
	http         *http.Client // shared transport, follows no redirects
	issuer       string
	clientID     string
	clientSecret string
	redirectURI  string
	scope        string // login scenario
	ccScope      string // cc and introspect scenarios
	pid          string // login scenario: the test person
	authorize    string // endpoints from discovery
	token        string
	introspect   string
}

// discover reads the endpoints from the issuer's discovery document
// (OIDC Discovery 1.0 §4).
func (t *target) discover(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.issuer+"/.well-known/openid-configuration", nil)
	if err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	var d struct {
		Issuer        string `json:"issuer"`
		Authorization string `json:"authorization_endpoint"`
		Token         string `json:"token_endpoint"`
		Introspection string `json:"introspection_endpoint"`
	}
	if err := t.doJSON(req, http.StatusOK, &d); err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	if d.Issuer != t.issuer {
		return fmt.Errorf("discovery: issuer is %q, want %q", d.Issuer, t.issuer)
	}
	t.authorize, t.token, t.introspect = d.Authorization, d.Token, d.Introspection
	return nil
}

// doJSON sends req with t.http and decodes a JSON body; a status other
// than want is an error that carries the OAuth error code, if any.
func (t *target) doJSON(req *http.Request, want int, v any) error {
	resp, err := t.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read body: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode != want {
		var e struct {
			Error string `json:"error"`
			Desc  string `json:"error_description"`
		}
		_ = json.Unmarshal(body, &e)
		return fmt.Errorf("%s %s: status %d %s %s", req.Method, req.URL.Path, resp.StatusCode, e.Error, e.Desc)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// postForm posts a form to an endpoint with client_secret_basic
// (RFC 6749 §2.3.1: id and secret form-encoded before base64).
func (t *target) postForm(ctx context.Context, endpoint string, form url.Values, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(t.clientID), url.QueryEscape(t.clientSecret))
	return t.doJSON(req, http.StatusOK, v)
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	IDToken     string `json:"id_token"`
	TokenType   string `json:"token_type"`
}

// clientCredentials gets an access token for the client itself.
func (t *target) clientCredentials(ctx context.Context) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if t.ccScope != "" {
		form.Set("scope", t.ccScope)
	}
	var tok tokenResponse
	if err := t.postForm(ctx, t.token, form, &tok); err != nil {
		return "", err
	}
	if tok.AccessToken == "" {
		return "", errors.New("token response without access_token")
	}
	return tok.AccessToken, nil
}

// ccOp is the cc scenario: one client_credentials token request.
func (t *target) ccOp(ctx context.Context, _ int) error {
	_, err := t.clientCredentials(ctx)
	return err
}

// introspectOp returns the introspect scenario: each worker introspects
// its own access token, got before the clock starts.
func (t *target) introspectOp(ctx context.Context, concurrency int) (op, error) {
	tokens := make([]string, concurrency)
	for i := range tokens {
		tok, err := t.clientCredentials(ctx)
		if err != nil {
			return nil, fmt.Errorf("introspect setup: %w", err)
		}
		tokens[i] = tok
	}
	return func(ctx context.Context, w int) error {
		var r struct {
			Active bool `json:"active"`
		}
		if err := t.postForm(ctx, t.introspect, url.Values{"token": {tokens[w]}}, &r); err != nil {
			return err
		}
		if !r.Active {
			return errors.New("introspection: token not active")
		}
		return nil
	}, nil
}

func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// loginOp is the login scenario: a fresh browser (cookie jar) follows the
// code flow with PKCE S256, state and nonce, and login_hint=testid:<pid>
// so the ID-porten mock logs in without its page; then the tool redeems
// the code. Errors name the step, never the fødselsnummer.
func (t *target) loginOp(ctx context.Context, _ int) error {
	verifier, state := random(), random()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {t.clientID}, "redirect_uri": {t.redirectURI},
		"scope": {t.scope}, "state": {state}, "nonce": {random()},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"login_hint": {"testid:" + t.pid},
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Transport: t.http.Transport, Jar: jar, CheckRedirect: noRedirects}
	next := t.authorize + "?" + q.Encode()
	for hop := 0; ; hop++ {
		if hop == 10 {
			return errors.New("login: more than 10 redirects")
		}
		if strings.HasPrefix(next, t.redirectURI+"?") {
			break
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return fmt.Errorf("login: %w", err)
		}
		resp, err := browser.Do(req)
		if err != nil {
			return fmt.Errorf("login: GET %s: %w", req.URL.Path, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			return fmt.Errorf("login: GET %s: status %d without a redirect (a page was shown)", req.URL.Path, resp.StatusCode)
		}
		next = loc.String()
	}
	u, err := url.Parse(next)
	if err != nil {
		return fmt.Errorf("login: callback URL: %w", err)
	}
	cb := u.Query()
	if e := cb.Get("error"); e != "" {
		return fmt.Errorf("login: authorization error %s: %s", e, cb.Get("error_description"))
	}
	if cb.Get("state") != state || cb.Get("code") == "" {
		return errors.New("login: callback without code or with a wrong state")
	}
	var tok tokenResponse
	form := url.Values{"grant_type": {"authorization_code"}, "code": {cb.Get("code")},
		"redirect_uri": {t.redirectURI}, "code_verifier": {verifier}}
	if err := t.postForm(ctx, t.token, form, &tok); err != nil {
		return fmt.Errorf("login: code exchange: %w", err)
	}
	if tok.IDToken == "" || tok.AccessToken == "" {
		return errors.New("login: token response without id_token or access_token")
	}
	return nil
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
