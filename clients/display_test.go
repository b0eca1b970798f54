package clients

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// TestPolicyAndLogoURI: policy_uri and logo_uri are kept when they are
// https (or loopback http) and refused, naming the field, otherwise.
func TestPolicyAndLogoURI(t *testing.T) {
	base := func() Registration {
		return Registration{ID: "tool", Secret: "0123456789abcdef0123", RedirectURIs: []string{"https://tool.example/cb"}}
	}
	r := base()
	r.PolicyURI, r.LogoURI, r.Vendor = "https://tool.example/privacy", "http://127.0.0.1:9000/logo.png", "acme"
	c, err := Build("sandbox", r, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c.PolicyURI != r.PolicyURI || c.LogoURI != r.LogoURI || c.Vendor != "acme" {
		t.Fatalf("client: policy %q logo %q vendor %q", c.PolicyURI, c.LogoURI, c.Vendor)
	}
	for _, tc := range []struct{ field, policy, logo string }{
		{"policy_uri", "http://tool.example/privacy", ""},
		{"policy_uri", "https://tool.example/privacy#top", ""},
		{"logo_uri", "", "javascript:alert(1)"},
		{"logo_uri", "", "tool.example/logo.png"},
	} {
		r := base()
		r.PolicyURI, r.LogoURI = tc.policy, tc.logo
		_, err := Build("sandbox", r, time.Now())
		if got := Fields(err); !slices.Equal(got, []string{tc.field}) || !errors.Is(err, ErrInvalidMetadata) {
			t.Errorf("policy %q logo %q: fields %v (%v), want [%s] invalid_client_metadata", tc.policy, tc.logo, got, err, tc.field)
		}
	}
}
