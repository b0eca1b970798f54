package idportenmock

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/representation"
)

const (
	fuzzClient   = "rp"
	fuzzRedirect = "https://rp.example/cb?tenant=main"
)

// fuzzServer is a mock with one client, built once per fuzz target.
func fuzzServer(f *testing.F) *Server {
	s, err := New(Config{
		Issuer:  "https://op.example/idporten-mock",
		Clients: []Client{{ID: fuzzClient, Secret: "rp-secret", RedirectURIs: []string{fuzzRedirect, "com.example.app:/cb"}}},
		Now:     func() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		f.Fatal(err)
	}
	return s
}

func fuzzPID(f *testing.F) string {
	p, err := representation.SyntheticPID(time.Date(1980, 3, 14, 0, 0, 0, 0, time.UTC), 100)
	if err != nil {
		f.Fatal(err)
	}
	return p
}

// FuzzAuthorize: whatever an authorization request carries, by GET query
// or POST form, the mock never fails with a 5xx, redirects only to the
// exact redirect URI registered (with iss, and state when given), and
// hands out a code only for a testid: hint with a valid fødselsnummer, at
// the level the hint names.
func FuzzAuthorize(f *testing.F) {
	s := fuzzServer(f)
	pid := fuzzPID(f)
	good := url.Values{
		"client_id": {fuzzClient}, "redirect_uri": {fuzzRedirect}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"st"}, "nonce": {"n"}, "code_challenge_method": {"S256"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
	}
	with := func(k, v string) string {
		q := url.Values{}
		for kk, vv := range good {
			q[kk] = vv
		}
		q.Set(k, v)
		return q.Encode()
	}
	// The properties below are checked only on codes; make sure one comes.
	r := httptest.NewRequest(http.MethodGet, "/authorize?"+with("login_hint", "testid:"+pid), nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if !strings.Contains(w.Header().Get("Location"), "code=") {
		f.Fatalf("the testid seed gets no code: %d %q", w.Code, w.Header().Get("Location"))
	}
	for _, q := range []string{
		good.Encode(),
		with("login_hint", "testid:"+pid),
		with("login_hint", "testid:"+pid+"_"+ACRHigh),
		with("login_hint", "testid:12345678901"),
		with("redirect_uri", "https://rp.example/cb"),
		with("prompt", "none"),
		with("acr_values", ACRHigh+" bogus"),
		with("request", "eyJ.e30."),
		with("max_age", "-1"),
		with("request_uri", "urn:x"),
		"%zz&client_id=rp",
		"client_id=rp&client_id=other&redirect_uri=" + url.QueryEscape(fuzzRedirect),
	} {
		f.Add(q, false)
		f.Add(q, true)
	}
	f.Fuzz(func(t *testing.T, query string, post bool) {
		var r *http.Request
		if post {
			r = httptest.NewRequest(http.MethodPost, "/authorize", strings.NewReader(query))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			r = httptest.NewRequest(http.MethodGet, "/authorize", nil)
			r.URL.RawQuery = query
		}
		// Fresh state per input: the login page keeps a pending login for
		// ten minutes, which would pile up over a long run.
		s.store = newMemStore(s.now)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%q: status %d", query, w.Code)
		}
		loc := w.Header().Get("Location")
		if loc == "" {
			if w.Code/100 == 3 {
				t.Fatalf("%q: redirect %d without Location", query, w.Code)
			}
			return
		}
		u, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("%q: Location %q does not parse: %v", query, loc, err)
		}
		got := u.Query()
		target := *u
		target.RawQuery = url.Values{"tenant": got["tenant"]}.Encode()
		if target.String() != fuzzRedirect {
			t.Fatalf("%q: redirected to %q, not the registered %q", query, loc, fuzzRedirect)
		}
		if got.Get("iss") != s.issuer {
			t.Fatalf("%q: redirect without iss: %q", query, loc)
		}
		code := got.Get("code")
		if code == "" {
			if got.Get("error") == "" {
				t.Fatalf("%q: redirect with neither code nor error: %q", query, loc)
			}
			return
		}
		// The request parsed; so must the form again, for comparison.
		_ = r.ParseForm()
		grant, _, _, ok := unseal[codeGrant](s, sealCode, code)
		if !ok {
			t.Fatalf("%q: code %q does not open", query, code)
		}
		hintPID, acr, isTestID := parseTestIDHint(r.Form.Get("login_hint"))
		switch {
		case !isTestID:
			t.Fatalf("%q: code issued without a testid hint", query)
		case !representation.ValidPID(grant.Auth.PID) || grant.Auth.PID != hintPID:
			t.Fatalf("%q: code issued for pid %q (hint %q)", query, grant.Auth.PID, hintPID)
		case grant.Auth.ACR != acr:
			t.Fatalf("%q: code at %q, hint says %q", query, grant.Auth.ACR, acr)
		case got.Get("state") != r.Form.Get("state") || grant.Req.ClientID != fuzzClient:
			t.Fatalf("%q: code for client %q with state %q", query, grant.Req.ClientID, got.Get("state"))
		}
	})
}

// FuzzTestIDHint: parseTestIDHint recognises exactly the hints that start
// with testid:, gives the high level only for the _idporten-loa-high
// suffix, and returns a pid that rebuilds the hint.
func FuzzTestIDHint(f *testing.F) {
	pid := fuzzPID(f)
	for _, h := range []string{
		"testid:" + pid, "testid:" + pid + "_" + ACRHigh, "testid:" + pid + "_" + ACRSubstantial,
		"testid:", "testid:_" + ACRHigh, "TESTID:" + pid, " testid:" + pid, pid, "",
		"testid:" + pid + "_" + ACRHigh + "_" + ACRHigh,
	} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, hint string) {
		p, acr, ok := parseTestIDHint(hint)
		if ok != strings.HasPrefix(hint, "testid:") {
			t.Fatalf("parseTestIDHint(%q) ok = %v", hint, ok)
		}
		if !ok {
			if p != "" || acr != "" {
				t.Fatalf("parseTestIDHint(%q) = %q, %q for a non-testid hint", hint, p, acr)
			}
			return
		}
		rebuilt := "testid:" + p
		switch acr {
		case ACRHigh:
			rebuilt += "_" + ACRHigh
		case ACRSubstantial:
			if strings.HasSuffix(hint, "_"+ACRHigh) {
				t.Fatalf("parseTestIDHint(%q) missed the high suffix", hint)
			}
		default:
			t.Fatalf("parseTestIDHint(%q) gave acr %q", hint, acr)
		}
		if rebuilt != hint {
			t.Fatalf("parseTestIDHint(%q) = %q, %q, which rebuilds %q", hint, p, acr, rebuilt)
		}
	})
}
