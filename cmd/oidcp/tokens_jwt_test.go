package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	josev4 "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/population"
)

// verifyAccessJWT checks an access token as a resource server would
// (RFC 9068 §4): a compact JWS with typ at+jwt, signed by a key of the
// tenant's published JWKS, issued by the tenant and not expired. It
// returns the claims.
func verifyAccessJWT(t *testing.T, s *repServer, tenant, token string) map[string]any {
	t.Helper()
	if strings.Count(token, ".") != 2 {
		t.Fatalf("access token is not a compact JWS: %.40s…", token)
	}
	h, claims, err := verifyWithJWKS(t.Context(), s.base+"/"+tenant, token, josev4.RS256)
	if err != nil {
		t.Fatalf("access token: %v", err)
	}
	if typ := h.ExtraHeaders[josev4.HeaderType]; typ != "at+jwt" {
		t.Errorf("typ = %v, want at+jwt (RFC 9068 §2.1)", typ)
	}
	if claims["iss"] != s.base+"/"+tenant {
		t.Errorf("iss = %v, want %s", claims["iss"], s.base+"/"+tenant)
	}
	now := float64(time.Now().Unix())
	exp, _ := claims["exp"].(float64)
	iat, _ := claims["iat"].(float64)
	if exp <= now || iat > now+5 || exp-iat > 3600 {
		t.Errorf("iat=%v exp=%v around now=%v", claims["iat"], claims["exp"], now)
	}
	if jti, _ := claims["jti"].(string); jti == "" {
		t.Error("no jti")
	}
	return claims
}

func audience(claims map[string]any) []string {
	switch a := claims["aud"].(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, v := range a {
			s, _ := v.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// userinfoStatus calls userinfo with a bearer token and returns the status.
func userinfoStatus(t *testing.T, s *repServer, tenant, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+"/"+tenant+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestJWTAccessTokens: a tool registered with --access-token-format jwt
// gets RFC 9068 access tokens that carry what userinfo carries (the
// representation claim included), still work at userinfo and introspection
// and die on revocation; a pseudonymous tool's token identifies nobody; a
// client_credentials token names the client; other tools keep opaque
// tokens.
func TestJWTAccessTokens(t *testing.T) {
	s := startRepServer(t, time.Now())
	kari := s.pid(t, population.KeyKari)
	jonas, _ := s.pop.Lookup(population.KeyJonas)

	tool := s.client(t, "sandbox", "jwt-tool", "--access-token-format", "jwt", "--accept-relation", "parent")
	b := newBrowser()
	_, verifier, ch := b.authorize(t, tool, kari)
	if ch == nil {
		t.Fatal("no chooser for Kari at a tool that accepts parent")
	}
	code, _, body := b.choose(t, tool, ch, jonas.PID)
	if code == "" {
		t.Fatalf("choosing Jonas failed:\n%.1000s", body)
	}
	tok, idt := tool.tokens(t, code, verifier)
	at := verifyAccessJWT(t, s, "sandbox", tok.AccessToken)
	if aud := audience(at); !slices.Contains(aud, tool.c.id) {
		t.Errorf("aud = %v, want it to contain %s", aud, tool.c.id)
	}
	if at["client_id"] != tool.c.id || at["sub"] != idt["sub"] {
		t.Errorf("client_id = %v, sub = %v; want %s and the ID token's sub %v", at["client_id"], at["sub"], tool.c.id, idt["sub"])
	}
	if at["scope"] != "openid profile pid offline_access" {
		t.Errorf("scope = %v", at["scope"])
	}
	if at["pid"] != kari {
		t.Errorf("pid = %v, want Kari's (scope pid granted to an identified tool)", at["pid"])
	}
	if !jsonEqual(at["representation"], idt["representation"]) {
		t.Errorf("representation in the access token %v differs from the ID token's %v", at["representation"], idt["representation"])
	}
	if at["auth_time"] == nil || at["acr"] != idt["acr"] {
		t.Errorf("auth_time = %v, acr = %v (ID token acr %v)", at["auth_time"], at["acr"], idt["acr"])
	}
	if rp, _ := repClaim(t, at)["represented"].(map[string]any); rp["pid"] != jonas.PID {
		t.Errorf("represented = %v, want Jonas", rp)
	}
	ui := tool.userinfoGet(t, tok.AccessToken)
	if !jsonEqual(ui["representation"], at["representation"]) || ui["sub"] != at["sub"] {
		t.Errorf("userinfo %v does not match the access token", ui)
	}
	if in := tool.introspect(t, tok.AccessToken); in["active"] != true || in["client_id"] != tool.c.id {
		t.Errorf("introspection of the JWT access token = %v", in)
	}
	if status, out, _ := postForm(t, s.base+"/sandbox/revoke", url.Values{"token": {tok.AccessToken}}, basicAuth(tool.c.id, tool.c.secret)); status != http.StatusOK {
		t.Fatalf("revoke: %d %v", status, out)
	}
	if in := tool.introspect(t, tok.AccessToken); in["active"] != false {
		t.Errorf("revoked JWT access token introspects as %v", in)
	}
	if st := userinfoStatus(t, s, "sandbox", tok.AccessToken); st != http.StatusUnauthorized {
		t.Errorf("userinfo with a revoked JWT access token: %d, want 401", st)
	}

	// Pseudonymous: pairwise ids only, in the access token as elsewhere.
	pseudo := s.client(t, "sandbox", "jwt-pseudo", "--category", "pseudonymous", "--access-token-format", "jwt", "--accept-relation", "parent")
	b2 := newBrowser()
	_, verifier, ch = b2.authorize(t, pseudo, kari)
	if ch == nil {
		t.Fatal("no chooser at the pseudonymous tool")
	}
	code, _, _ = b2.choose(t, pseudo, ch, jonas.PID)
	ptok, _ := pseudo.tokens(t, code, verifier)
	pat := verifyAccessJWT(t, s, "sandbox", ptok.AccessToken)
	raw, _ := json.Marshal(pat)
	for _, k := range []string{population.KeyKari, population.KeyJonas} {
		p, _ := s.pop.Lookup(k)
		if strings.Contains(string(raw), p.PID) || strings.Contains(string(raw), p.GivenName) || strings.Contains(string(raw), p.BirthDate.Format("2006-01-02")) {
			t.Errorf("pseudonymous tool's access token identifies %s: %s", k, raw)
		}
	}
	for _, k := range []string{"pid", "name", "given_name", "family_name", "birthdate"} {
		if _, ok := pat[k]; ok {
			t.Errorf("pseudonymous tool's access token has %s", k)
		}
	}
	if rp, _ := repClaim(t, pat)["represented"].(map[string]any); len(rp) != 1 || rp["sub"] == nil {
		t.Errorf("represented = %v, want only a pairwise sub", rp)
	}

	// client_credentials: the client is the subject; no person in it.
	secret := rand.Text() + rand.Text()
	s.cli.ok("clients", "create", "--tenant", "sandbox", "--id", "jwt-service", "--secret", secret,
		"--grant-type", "client_credentials", "--scope", "read", "--access-token-format", "jwt")
	status, out, _ := postForm(t, s.base+"/sandbox/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}, basicAuth("jwt-service", secret))
	if status != http.StatusOK {
		t.Fatalf("client_credentials: %d %v", status, out)
	}
	ccTok, _ := out["access_token"].(string)
	cc := verifyAccessJWT(t, s, "sandbox", ccTok)
	if cc["sub"] != "jwt-service" || cc["client_id"] != "jwt-service" || cc["scope"] != "read" {
		t.Errorf("client_credentials access token claims = %v", cc)
	}
	for _, k := range []string{"pid", "auth_time", "acr", "amr", "representation"} {
		if _, ok := cc[k]; ok {
			t.Errorf("client_credentials access token has %s", k)
		}
	}
	if _, in, _ := postForm(t, s.base+"/sandbox/introspect", url.Values{"token": {ccTok}}, basicAuth("jwt-service", secret)); in["active"] != true || in["client_id"] != "jwt-service" {
		t.Errorf("introspection of the client_credentials JWT = %v", in)
	}

	// A tool without the option keeps opaque tokens.
	plain := s.client(t, "sandbox", "opaque-tool")
	code, verifier, ch = newBrowser().authorize(t, plain, kari)
	if ch != nil || code == "" {
		t.Fatal("plain login failed")
	}
	otok, _ := plain.tokens(t, code, verifier)
	if strings.Count(otok.AccessToken, ".") == 2 || !strings.HasPrefix(otok.AccessToken, "ory_at_") {
		t.Errorf("opaque tool got %.20s…, want an opaque ory_at_ token", otok.AccessToken)
	}
	if in := plain.introspect(t, otok.AccessToken); in["active"] != true {
		t.Errorf("opaque token introspects as %v", in)
	}
}

// TestJWTAccessTokenRefreshReuse: refreshing a JWT tool's grant rotates
// the tokens (the old access token goes inactive, the new one is a JWT
// with the representation claim), and replaying the used refresh token
// kills every token of the grant, JWT access tokens included.
func TestJWTAccessTokenRefreshReuse(t *testing.T) {
	s := startRepServer(t, time.Now())
	kari := s.pid(t, population.KeyKari)
	jonas := s.pid(t, population.KeyJonas)
	tool := s.client(t, "sandbox", "jwt-refresh-tool", "--access-token-format", "jwt", "--accept-relation", "parent")

	b := newBrowser()
	_, verifier, ch := b.authorize(t, tool, kari)
	if ch == nil {
		t.Fatal("no chooser")
	}
	code, _, _ := b.choose(t, tool, ch, jonas)
	tok, idt := tool.tokens(t, code, verifier)
	verifyAccessJWT(t, s, "sandbox", tok.AccessToken)
	if tok.RefreshToken == "" || strings.Count(tok.RefreshToken, ".") == 2 {
		t.Fatalf("refresh token %.20s… is missing or not opaque", tok.RefreshToken)
	}

	status, body := tool.refresh(t, tok.RefreshToken)
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, body)
	}
	next := &oauth2.Token{AccessToken: body["access_token"].(string), RefreshToken: body["refresh_token"].(string), TokenType: "Bearer"}
	if next.AccessToken == tok.AccessToken || next.RefreshToken == tok.RefreshToken {
		t.Fatal("refresh did not rotate the tokens")
	}
	at := verifyAccessJWT(t, s, "sandbox", next.AccessToken)
	if !jsonEqual(at["representation"], idt["representation"]) || at["sub"] != idt["sub"] {
		t.Errorf("refreshed access token: representation %v sub %v; want the ID token's", at["representation"], at["sub"])
	}
	if in := tool.introspect(t, tok.AccessToken); in["active"] != false {
		t.Errorf("access token before the refresh is still active: %v", in)
	}
	if in := tool.introspect(t, next.AccessToken); in["active"] != true {
		t.Errorf("refreshed access token inactive: %v", in)
	}
	tool.userinfoGet(t, next.AccessToken)

	// Replaying the used refresh token (RFC 9700 §4.14.2): the grant dies.
	if status, body := tool.refresh(t, tok.RefreshToken); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("reused refresh token: %d %v, want 400 invalid_grant", status, body)
	}
	if in := tool.introspect(t, next.AccessToken); in["active"] != false {
		t.Errorf("JWT access token still active after refresh token reuse: %v", in)
	}
	if st := userinfoStatus(t, s, "sandbox", next.AccessToken); st != http.StatusUnauthorized {
		t.Errorf("userinfo after refresh token reuse: %d, want 401", st)
	}
	if status, _ := tool.refresh(t, next.RefreshToken); status != http.StatusBadRequest {
		t.Errorf("the rotated refresh token still works after reuse: %d", status)
	}

	// A code redeemed twice (RFC 6749 §4.1.2): what it yielded is revoked.
	code, verifier, ch = b.authorize(t, tool, kari)
	if ch != nil || code == "" {
		t.Fatal("SSO with the stored choice did not return a code")
	}
	ctok, _ := tool.tokens(t, code, verifier)
	verifyAccessJWT(t, s, "sandbox", ctok.AccessToken)
	if _, err := tool.conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err == nil {
		t.Fatal("a used code was redeemed again")
	}
	if in := tool.introspect(t, ctok.AccessToken); in["active"] != false {
		t.Errorf("JWT access token still active after its code was reused: %v", in)
	}
}
