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
