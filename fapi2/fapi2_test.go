package fapi2

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

var good = Client{AuthMethod: "private_key_jwt", IDTokenAlg: "PS256", ResponseTypes: []string{"code"},
	JWKS: json.RawMessage(`{"keys":[{"kty":"EC","kid":"k1","alg":"ES256"},{"kty":"RSA","kid":"k2"}]}`)}

func TestCheckClient(t *testing.T) {
	if v := CheckClient(good); len(v) != 0 {
		t.Fatalf("a conforming client: %v", v)
	}
	for name, tc := range map[string]struct {
		edit  func(*Client)
		field string
	}{
		"public":           {func(c *Client) { c.Public = true }, "token_endpoint_auth_method"},
		"client secret":    {func(c *Client) { c.AuthMethod = "client_secret_basic" }, "token_endpoint_auth_method"},
		"RS256 assertions": {func(c *Client) { c.AuthSigningAlg = "RS256" }, "token_endpoint_auth_signing_alg"},
		"RS256 ID tokens":  {func(c *Client) { c.IDTokenAlg = "RS256" }, "id_token_signed_response_alg"},
		"an RS256 key":     {func(c *Client) { c.JWKS = json.RawMessage(`{"keys":[{"kty":"RSA","kid":"old","alg":"RS256"}]}`) }, "jwks"},
		"an RS256 key behind Alg": {func(c *Client) {
			c.JWKS = json.RawMessage(`{"keys":[{"kty":"RSA","kid":"old","alg":"RS256","Alg":"PS256"}]}`)
		}, "jwks"},
		"a response type besides": {func(c *Client) { c.ResponseTypes = []string{"code", "id_token"} }, "response_types"},
	} {
		c := good
		tc.edit(&c)
		v := CheckClient(c)
		if len(v) != 1 || v[0].Field != tc.field || !strings.Contains(v[0].Error(), "FAPI 2.0 Security Profile") {
			t.Errorf("%s: %v, want one violation of %s naming the profile", name, v, tc.field)
		}
	}
}

func TestCheckAuthorize(t *testing.T) {
	form := url.Values{"response_type": {"code"}, "code_challenge": {"abc"}, "code_challenge_method": {"S256"}}
	if v := CheckAuthorize(true, form); v != nil {
		t.Fatal(v)
	}
	if v := CheckAuthorize(false, form); v == nil || v.Field != "request_uri" {
		t.Errorf("not pushed: %v", v)
	}
	for field, edit := range map[string]func(url.Values){
		"response_type":  func(f url.Values) { f.Set("response_type", "code id_token") },
		"code_challenge": func(f url.Values) { f.Set("code_challenge_method", "plain") },
	} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		edit(f)
		if v := CheckAuthorize(true, f); v == nil || v.Field != field {
			t.Errorf("%s: %v", field, v)
		}
	}
	noPKCE := url.Values{"response_type": {"code"}}
	if v := CheckAuthorize(true, noPKCE); v == nil || v.Field != "code_challenge" {
		t.Errorf("no PKCE: %v", v)
	}
}

func jwt(hdr, claims map[string]any) string {
	enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	return enc(hdr) + "." + enc(claims) + ".sig"
}

func TestCheckAssertion(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	iss := "https://op.example/main"
	ok := func() map[string]any {
		return map[string]any{"iss": "c", "sub": "c", "aud": iss, "jti": "j", "iat": now.Unix(), "exp": now.Add(60 * time.Second).Unix()}
	}
	if v := CheckAssertion(jwt(map[string]any{"alg": "PS256"}, ok()), iss, now); v != nil {
		t.Fatal(v)
	}
	arr := ok()
	arr["aud"] = []string{iss}
	if v := CheckAssertion(jwt(map[string]any{"alg": "ES256"}, arr), iss, now); v != nil {
		t.Fatalf("aud as a one-element array: %v", v)
	}
	for name, tc := range map[string]struct {
		alg  string
		edit func(map[string]any)
		frag string
	}{
		"RS256":             {"RS256", func(map[string]any) {}, "PS256 or ES256"},
		"aud the token URL": {"PS256", func(c map[string]any) { c["aud"] = iss + "/token" }, "aud"},
		"aud with another":  {"PS256", func(c map[string]any) { c["aud"] = []string{iss, "https://evil.example"} }, "aud"},
		"exp 61 s ahead":    {"PS256", func(c map[string]any) { c["exp"] = now.Add(61 * time.Second).Unix(); delete(c, "iat") }, "at most 1m0s"},
		"61 s from iat to exp": {"PS256", func(c map[string]any) {
			c["iat"] = now.Add(-31 * time.Second).Unix()
			c["exp"] = now.Add(30 * time.Second).Unix()
		}, "at most 1m0s"},
		"no exp": {"PS256", func(c map[string]any) { delete(c, "exp") }, "no exp"},
		// Claim names are case-sensitive; fosite would not read EXP as exp.
		"exp only as EXP": {"PS256", func(c map[string]any) { c["EXP"] = c["exp"]; delete(c, "exp") }, "no exp"},
	} {
		c := ok()
		tc.edit(c)
		v := CheckAssertion(jwt(map[string]any{"alg": tc.alg}, c), iss, now)
		if v == nil || !strings.Contains(v.Rule, tc.frag) {
			t.Errorf("%s: %v, want a violation mentioning %q", name, v, tc.frag)
		}
	}
	if v := CheckAssertion(jwt(map[string]any{"ALG": "PS256"}, ok()), iss, now); v == nil || !strings.Contains(v.Rule, "PS256 or ES256") {
		t.Errorf("a header with ALG and no alg: %v, want a violation naming the algorithms", v)
	}
	if v := CheckAssertion("garbage", iss, now); v == nil {
		t.Error("garbage accepted")
	}
}
