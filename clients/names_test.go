package clients

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// TestBuildNames: client_name#nb/#nn/#en are kept by lower-case tag,
// trimmed, empty ones dropped; another tag, or one too long, is refused
// naming the field.
func TestBuildNames(t *testing.T) {
	base := func() Registration {
		return Registration{ID: "tool", Name: "Tool", Secret: "0123456789abcdef0123", RedirectURIs: []string{"https://tool.example/cb"}}
	}
	r := base()
	r.Names = map[string]string{"nn": " Verktøyet ", "EN": "The tool", "nb": ""}
	c, err := Build("sandbox", r, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"nn": "Verktøyet", "en": "The tool"}; !maps.Equal(c.Names, want) {
		t.Fatalf("names %v, want %v", c.Names, want)
	}
	r = base()
	if c, err := Build("sandbox", r, time.Now()); err != nil || c.Names != nil {
		t.Fatalf("no names: %v, %v", c.Names, err)
	}
	for _, tc := range []struct {
		names map[string]string
		field string
	}{
		{map[string]string{"de": "Das Werkzeug"}, "client_name#de"},
		{map[string]string{"en-US": "Tool"}, "client_name#en-US"},
		{map[string]string{"": "Tool"}, "client_name#"},
		{map[string]string{"nn": string(make([]byte, 201))}, "client_name#nn"},
	} {
		r := base()
		r.Names = tc.names
		_, err := Build("sandbox", r, time.Now())
		if got := Fields(err); !slices.Equal(got, []string{tc.field}) || !errors.Is(err, ErrInvalidMetadata) {
			t.Errorf("names %v: fields %v (%v), want [%s] invalid_client_metadata", tc.names, got, err, tc.field)
		}
	}
}

// TestDisplayName: the page language's name, else the untagged
// client_name, else bokmål, else nynorsk, else the client id.
func TestDisplayName(t *testing.T) {
	all := map[string]string{"nb": "Verktøyet (nb)", "nn": "Verktøyet (nn)", "en": "The tool"}
	for _, tc := range []struct {
		lang  string
		names map[string]string
		name  string
		want  string
	}{
		{"en", all, "Tool", "The tool"},
		{"nn", all, "Tool", "Verktøyet (nn)"},
		{"nb", all, "Tool", "Verktøyet (nb)"},
		{"en", map[string]string{"nb": "Verktøyet (nb)", "nn": "Verktøyet (nn)"}, "Tool", "Tool"},
		{"en", map[string]string{"nb": "Verktøyet (nb)", "nn": "Verktøyet (nn)"}, "", "Verktøyet (nb)"},
		{"en", map[string]string{"nn": "Verktøyet (nn)"}, "", "Verktøyet (nn)"},
		{"nb", map[string]string{"nn": "Verktøyet (nn)"}, "Tool", "Tool"},
		{"nb", map[string]string{"en": "The tool"}, "Tool", "Tool"},
		{"nn", nil, "Tool", "Tool"},
		{"nn", nil, "", "tool-id"},
		{"", all, "Tool", "Verktøyet (nb)"},
	} {
		c := storage.Client{ID: "tool-id", Name: tc.name, Names: tc.names}
		if got := DisplayName(c, tc.lang); got != tc.want {
			t.Errorf("lang %q names %v name %q: %q, want %q", tc.lang, tc.names, tc.name, got, tc.want)
		}
	}
}
