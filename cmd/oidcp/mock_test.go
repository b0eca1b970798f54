package main

import (
	"bytes"
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
	mock, err := newMock(cfg, time.Now, newLogger(cfg, &bytes.Buffer{}))
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
