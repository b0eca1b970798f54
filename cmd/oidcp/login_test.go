package main

// Login: the authorization code flow with PKCE through the ID-porten mock
// to userinfo. TestE2E runs it and the other capabilities' walk-through
// subtests (tokens, sessions, clientauth, keys, login_negative) against
// one server per backend.

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testLoginUserinfo: a headless login with code + PKCE S256, the ID token
// verified by go-oidc, pairwise sub, and userinfo by GET and POST with the
// claims the scopes allow.
func (e *e2eEnv) testLoginUserinfo(t *testing.T) {
	a := e.register(t, "main", "tool-a")
	b := e.register(t, "main", "tool-b")
	rpA, rpB := e.rp(t, a), e.rp(t, b)

	start := e.clock.now().Truncate(time.Second)
	tk := rpA.login(t, newBrowser(), e.kari)
	id := tk.id
	if id.Issuer != e.issuer("main") || !reflect.DeepEqual(id.Audience, []string{"tool-a"}) {
		t.Errorf("iss %q aud %v", id.Issuer, id.Audience)
	}
	c := tk.claims
	if c.ACR != "idporten-loa-substantial" || !reflect.DeepEqual(c.AMR, []string{"TestID"}) {
		t.Errorf("acr %q amr %v", c.ACR, c.AMR)
	}
	if c.AuthTime == nil || *c.AuthTime < start.Unix() || *c.AuthTime > e.clock.now().Unix() {
		t.Errorf("auth_time %v not within the login (started %d)", c.AuthTime, start.Unix())
	}
	if c.SID == "" {
		t.Error("no sid")
	}
	if id.Subject == "" || strings.Contains(id.Subject, e.kari) || c.PID != e.kari {
		t.Errorf("sub %q / pid %q: want a pairwise sub and pid with scope pid", id.Subject, c.PID)
	}
	if tk.refresh == "" {
		t.Error("no refresh token with offline_access")
	}

	// Pairwise: stable for the same person and client, different for
	// another client (sector) and another person.
	if again := rpA.login(t, newBrowser(), e.kari); again.id.Subject != id.Subject {
		t.Errorf("sub not stable: %q then %q", id.Subject, again.id.Subject)
	}
	if other := rpB.login(t, newBrowser(), e.kari); other.id.Subject == id.Subject {
		t.Error("two clients of different sectors got the same sub")
	}
	olaTok := rpA.login(t, newBrowser(), e.ola)
	if olaTok.id.Subject == id.Subject {
		t.Error("two persons got the same sub")
	}

	want := map[string]any{
		"sub": id.Subject, "pid": e.kari, "name": "Kari Nordmann", "given_name": "Kari", "family_name": "Nordmann",
		"birthdate": "1985-03-14", "acr": "idporten-loa-substantial",
	}
	got := rpA.userinfoGet(t, tk.access)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("userinfo GET %s = %v, want %v", k, got[k], v)
		}
	}
	status, post := e.userinfoPost(t, "main", tk.access)
	if status != http.StatusOK || !reflect.DeepEqual(post, got) {
		t.Errorf("userinfo POST: %d %v, want the GET answer %v", status, post, got)
	}
	// A person not in the registry: the birthdate comes from the pid.
	if ui := rpA.userinfoGet(t, olaTok.access); ui["birthdate"] != "1979-11-02" || ui["pid"] != e.ola || ui["name"] != nil {
		t.Errorf("userinfo of a person outside the registry: %v", ui)
	}

	// Without scope pid there is no pid, in the ID token or userinfo.
	noPID := e.rp(t, a, "openid", "profile")
	tk2 := noPID.login(t, newBrowser(), e.kari)
	if tk2.claims.PID != "" {
		t.Error("ID token carries pid without scope pid")
	}
	ui := noPID.userinfoGet(t, tk2.access)
	if _, ok := ui["pid"]; ok || ui["name"] != "Kari Nordmann" || ui["sub"] != id.Subject {
		t.Errorf("userinfo without scope pid: %v", ui)
	}
	if tk2.refresh != "" {
		t.Error("refresh token issued without offline_access")
	}
}

// TestE2E runs every flow of the walking skeleton against the real server
// on each backend. The subtests share one server and run in order; the
// key rotation comes last because it moves the clock by minutes.
func TestE2E(t *testing.T) {
	for _, b := range e2eBackends() {
		t.Run(b.name, func(t *testing.T) {
			e := startE2E(t, b)
			t.Run("LoginUserinfo", e.testLoginUserinfo)
			t.Run("RefreshRotationReuse", e.testRefresh)
			t.Run("RevokeIntrospect", e.testRevokeIntrospect)
			t.Run("SSOAndLogout", e.testSSOAndLogout)
			t.Run("Negative", e.testNegative)
			t.Run("UpstreamRejected", e.testUpstreamRejected)
			t.Run("PublicClient", e.testPublicClient)
			t.Run("ClientAuth", e.testClientAuth)
			t.Run("KeyRotationUnderTraffic", e.testKeyRotation)
			// Failed logins and replays were logged above; never with
			// the fødselsnummer or a client secret.
			if logs := e.logs.String(); strings.Contains(logs, e.kari) || strings.Contains(logs, "secret-tool-a-") {
				t.Errorf("logs contain a fødselsnummer or a client secret:\n%s", logs)
			}
		})
	}
}
