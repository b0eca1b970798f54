package main

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

var reConsentHidden = regexp.MustCompile(`<input type="hidden" name="(flow|csrf)" value="([^"]*)">`)

// answerConsent submits the consent page in v with action (allow or
// deny) in browser b and returns the authorization response's query.
func (rp *relyingParty) answerConsent(t *testing.T, b *browser, v visit, a authRequest, action string) url.Values {
	t.Helper()
	form := url.Values{"action": {action}}
	for _, m := range reConsentHidden.FindAllStringSubmatch(v.body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("flow") == "" || form.Get("csrf") == "" {
		t.Fatalf("no consent form: %s", v)
	}
	resp, err := b.c.PostForm(rp.issuer+"/consent", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || !strings.HasPrefix(loc.String(), rp.c.redirect) {
		t.Fatalf("consent answer %d, Location %v", resp.StatusCode, loc)
	}
	q := loc.Query()
	if q.Get("state") != a.state || q.Get("iss") != rp.issuer {
		t.Fatalf("authorization response %v: state or iss wrong", q)
	}
	return q
}

// TestConsentStepE2E: go-oidc and x/oauth2 against the real server on
// SQLite and PostgreSQL: the first login asks for consent and "allow"
// gives a code whose tokens carry the data scope and the new grant; the
// second login asks nothing; "deny" (under prompt=consent) gives the
// tool access_denied.
func TestConsentStepE2E(t *testing.T) {
	for _, b := range e2eBackends() {
		t.Run(b.name, func(t *testing.T) {
			e := startConsentE2E(t, b)
			kari := syntheticPID(t, time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC), 9)
			c := e.register(t, "sandbox", "step-measure", "--scope", dataScope, "--name", "Måleboka")
			c.scopes = append(c.scopes, dataScope)
			rp := e.rp(t, c)

			// First login: the consent page, in bokmål, naming the tool
			// and the scope.
			br := newBrowser()
			a := rp.authURL(kari)
			_, v, err := rp.authorizeE(br, a)
			if err == nil || v.status != http.StatusOK {
				t.Fatalf("first login: %v %s, want the consent page", err, v)
			}
			for _, want := range []string{"Gi tillatelse", "Måleboka", "Målinger"} {
				if !strings.Contains(v.body, want) {
					t.Errorf("consent page lacks %q", want)
				}
			}
			q := rp.answerConsent(t, br, v, a, "allow")
			tk, err := rp.exchangeE(q.Get("code"), a.verifier)
			if err != nil {
				t.Fatal(err)
			}
			if tk.id == nil || tk.claims.Nonce != a.nonce {
				t.Fatalf("ID token %v, nonce %q", tk.id, tk.claims.Nonce)
			}
			if scope, _ := tk.oauth.Extra("scope").(string); !slices.Contains(strings.Fields(scope), dataScope) {
				t.Fatalf("token scope %q lacks %s", scope, dataScope)
			}
			rec := findAccessRecord(t, e, "sandbox", c.id, tk.access)
			if rec.GrantID == "" {
				t.Fatal("the access token records no grant")
			}

			// Second login, fresh browser: no page.
			tk2 := rp.login(t, newBrowser(), kari)
			if rec2 := findAccessRecord(t, e, "sandbox", c.id, tk2.access); rec2.GrantID != rec.GrantID {
				t.Fatalf("second login under grant %q, want %q", rec2.GrantID, rec.GrantID)
			}

			// prompt=consent asks again; deny → access_denied.
			br = newBrowser()
			a = rp.authURL(kari, oauth2.SetAuthURLParam("prompt", "consent"))
			if _, v, err = rp.authorizeE(br, a); err == nil || v.status != http.StatusOK {
				t.Fatalf("prompt=consent: %v %s", err, v)
			}
			if q := rp.answerConsent(t, br, v, a, "deny"); q.Get("error") != "access_denied" || q.Get("code") != "" {
				t.Fatalf("deny: %v", q)
			}
			if evs := e.events(t, "sandbox", "consent_refused"); len(evs) != 1 {
				t.Fatalf("consent_refused events: %+v", evs)
			}
		})
	}
}
