package provider

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/storage"
)

func TestRequiredACR(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"idporten-loa-substantial", "idporten-loa-substantial"},
		{"idporten-loa-high", "idporten-loa-high"},
		// Alternatives: listing substantial accepts substantial even
		// when high is preferred (OIDC Core §3.1.2.1).
		{"idporten-loa-high idporten-loa-substantial", "idporten-loa-substantial"},
		{"idporten-loa-substantial idporten-loa-high", "idporten-loa-substantial"},
		{"urn:other idporten-loa-high", "idporten-loa-high"},
		{"urn:other", ""},
		{"  idporten-loa-high  ", "idporten-loa-high"},
	} {
		if got := requiredACR(tc.in); got != tc.want {
			t.Errorf("requiredACR(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestACRSatisfies(t *testing.T) {
	const sub, high = "idporten-loa-substantial", "idporten-loa-high"
	for _, tc := range []struct {
		got, want string
		ok        bool
	}{
		{"", "", true},
		{sub, "", true},
		{sub, sub, true},
		{high, sub, true},
		{sub, high, false},
		{high, high, true},
		{"", sub, false},
		{"", high, false},
		{"urn:other", sub, false},
	} {
		if got := acrSatisfies(tc.got, tc.want); got != tc.ok {
			t.Errorf("acrSatisfies(%q, %q) = %v, want %v", tc.got, tc.want, got, tc.ok)
		}
	}
}

func TestUpstreamACR(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"urn:other", ""},
		{"idporten-loa-high idporten-loa-substantial", "idporten-loa-high"},
		{"urn:other idporten-loa-substantial", "idporten-loa-substantial"},
	} {
		if got := upstreamACR(tc.in); got != tc.want {
			t.Errorf("upstreamACR(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseMaxAge(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"", -1, true},
		{"0", 0, true},
		{"3600", 3600, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"abc", 0, false},
		{"99999999999999999999", 0, false},
	} {
		got, err := parseMaxAge(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("parseMaxAge(%q) = %d, %v", tc.in, got, err)
		}
		if err != nil && !errors.Is(err, fosite.ErrInvalidRequest) {
			t.Errorf("parseMaxAge(%q): %v, want invalid_request", tc.in, err)
		}
	}
}

// TestCheckClientPolicy: PKCE, nonce and PAR per client; state always.
func TestCheckClientPolicy(t *testing.T) {
	confidential := storage.Client{ID: "conf"}
	strict := storage.Client{ID: "strict", RequirePKCE: true, RequireNonce: true, RequirePAR: true}
	public := storage.Client{ID: "pub", Public: true}
	full := url.Values{"code_challenge": {"x"}, "code_challenge_method": {"S256"}, "nonce": {"n"}}
	without := func(k string) url.Values {
		v := url.Values{}
		for kk, vv := range full {
			if kk != k {
				v[kk] = vv
			}
		}
		return v
	}
	for _, tc := range []struct {
		name   string
		c      storage.Client
		form   url.Values
		openid bool
		state  string
		viaPAR bool
		hint   string // "" when allowed
	}{
		{"confidential, nothing", confidential, url.Values{}, true, "st", false, ""},
		{"confidential, no state", confidential, url.Values{}, true, "", false, "state parameter is required"},
		{"confidential, plain PKCE", confidential, url.Values{"code_challenge": {"x"}, "code_challenge_method": {"plain"}}, true, "st", false, "must be S256"},
		{"confidential, PKCE without method", confidential, url.Values{"code_challenge": {"x"}}, true, "st", false, "must be S256"},
		{"strict, everything", strict, full, true, "st", true, ""},
		{"strict, not via PAR", strict, full, true, "st", false, "push its authorization request"},
		{"strict, no PKCE", strict, without("code_challenge"), true, "st", true, "must use PKCE"},
		{"strict, no nonce", strict, without("nonce"), true, "st", true, "must send a nonce"},
		{"strict, no nonce without openid", strict, without("nonce"), false, "st", true, ""},
		{"public, everything", public, full, true, "st", true, ""},
		{"public, not via PAR", public, full, true, "st", false, "push its authorization request"},
		{"public, no PKCE", public, without("code_challenge"), true, "st", true, "must use PKCE"},
		{"public, no nonce", public, without("nonce"), true, "st", true, "must send a nonce"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ar := fosite.NewAuthorizeRequest()
			ar.Client = &fositeClient{c: tc.c}
			ar.Form = tc.form
			ar.State = tc.state
			if tc.openid {
				ar.RequestedScope = fosite.Arguments{"openid"}
			}
			err := (&Provider{}).checkClientPolicy(ar, tc.viaPAR)
			if tc.hint == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			rfc := fosite.ErrorToRFC6749Error(err)
			if err == nil || !strings.Contains(strings.ToLower(rfc.HintField), strings.ToLower(tc.hint)) {
				t.Fatalf("error %v (hint %q), want a hint with %q", err, rfc.HintField, tc.hint)
			}
		})
	}
	t.Run("another client type is an error, not a panic", func(t *testing.T) {
		ar := fosite.NewAuthorizeRequest()
		ar.Client = &fosite.DefaultClient{ID: "x"}
		if err := (&Provider{}).checkClientPolicy(ar, true); !errors.Is(err, fosite.ErrServerError) {
			t.Fatalf("err %v", err)
		}
	})
}
