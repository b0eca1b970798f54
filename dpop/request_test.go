package dpop

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNormalizeURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://OP.example/main/token":          "https://op.example/main/token",
		"HTTPS://op.example:443/main/token?a=b":  "https://op.example/main/token",
		"http://op.example:80":                   "http://op.example/",
		"http://op.example:8080/x#f":             "http://op.example:8080/x",
		"https://op.example/a/%7euser/%2f":       "https://op.example/a/~user/%2F",
		"https://op.example/a/b/../c/":           "https://op.example/a/c/",
		"https://[::1]:8443/t":                   "https://[::1]:8443/t",
		"https://op.example/main/%74oken?x=%7e#": "https://op.example/main/token",
	} {
		got, err := NormalizeURL(in)
		if err != nil || got != want {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "/main/token", "ftp://op.example/x", "https://user@op.example/x", "https://op.example/%zz", "mailto:x@y"} {
		if got, err := NormalizeURL(bad); err == nil {
			t.Errorf("NormalizeURL(%q) = %q, want an error", bad, got)
		}
	}
}

func TestProofHeader(t *testing.T) {
	h := http.Header{}
	if p, err := ProofHeader(h); p != "" || err != nil {
		t.Fatalf("no header: %q %v", p, err)
	}
	h.Add("DPoP", "a.b.c")
	if p, err := ProofHeader(h); p != "a.b.c" || err != nil {
		t.Fatalf("one header: %q %v", p, err)
	}
	h.Add("DPoP", "d.e.f")
	if _, err := ProofHeader(h); err == nil {
		t.Fatal("two DPoP headers accepted")
	}
}

// resourceRequest is a GET of the resource with the token and a proof.
func resourceRequest(t *testing.T, scheme, token, proof string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://api.example/records?page=2", nil)
	r.Header.Set("Authorization", scheme+" "+token)
	if proof != "" {
		r.Header.Set("DPoP", proof)
	}
	return r
}

func TestVerifyRequest(t *testing.T) {
	v := newTestVerifier(t, func(o *Options) { o.Origin = "https://api.example" })
	token, bound := "bound-token", jkt(t, ecKey)
	rsProof := func(key any, token string) string {
		c := claims()
		c["htm"], c["htu"], c["ath"] = "GET", "https://api.example/records", AccessTokenHash(token)
		return proof(t, "ES256", key, nil, c)
	}
	if err := v.VerifyRequest(resourceRequest(t, "DPoP", token, rsProof(ecKey, token)), token, bound); err != nil {
		t.Fatalf("a good request: %v", err)
	}
	for name, tc := range map[string]struct {
		r    *http.Request
		code string
	}{
		"sent as Bearer":          {resourceRequest(t, "Bearer", token, rsProof(ecKey, token)), CodeInvalidToken},
		"no proof":                {resourceRequest(t, "DPoP", token, ""), CodeInvalidToken},
		"proof by another key":    {resourceRequest(t, "DPoP", token, rsProof(ecKey2, token)), CodeInvalidProof},
		"proof for another token": {resourceRequest(t, "DPoP", token, rsProof(ecKey, "other")), CodeInvalidProof},
	} {
		err := v.VerifyRequest(tc.r, token, bound)
		e, ok := AsError(err)
		if !ok || e.Code != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
			continue
		}
		ch := v.Challenge(err)
		if !strings.HasPrefix(ch, `DPoP error="`+tc.code+`"`) || !strings.Contains(ch, `algs="ES256 PS256 RS256 EdDSA"`) {
			t.Errorf("%s: challenge %s", name, ch)
		}
	}
	// The same proof twice: the second is a replay.
	p := rsProof(ecKey, token)
	if err := v.VerifyRequest(resourceRequest(t, "DPoP", token, p), token, bound); err != nil {
		t.Fatal(err)
	}
	if err := v.VerifyRequest(resourceRequest(t, "DPoP", token, p), token, bound); err == nil {
		t.Fatal("a replayed proof was accepted")
	}
}
