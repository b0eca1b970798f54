package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// testEitherSecretMethod: a client registered without --auth-method
// takes its secret by Basic (go-oidc/x/oauth2) or in the form
// (openid-client v6's default), one method per request; naming a method
// pins it (testMethodBinding).
func (e *e2eEnv) testEitherSecretMethod(t *testing.T) {
	c := e.register(t, "main", "ca-either")
	out := e.cli.on(t).ok("clients", "list", "--tenant", "main")
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m["client_id"] == c.id && (m["token_endpoint_auth_method"] != "client_secret_basic" || m["any_secret_method"] != true) {
			t.Errorf("registered as %v / any_secret_method %v, want client_secret_basic and true", m["token_endpoint_auth_method"], m["any_secret_method"])
		}
	}
	basic, post := basicAuth(c.id, c.secret), postAuth(c.id, c.secret)
	tk := e.redeem(t, c, func() clientAuth { return post })
	e.redeem(t, c, func() clientAuth { return basic })
	for _, auth := range []clientAuth{basic, post} {
		if status, m, _ := e.call(t, "main", "/introspect", url.Values{"token": {tk.access}}, auth); status != http.StatusOK || m["active"] != true {
			t.Errorf("introspection: %d %v", status, m)
		}
	}
	both := func(r *http.Request, f url.Values) { basic(r, f); post(r, f) }
	wrong := postAuth(c.id, "not-the-secret-"+c.secret)
	for what, auth := range map[string]clientAuth{"both methods at once": both, "wrong secret by post": wrong} {
		status, body, _ := e.call(t, "main", "/introspect", url.Values{"token": {tk.access}}, auth)
		wantInvalidClient(t, what, status, body)
	}
}
