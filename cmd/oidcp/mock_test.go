package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMockClientSecret(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	a := mockClientSecret(k1, "main")
	if a != mockClientSecret(k1, "main") {
		t.Error("not deterministic: nodes would disagree")
	}
	if a == mockClientSecret(k1, "sandbox") || a == mockClientSecret(k2, "main") {
		t.Error("secret does not depend on tenant and KEK")
	}
	if len(a) != 43 {
		t.Errorf("len %d", len(a))
	}
}

func devConfig(t *testing.T) Config {
	t.Helper()
	clearEnv(t)
	cfg, err := parse(t, "--dev")
	if err != nil {
		t.Fatal(err)
	}
	resolveMockSecrets(&cfg, bytes.Repeat([]byte{7}, 32))
	return cfg
}

func TestNewMockServesDiscovery(t *testing.T) {
	cfg := devConfig(t)
	for _, tc := range cfg.Tenants {
		if tc.Upstream.ClientSecret == "" || tc.Upstream.ClientID != "oidcp-"+tc.Name {
			t.Errorf("tenant %s upstream %+v", tc.Name, tc.Upstream)
		}
	}
	mock, err := newMock(cfg, mockState{}, time.Now, newLogger(cfg, &bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(mockPath+"/", http.StripPrefix(mockPath, mock))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", mockPath+"/.well-known/openid-configuration", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"issuer":"`+cfg.mockIssuer()+`"`) {
		t.Errorf("mock discovery = %d %s", rec.Code, rec.Body)
	}
}

func TestBanner(t *testing.T) {
	cfg := devConfig(t)
	var b bytes.Buffer
	printBanner(&b, cfg, "127.0.0.1:8081", true)
	out := b.String()
	for _, want := range []string{
		"http://127.0.0.1:8080/main\n",
		"http://127.0.0.1:8080/sandbox/.well-known/openid-configuration",
		"http://127.0.0.1:8080/idporten-mock",
		"login_hint=testid:",
		"http://127.0.0.1:8081/metrics",
		"oidcp clients create --tenant sandbox",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, cfg.Tenants[0].Upstream.ClientSecret) {
		t.Error("banner shows the mock client secret")
	}
}

// TestBannerTruths: the banner's register command is one that runs
// (the binary oidcp was started as, or go run when go run started it),
// the version line never reads "oidcp dev" (which looks like the mode),
// and the sandbox tenant is described rather than named twice.
func TestBannerTruths(t *testing.T) {
	for arg0, want := range map[string]string{
		"bin/oidcp":                              "bin/oidcp",
		"/usr/local/bin/oidcp":                   "/usr/local/bin/oidcp",
		"/tmp/go-build3509611576/b001/exe/oidcp": "go run ./cmd/oidcp",
		"/root/.cache/go-build/79/7919-d/oidcp":  "go run ./cmd/oidcp",
		"":                                       "go run ./cmd/oidcp",
	} {
		if got := selfCommand(arg0); got != want {
			t.Errorf("selfCommand(%q) = %q, want %q", arg0, got, want)
		}
	}
	var b bytes.Buffer
	printBanner(&b, devConfig(t), "127.0.0.1:8081", true)
	out := b.String()
	// The test binary is a go-build temporary, as under go run.
	if !strings.Contains(out, "\n  go run ./cmd/oidcp clients create --tenant sandbox") {
		t.Errorf("banner's register command is not runnable as printed:\n%s", out)
	}
	if strings.HasPrefix(out, "oidcp dev ") || !strings.HasPrefix(out, "oidcp "+displayVersion()+" is serving") {
		t.Errorf("banner's first line %q, want the version %q", strings.SplitN(out, "\n", 2)[0], displayVersion())
	}
	if strings.Contains(out, "tenant sandbox (sandbox)") || !strings.Contains(out, "tenant sandbox (synthetic test population)") {
		t.Errorf("banner describes the sandbox tenant as:\n%s", out)
	}
}

// TestHelpValueNames: pflag takes a backquoted word in a flag's help as
// the name of its value; no help may show a command there.
func TestHelpValueNames(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--help"}, &out, &errb); code != 0 {
		t.Fatalf("serve --help: exit %d: %s", code, errb.String())
	}
	help := out.String()
	if !strings.Contains(help, "--kek string") || strings.Contains(help, "--kek openssl") {
		t.Errorf("--kek reads:\n%s", help)
	}
}
