package conformance

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFormsLogoutButtonsOutsideForm(t *testing.T) {
	// The shape of oidc-provider's logout confirmation page: the buttons
	// sit outside the form and name it with form="…".
	page := `<form id="op.logoutForm" method="post" action="/session/end/confirm">
<input type="hidden" name="xsrf" value="abc&amp;d"/></form>
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`
	base, _ := url.Parse("https://op.example.test/session/end")
	forms := parseForms(page, base)
	if len(forms) != 1 {
		t.Fatalf("got %d forms", len(forms))
	}
	f, btn := pickForm(forms)
	if f == nil || btn == nil || btn.Value != "yes" {
		t.Fatalf("picked %+v %+v, want the yes button", f, btn)
	}
	v := f.values(btn)
	if v.Get("xsrf") != "abc&d" || v.Get("logout") != "yes" {
		t.Fatalf("values %v", v)
	}
	if f.Action != "https://op.example.test/session/end/confirm" || f.Method != "POST" {
		t.Fatalf("action %s method %s", f.Action, f.Method)
	}
}

func TestPickFormPrefersLoginAndAffirmative(t *testing.T) {
	page := `<form action="/abort"><button type="submit">Cancel</button></form>
<form method="POST" action="/login"><input name="login" autofocus><input type="password" name="password"><button>Sign-in</button></form>`
	base, _ := url.Parse("https://op.example.test/interaction/1")
	f, _ := pickForm(parseForms(page, base))
	if f == nil || !f.hasPassword() {
		t.Fatalf("want the login form, got %+v", f)
	}
	consent := `<form method="post" action="/deny"><button type="submit">Deny</button></form>
<form method="post" action="/confirm"><input type="hidden" name="prompt" value="consent"><button type="submit">Continue</button></form>`
	f, btn := pickForm(parseForms(consent, base))
	if f == nil || !strings.HasSuffix(f.Action, "/confirm") || btn == nil {
		t.Fatalf("want the confirm form, got %+v", f)
	}
	if f, _ := pickForm(parseForms(`<form action="/x"><button>Avbryt</button></form>`, base)); f != nil {
		t.Fatalf("only a negative button: want no form, got %+v", f)
	}
}

func TestParseFormsRadioGroupPicksFirst(t *testing.T) {
	page := `<form method="post" action="/choose"><input type="radio" name="actor" value="self">
<input type="radio" name="actor" value="child-1"><input type="checkbox" name="remember" value="1"><button>Fortsett</button></form>`
	base, _ := url.Parse("https://op.example.test/")
	f, btn := pickForm(parseForms(page, base))
	if f == nil {
		t.Fatal("no form")
	}
	v := f.values(btn)
	if v.Get("actor") != "self" || v.Has("remember") {
		t.Fatalf("values %v, want actor=self and no unchecked checkbox", v)
	}
}

func TestLoadClientConfig(t *testing.T) {
	dir := t.TempDir()
	y := filepath.Join(dir, "c.yaml")
	os.WriteFile(y, []byte("client_id: a\nclient_secret: s\nredirect_uri: https://rp/cb\nlogin:\n  pid: \"12345678901\"\nbackchannel:\n  listen: 127.0.0.1:1\n  uri: http://127.0.0.1:1/b\n"), 0o600)
	c, err := LoadClientConfig(y)
	if err != nil || c.ClientID != "a" || c.Login.PID != "12345678901" || c.Backchannel.URI == "" {
		t.Fatalf("yaml: %+v %v", c, err)
	}
	j := filepath.Join(dir, "c.json")
	os.WriteFile(j, []byte(`{"client_id":"a","redirect_uri":"https://rp/cb","token_endpoint_auth_method":"private_key_jwt"}`), 0o600)
	if _, err := LoadClientConfig(j); err == nil || !strings.Contains(err.Error(), "token_endpoint_auth_method") {
		t.Fatalf("want auth method error, got %v", err)
	}
	os.WriteFile(j, []byte(`{"client_id":"a","client_secret":"s","redirect_uri":"https://rp/cb","fapi_client":{"client_id":"f","redirect_uri":"https://rp/cb","token_endpoint_auth_method":"client_secret_basic"}}`), 0o600)
	if _, err := LoadClientConfig(j); err == nil || !strings.Contains(err.Error(), "fapi_client needs") {
		t.Fatalf("want a fapi_client error, got %v", err)
	}
	os.WriteFile(j, []byte(`{"client_secret":"s"}`), 0o600)
	if _, err := LoadClientConfig(j); err == nil || !strings.Contains(err.Error(), "client_id") || !strings.Contains(err.Error(), "redirect_uri") {
		t.Fatalf("want missing-field errors, got %v", err)
	}
}

func TestMainUsage(t *testing.T) {
	var out, errb strings.Builder
	if code := Main([]string{"--issuer", "https://x"}, &out, &errb); code != 2 {
		t.Fatalf("exit %d, want 2 without --client-config", code)
	}
	if _, err := NewDriver("headless", Login{}); err == nil {
		t.Fatal("headless without pid must be refused")
	}
	d, err := NewDriver("headless", Login{PID: "01017012345"})
	if err != nil || d.(LoginHinter).LoginHint() != "testid:01017012345" {
		t.Fatalf("headless driver: %v", err)
	}
}

func TestVerdictPrecedence(t *testing.T) {
	tests := []struct {
		steps []StepStatus
		want  Result
	}{
		{[]StepStatus{StepOK, StepInfo}, Passed},
		{[]StepStatus{StepOK, StepReview}, Review},
		{[]StepStatus{StepReview, StepWarning}, Warning},
		{[]StepStatus{StepWarning, StepSkipped}, Skipped},
		{[]StepStatus{StepSkipped, StepFailure, StepWarning}, Failed},
	}
	for _, tc := range tests {
		var steps []Step
		for _, s := range tc.steps {
			steps = append(steps, Step{Status: s, Message: string(s)})
		}
		if got, _ := verdict(steps); got != tc.want {
			t.Errorf("%v: got %s, want %s", tc.steps, got, tc.want)
		}
	}
}

func TestExampleConfigsLoad(t *testing.T) {
	for _, p := range []string{"testdata/oidcp-client.example.yaml", "../scripts/conformance-peer/client.json"} {
		c, err := LoadClientConfig(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if c.PostClient == nil || c.StrictClient == nil || c.Backchannel == nil {
			t.Fatalf("%s: optional clients not loaded: %+v", p, c)
		}
	}
}
