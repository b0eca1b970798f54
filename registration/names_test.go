package registration

import (
	"maps"
	"strings"
	"testing"
)

// TestLocalizedNames: client_name#nn and #en (RFC 7591 §2.2) are stored,
// answered beside client_name on registration, read and update (RFC
// 7592), and replaced by an update; a tag other than nb, nn or en, or a
// name that is not a string, is invalid_client_metadata naming the member.
func TestLocalizedNames(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token("acme")
	md := webClient()
	md["client_name#nn"], md["client_name#en"] = "Acme Journal (nynorsk)", "Acme Record"
	out := e.register(tok, md)
	if out["client_name#nn"] != "Acme Journal (nynorsk)" || out["client_name#en"] != "Acme Record" || out["client_name"] != "Acme Journal" {
		t.Fatalf("registration response: %v", out)
	}
	id, rat := out["client_id"].(string), out["registration_access_token"].(string)
	c, err := e.store.GetClient(t.Context(), "sandbox", id)
	if want := map[string]string{"nn": "Acme Journal (nynorsk)", "en": "Acme Record"}; err != nil || !maps.Equal(c.Names, want) {
		t.Fatalf("stored names %v (%v), want %v", c.Names, err, want)
	}
	path := "/sandbox/register/" + id
	if code, got, _ := e.do("GET", path, rat, nil); code != 200 || got["client_name#en"] != "Acme Record" || got["client_name#nn"] != "Acme Journal (nynorsk)" {
		t.Fatalf("read: %d %v", code, got)
	}

	delete(md, "client_name#nn")
	md["client_id"], md["client_name#nb"], md["client_name#en"] = id, "Acme Journal (bokmål)", "Acme Record 2"
	code, got, _ := e.do("PUT", path, rat, md)
	if code != 200 || got["client_name#nb"] != "Acme Journal (bokmål)" || got["client_name#en"] != "Acme Record 2" || got["client_name#nn"] != nil {
		t.Fatalf("update: %d %v", code, got)
	}

	for _, tc := range []struct {
		member string
		value  any
	}{
		{"client_name#de", "Acme Akte"},
		{"client_name#en-US", "Acme Record"},
		{"client_name#nn", 7},
	} {
		md := webClient()
		md[tc.member] = tc.value
		code, got, _ := e.do("POST", "/sandbox/register", tok, md)
		desc, _ := got["error_description"].(string)
		if code != 400 || got["error"] != "invalid_client_metadata" || !strings.HasPrefix(desc, tc.member+":") {
			t.Errorf("%s=%v: %d %v, want 400 invalid_client_metadata naming %s", tc.member, tc.value, code, got, tc.member)
		}
	}
}
