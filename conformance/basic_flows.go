package conformance

import (
	"errors"
	"net/http"
	"slices"
	"strings"
)

func runServer(t *T) {
	f := t.codeFlow(t.env.newBrowser(), t.newAuthz())
	t.checkUserinfo(t.userinfo("get", f.Token.str("access_token")), f.ID)
}

func runResponseTypeMissing(t *T) {
	a := t.newAuthz()
	a.Params.Del("response_type")
	cb, err := t.authorize(t.env.newBrowser(), a)
	var pe *PageError
	switch {
	case errors.As(err, &pe):
		// The OIDF suite asks for a screenshot of the error page; a page
		// that is not a redirect carrying a code is the expected result.
		t.OKf("RFC6749-4.1.2.1", "OP refused with an error page: %v", pe)
	case err != nil:
		t.Fatalf("", "authorization: %v", err)
	case cb.get("code") != "":
		t.Errorf("RFC6749-4.1.2.1", "OP issued a code for a request without response_type")
	default:
		t.checkCallbackCommon(cb, a)
		e := cb.get("error")
		if e == "invalid_request" || e == "unsupported_response_type" {
			t.OKf("RFC6749-4.1.2.1", "OP redirected error=%s", e)
		} else {
			t.Errorf("RFC6749-4.1.2.1", "OP redirected error=%q, want invalid_request or unsupported_response_type", e)
		}
	}
}

func runIDTokenSignature(t *T) {
	f := t.codeFlow(t.env.newBrowser(), t.newAuthz())
	alg := f.ID.alg()
	t.Check(alg != "none", "OIDC-Core-2", "ID token is signed (alg %s)", alg)
	if d := t.disc(); !d.Supports("id_token_signing_alg_values_supported", alg) {
		t.Errorf("OIDC-Discovery-3", "alg %s is not listed in id_token_signing_alg_values_supported", alg)
	}
}

func runIDTokenUnsigned(t *T) {
	d := t.disc()
	if !d.Supports("id_token_signing_alg_values_supported", "none") {
		t.Skipf("OP does not list none in id_token_signing_alg_values_supported")
	}
	c := t.env.opts.Client.UnsignedClient
	if c == nil {
		t.Skipf("no unsigned_client (registered with id_token_signed_response_alg=none) in the client config")
	}
	a := t.newAuthzFor(*c)
	cb := t.mustAuthorize(t.env.newBrowser(), a)
	code := t.expectCode(cb, a)
	tok := t.redeem(a, code)
	t.checkTokenSuccess(tok, true)
	j, err := parseJWT(tok.str("id_token"))
	if err != nil {
		t.Fatalf("OIDC-Core-2", "ID token: %v", err)
	}
	t.Check(j.alg() == "none" && j.Sig == "", "OIDC-Core-3.1.3.7", "ID token has alg none and an empty signature (alg %q)", j.alg())
	checkIDToken(t, tok.str("id_token"), nil, idTokenExpect{Issuer: t.env.opts.Issuer, ClientID: c.ClientID, Alg: "none",
		Nonce: a.Nonce, Now: t.env.opts.Now()})
}

func userinfoModule(how string) func(*T) {
	return func(t *T) {
		f := t.codeFlow(t.env.newBrowser(), t.newAuthz())
		r := t.userinfo(how, f.Token.str("access_token"))
		if how == "post-body" && r.Status != http.StatusOK {
			// RFC 6750 §2.2: the form-encoded body method is optional
			// (MAY); OIDC Core §5.3.1 only requires the header methods.
			t.Warnf("RFC6750-2.2", "userinfo refused the access token in the POST body: %s", r)
			return
		}
		t.checkUserinfo(r, f.ID)
	}
}

func runNoNonce(t *T) {
	a := t.newAuthz()
	a.Params.Del("nonce")
	a.Nonce = ""
	f := t.codeFlow(t.env.newBrowser(), a)
	_, has := f.ID.Claims["nonce"]
	t.Check(!has, "OIDC-Core-3.1.3.6", "ID token has no nonce claim")
}

// scopeClaims lists each standard scope's claims (OIDC Core §5.4).
var scopeClaims = map[string][]string{
	"profile": {"name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile",
		"picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at"},
	"email":   {"email", "email_verified"},
	"address": {"address"},
	"phone":   {"phone_number", "phone_number_verified"},
}

// scopeModule asks for scopes and looks for their claims. As the OIDF
// modules do (OIDCCCheckScopesSupportedContainScopeTest), it is skipped
// unless scopes_supported lists every one of them: oidcc-scope-all needs
// all four.
func scopeModule(scopes ...string) func(*T) {
	return func(t *T) {
		d := t.disc()
		if !d.Has("scopes_supported") {
			t.Skipf("OP publishes no scopes_supported, so support for scope %s cannot be known", strings.Join(scopes, " "))
		}
		var missing []string
		for _, s := range scopes {
			if !d.Supports("scopes_supported", s) {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 {
			t.Skipf("scopes_supported does not list %s", strings.Join(missing, ", "))
		}
		a := t.newAuthz()
		a.addScope(scopes...)
		f := t.codeFlow(t.env.newBrowser(), a)
		ui := t.checkUserinfo(t.userinfo("get", f.Token.str("access_token")), f.ID)
		for _, s := range scopes {
			var found []string
			for _, c := range scopeClaims[s] {
				_, inUI := ui[c]
				_, inID := f.ID.Claims[c]
				if inUI || inID {
					found = append(found, c)
				}
			}
			if len(found) == 0 {
				// The OIDF suite warns: the user may simply lack the data.
				t.Warnf("OIDC-Core-5.4", "no %s claim (%s) returned in userinfo or ID token", s, strings.Join(scopeClaims[s], ", "))
			} else {
				t.OKf("OIDC-Core-5.4", "scope %s returned %s", s, strings.Join(found, ", "))
			}
		}
	}
}

func runAlternateHappyFlow(t *T) {
	a := t.newAuthz()
	sc := strings.Fields(a.Params.Get("scope"))
	d := t.disc()
	extra := "profile"
	if d.Has("scopes_supported") && !d.Supports("scopes_supported", extra) {
		extra = ""
	}
	// openid not first: scope is a set (RFC 6749 §3.3).
	reordered := append([]string{}, sc[1:]...)
	if extra != "" {
		reordered = append([]string{extra}, reordered...)
	}
	reordered = append(reordered, "openid")
	a.Params.Set("scope", strings.Join(reordered, " "))
	a.State = "st&ate=with/reserved?chars " + randomString()
	a.Params.Set("state", a.State)
	f := t.codeFlow(t.env.newBrowser(), a)
	t.checkUserinfo(t.userinfo("get", f.Token.str("access_token")), f.ID)
}

func paramModule(k, v string) func(*T) {
	return func(t *T) {
		a := t.newAuthz()
		a.Params.Set(k, v)
		t.codeFlow(t.env.newBrowser(), a)
	}
}

func runLoginHint(t *T) {
	a := t.newAuthz()
	hint := t.env.opts.Client.LoginHint
	if hint == "" {
		hint = a.Params.Get("login_hint")
	}
	if hint == "" {
		hint = t.env.opts.Client.Login.Username
	}
	if hint == "" {
		hint = "conformance-user"
	}
	a.Params.Set("login_hint", hint)
	t.codeFlow(t.env.newBrowser(), a)
	t.Logf("the OIDF suite asks a human to check that the login page used the hint; a headless run cannot")
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}

func runUILocales(t *T) {
	a := t.newAuthz()
	a.Params.Set("ui_locales", firstOr(t.disc().Strs("ui_locales_supported"), "se"))
	t.codeFlow(t.env.newBrowser(), a)
}

func runClaimsLocales(t *T) {
	a := t.newAuthz()
	a.Params.Set("claims_locales", firstOr(t.disc().Strs("claims_locales_supported"), "se"))
	f := t.codeFlow(t.env.newBrowser(), a)
	t.checkUserinfo(t.userinfo("get", f.Token.str("access_token")), f.ID)
}

func runACRValues(t *T) {
	a := t.newAuthz()
	acr := "1 2"
	if s := t.disc().Strs("acr_values_supported"); len(s) > 0 {
		acr = strings.Join(s, " ")
	}
	a.Params.Set("acr_values", acr)
	f := t.codeFlow(t.env.newBrowser(), a)
	if got := f.ID.str("acr"); got != "" {
		t.Logf("ID token acr=%s", got)
		if !slices.Contains(strings.Fields(acr), got) {
			t.Logf("acr %q is not one of the requested values (voluntary acr_values may be ignored)", got)
		}
	}
}

func runPostRequest(t *T) {
	a := t.newAuthz()
	a.Method = http.MethodPost
	t.codeFlow(t.env.newBrowser(), a)
}

func runClientSecretPost(t *T) {
	d := t.disc()
	if d.Has("token_endpoint_auth_methods_supported") && !d.Supports("token_endpoint_auth_methods_supported", "client_secret_post") {
		t.Skipf("OP does not list client_secret_post in token_endpoint_auth_methods_supported")
	}
	cfg := t.env.opts.Client
	c := cfg.Client
	switch {
	case cfg.PostClient != nil:
		c = *cfg.PostClient
		c.TokenEndpointAuthMethod = "client_secret_post"
	case c.authMethod() != "client_secret_post":
		t.Skipf("no client registered for client_secret_post (set post_client in the client config)")
	}
	f := t.codeFlow(t.env.newBrowser(), t.newAuthzFor(c))
	t.checkUserinfo(t.userinfo("get", f.Token.str("access_token")), f.ID)
}

func runValidPKCE(t *T) {
	d := t.disc()
	if d.Has("code_challenge_methods_supported") && !d.Supports("code_challenge_methods_supported", "S256") {
		t.Warnf("RFC8414-2", "code_challenge_methods_supported does not list S256")
	}
	a := t.newAuthz()
	if a.Verifier == "" {
		a.pkce()
	}
	t.codeFlow(t.env.newBrowser(), a)
}
