package conformance

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// LoginDriver takes a user's browser through an authorization request: it
// sends start (a GET to the authorization endpoint, or a POST form) and
// gets past whatever login, consent or chooser pages the OP shows, until
// the OP redirects to a redirect URI. It returns that callback URL (for
// form_post, the posted fields are in its query). When it stops on a page
// it cannot get past, it returns a *PageError.
type LoginDriver interface {
	Login(ctx context.Context, b *Browser, start *http.Request) (*url.URL, error)
}

// LoginHinter is implemented by drivers that log in through login_hint;
// the suite puts the hint into every authorization request it builds (also
// inside request objects and pushed requests, where a driver cannot add it).
type LoginHinter interface {
	LoginHint() string
}

// FormDriver fills login forms (a text field named like login, username or
// email, and a password field) and presses the affirmative button on
// consent, chooser and logout-confirmation pages. It fits panva
// oidc-provider's devInteractions and most simple OP login pages.
type FormDriver struct {
	Username, Password string
}

// Login implements LoginDriver.
func (d FormDriver) Login(ctx context.Context, b *Browser, start *http.Request) (*url.URL, error) {
	return driveForms(ctx, b, start, d.Username, d.Password)
}

// HeadlessHintDriver logs in to oidcp (and its ID-porten mock) without a
// browser: it asks for login_hint=testid:<pid>, which the mock honours,
// and then follows redirects, pressing the affirmative button on any
// representation chooser or consent page, until it reaches the redirect
// URI.
type HeadlessHintDriver struct {
	PID string
}

// LoginHint implements LoginHinter.
func (d HeadlessHintDriver) LoginHint() string { return "testid:" + d.PID }

// Login implements LoginDriver. It appends login_hint to a GET request
// that has none and carries no request object.
func (d HeadlessHintDriver) Login(ctx context.Context, b *Browser, start *http.Request) (*url.URL, error) {
	if start.Method == http.MethodGet {
		q := start.URL.Query()
		if q.Get("login_hint") == "" && q.Get("request") == "" && q.Get("request_uri") == "" && q.Get("prompt") != "none" {
			q.Set("login_hint", d.LoginHint())
			start.URL.RawQuery = q.Encode()
		}
	}
	return driveForms(ctx, b, start, d.PID, "")
}

var userField = regexp.MustCompile(`(?i)login|user|email|pid|ident|fnr|personal`)

const maxForms = 8

func driveForms(ctx context.Context, b *Browser, start *http.Request, user, pass string) (*url.URL, error) {
	out, err := b.Navigate(ctx, start)
	for range maxForms {
		if err != nil {
			return nil, err
		}
		if out.Callback != nil {
			return out.Callback, nil
		}
		p := out.Page
		if p.Status >= 400 || p.ContentType != "text/html" {
			return nil, &PageError{Page: p}
		}
		f, btn := pickForm(parseForms(p.Body, p.URL))
		if f == nil {
			return nil, &PageError{Page: p}
		}
		vals := f.values(btn)
		for _, fl := range f.Fields {
			switch {
			case fl.Type == "password":
				vals.Set(fl.Name, pass)
			case (fl.Type == "text" || fl.Type == "email") && fl.Value == "" && userField.MatchString(fl.Name):
				vals.Set(fl.Name, user)
			}
		}
		if f.hasPassword() {
			b.LoginForms++
		}
		b.FormsSubmitted++
		var req *http.Request
		if f.Method == http.MethodPost {
			req, err = http.NewRequest(http.MethodPost, f.Action, strings.NewReader(vals.Encode()))
			if err == nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
		} else {
			var u *url.URL
			if u, err = url.Parse(f.Action); err == nil {
				u.RawQuery = vals.Encode()
				req, err = http.NewRequest(http.MethodGet, u.String(), nil)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("submit form %s: %w", f.Action, err)
		}
		out, err = b.Navigate(ctx, req)
	}
	return nil, fmt.Errorf("gave up after %d forms", maxForms)
}

// pickForm prefers a login form, then a form with an affirmative submit
// button, then any form with a submit button.
func pickForm(forms []htmlForm) (*htmlForm, *formField) {
	for i := range forms {
		if forms[i].hasPassword() {
			return &forms[i], forms[i].chooseButton()
		}
	}
	for i := range forms {
		if btn := forms[i].chooseButton(); btn != nil {
			return &forms[i], btn
		}
	}
	return nil, nil
}

// NewDriver returns the driver called name: "form" (FormDriver) or
// "headless" (HeadlessHintDriver), configured from login.
func NewDriver(name string, login Login) (LoginDriver, error) {
	switch name {
	case "form", "":
		return FormDriver{Username: login.Username, Password: login.Password}, nil
	case "headless":
		if login.PID == "" {
			return nil, fmt.Errorf("driver headless needs login.pid in the client config")
		}
		return HeadlessHintDriver{PID: login.PID}, nil
	}
	return nil, fmt.Errorf("unknown driver %q (form, headless)", name)
}
