package conformance

import (
	"strconv"
	"time"
)

// authTime returns the ID token's auth_time and whether it has one.
func authTime(j *jwt) (time.Time, bool) { return j.time("auth_time") }

func runPromptLogin(t *T) {
	b := t.env.newBrowser()
	f1 := t.codeFlow(b, t.newAuthz())
	// auth_time has one-second resolution; make a new login visible.
	t.Sleep(1500 * time.Millisecond)
	before := b.LoginForms
	a := t.newAuthz()
	a.Params.Set("prompt", "login")
	f2 := t.codeFlow(b, a)
	t.Check(f2.ID.str("sub") == f1.ID.str("sub"), "OIDC-Core-3.1.2.1", "second login is the same subject")
	at1, ok1 := authTime(f1.ID)
	at2, ok2 := authTime(f2.ID)
	switch {
	case ok1 && ok2:
		t.Check(at2.After(at1), "OIDC-Core-3.1.2.1", "auth_time %d after prompt=login is newer than %d", at2.Unix(), at1.Unix())
	case b.LoginForms > before:
		t.OKf("OIDC-Core-3.1.2.1", "the user was shown a login form again")
	default:
		t.Reviewf("no auth_time and no login form seen: a human must check the user was asked to log in again")
	}
}

func runPromptNoneNotLoggedIn(t *T) {
	a := t.newAuthz()
	a.Params.Set("prompt", "none")
	a.Params.Del("login_hint")
	cb, err := t.authorize(t.env.newBrowser(), a)
	switch e := t.expectAuthzError(cb, err, a); e {
	case "login_required", "interaction_required":
		t.OKf("OIDC-Core-3.1.2.6", "error is %s", e)
	case "consent_required", "account_selection_required":
		t.Warnf("OIDC-Core-3.1.2.6", "error is %s; without a session login_required is expected", e)
	default:
		t.Errorf("OIDC-Core-3.1.2.6", "error is %q, want login_required or interaction_required", e)
	}
}

func runPromptNoneLoggedIn(t *T) {
	b := t.env.newBrowser()
	f1 := t.codeFlow(b, t.newAuthz())
	a := t.newAuthz()
	a.Params.Set("prompt", "none")
	a.Params.Del("login_hint")
	before := b.FormsSubmitted
	f2 := t.codeFlow(b, a)
	t.Check(b.FormsSubmitted == before, "OIDC-Core-3.1.2.1", "no page was shown to the user for prompt=none")
	t.Check(f2.ID.str("sub") == f1.ID.str("sub"), "OIDC-Core-3.1.2.1", "same subject as the first login")
	if at1, ok := authTime(f1.ID); ok {
		if at2, ok := authTime(f2.ID); ok && !at2.Equal(at1) {
			t.Warnf("OIDC-Core-2", "auth_time changed from %d to %d without a new login", at1.Unix(), at2.Unix())
		}
	}
}

func runMaxAge1(t *T) {
	b := t.env.newBrowser()
	f1 := t.codeFlow(b, t.newAuthz())
	t.Sleep(2 * time.Second)
	a := t.newAuthz()
	a.Params.Set("max_age", "1")
	start := t.env.opts.Now()
	f2 := t.codeFlow(b, a) // checkIDToken fails when auth_time is missing.
	at2, ok := authTime(f2.ID)
	if !ok {
		return
	}
	if at1, ok := authTime(f1.ID); ok {
		t.Check(at2.After(at1), "OIDC-Core-3.1.2.1", "auth_time %d is newer than the first login's %d: the user logged in again", at2.Unix(), at1.Unix())
	} else {
		t.Check(!at2.Before(start.Add(-time.Second)), "OIDC-Core-3.1.2.1", "auth_time %d is not older than the max_age=1 request", at2.Unix())
	}
}

func runMaxAge10000(t *T) {
	b := t.env.newBrowser()
	f1 := t.codeFlow(b, t.newAuthz())
	a := t.newAuthz()
	a.Params.Set("max_age", strconv.Itoa(10000))
	f2 := t.codeFlow(b, a)
	t.Check(f2.ID.str("sub") == f1.ID.str("sub"), "OIDC-Core-3.1.2.1", "same subject as the first login")
	at2, ok2 := authTime(f2.ID)
	at1, ok1 := authTime(f1.ID)
	if ok1 && ok2 && !at1.Equal(at2) {
		t.Warnf("OIDC-Core-3.1.2.1", "auth_time changed from %d to %d: the OP asked for a new login although max_age=10000 had not passed", at1.Unix(), at2.Unix())
	}
}

func runIDTokenHint(t *T) {
	b := t.env.newBrowser()
	f1 := t.codeFlow(b, t.newAuthz())
	a := t.newAuthz()
	a.Params.Set("prompt", "none")
	a.Params.Del("login_hint")
	a.Params.Set("id_token_hint", f1.ID.Raw)
	f2 := t.codeFlow(b, a)
	t.Check(f2.ID.str("sub") == f1.ID.str("sub"), "OIDC-Core-3.1.2.1", "ID token for id_token_hint's subject")
}
