package claims

import (
	"reflect"
	"testing"
	"time"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

func TestPairwiseSubject(t *testing.T) {
	a := PairwiseSubject([]byte("salt"), "tool.example", "01010112345")
	for _, tc := range []struct {
		name       string
		salt       string
		sector     string
		pid        string
		sameAsBase bool
	}{
		{"same inputs", "salt", "tool.example", "01010112345", true},
		{"another sector", "salt", "other.example", "01010112345", false},
		{"another person", "salt", "tool.example", "01010112346", false},
		{"another salt (tenant)", "pepper", "tool.example", "01010112345", false},
		// The separator keeps sector and pid apart: "a"+"b1" ≠ "ab"+"1".
		{"shifted boundary", "salt", "tool.example0", "1010112345", false},
	} {
		got := PairwiseSubject([]byte(tc.salt), tc.sector, tc.pid)
		if (got == a) != tc.sameAsBase {
			t.Errorf("%s: %q vs %q", tc.name, got, a)
		}
	}
	if len(a) != 43 {
		t.Errorf("sub %q: want 43 base64url characters (SHA-256)", a)
	}
}

func TestSector(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    storage.Client
		want string
	}{
		{"registered sector", storage.Client{ID: "c", SectorIdentifier: "sector.example", RedirectURIs: []string{"https://tool.example/cb"}}, "sector.example"},
		{"the one https host", storage.Client{ID: "c", RedirectURIs: []string{"https://tool.example:8443/cb", "https://TOOL.example/other"}}, "tool.example"},
		// Several hosts would let a tool borrow another's sector.
		{"several hosts", storage.Client{ID: "c", RedirectURIs: []string{"https://victim.example/cb", "https://evil.example/cb"}}, "client:c"},
		// Any app can register loopback and private-use URIs.
		{"loopback", storage.Client{ID: "c", RedirectURIs: []string{"http://127.0.0.1:9000/cb"}}, "client:c"},
		{"private-use scheme", storage.Client{ID: "c", RedirectURIs: []string{"no.tld.app:/cb"}}, "client:c"},
		{"no redirect", storage.Client{ID: "c"}, "client:c"},
	} {
		if got := Sector(tc.c); got != tc.want {
			t.Errorf("%s: Sector = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func oslo(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, representation.Oslo)
}

func TestPerson(t *testing.T) {
	// A synthetic test fødselsnummer (month + 80): born 1985-03-15 (individual 100: 1900s).
	const pid = "15838510075"
	ordinary := storage.Client{ID: "tool", Category: "ordinary"}
	pseudo := storage.Client{ID: "anon", Category: "pseudonymous"}
	// Stored at midnight Oslo, read back in UTC: still the 20th.
	kari := &storage.Person{PID: pid, GivenName: "Kari", FamilyName: "Nordmann", BirthDate: oslo(1985, 3, 20).UTC()}
	for _, tc := range []struct {
		name   string
		c      storage.Client
		scopes []string
		locale string
		person *storage.Person
		want   map[string]any
	}{
		{"openid only", ordinary, []string{"openid"}, "nb", kari, map[string]any{}},
		{"pid", ordinary, []string{"openid", "pid"}, "nb", kari, map[string]any{"pid": pid}},
		{"profile", ordinary, []string{"openid", "profile"}, "nn", kari, map[string]any{
			"name": "Kari Nordmann", "given_name": "Kari", "family_name": "Nordmann", "birthdate": "1985-03-20", "locale": "nn"}},
		{"profile without registry entry: birth date from the pid", ordinary, []string{"profile"}, "", nil, map[string]any{"birthdate": "1985-03-15"}},
		{"profile, entry without names or date", ordinary, []string{"profile"}, "", &storage.Person{PID: pid}, map[string]any{"birthdate": "1985-03-15"}},
		{"pseudonymous gets nothing", pseudo, []string{"openid", "pid", "profile"}, "nb", kari, map[string]any{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Person(tc.c, tc.scopes, pid, tc.locale, tc.person); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Person = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRepresentation(t *testing.T) {
	ordinary := storage.Client{ID: "tool", Category: "ordinary"}
	pseudo := storage.Client{ID: "anon", Category: "pseudonymous"}
	child := &representation.Choice{
		Subject:  representation.Person{PID: "15901050012", GivenName: "Ingrid", FamilyName: "Nordmann", BirthDate: oslo(2010, 5, 15)},
		Relation: representation.Relation{Kind: "parent"},
		Decision: representation.Decision{Allowed: true, Limited: true, ValidUntil: oslo(2026, 5, 15)},
	}
	poa := &representation.Choice{
		Subject:  representation.Person{PID: "15834012345"},
		Relation: representation.Relation{Kind: "power_of_attorney"},
		Decision: representation.Decision{Allowed: true, ServiceAreas: []string{"health"}},
	}
	for _, tc := range []struct {
		name   string
		c      storage.Client
		scopes []string
		a      *representation.Choice
		want   map[string]any
	}{
		{"pseudonymous: only the pairwise sub", pseudo, []string{"pid", "profile"}, child, map[string]any{
			"relation": "parent", "limited": true, "valid_until": "2026-05-14T22:00:00Z",
			"represented": map[string]any{"sub": "rep-sub"}}},
		{"pid and profile", ordinary, []string{"pid", "profile"}, child, map[string]any{
			"relation": "parent", "limited": true, "valid_until": "2026-05-14T22:00:00Z",
			"represented": map[string]any{"sub": "rep-sub", "pid": "15901050012", "name": "Ingrid Nordmann", "birthdate": "2010-05-15"}}},
		{"no profile: no name", ordinary, []string{"pid"}, child, map[string]any{
			"relation": "parent", "limited": true, "valid_until": "2026-05-14T22:00:00Z",
			"represented": map[string]any{"sub": "rep-sub", "pid": "15901050012"}}},
		{"service areas, no end, no name known", ordinary, []string{"profile"}, poa, map[string]any{
			"relation": "power_of_attorney", "limited": false, "service_areas": []string{"health"},
			"represented": map[string]any{"sub": "rep-sub"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Representation(tc.c, tc.scopes, "rep-sub", tc.a); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Representation =\n%v\nwant\n%v", got, tc.want)
			}
		})
	}
}

func TestDate(t *testing.T) {
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{oslo(2000, 1, 1), "2000-01-01"},
		{oslo(2000, 1, 1).UTC(), "2000-01-01"}, // 1999-12-31T23:00Z
		{oslo(2000, 7, 1).UTC(), "2000-07-01"}, // summer time: 22:00Z
		{time.Date(2000, 7, 1, 0, 0, 0, 0, time.UTC), "2000-07-01"},
	} {
		if got := Date(tc.in); got != tc.want {
			t.Errorf("Date(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNarrow(t *testing.T) {
	in := map[string]any{
		"sub": "s1", "acr": "idporten-loa-high", "pid": "01818000010", "name": "Kari Nordmann", "given_name": "Kari",
		"family_name": "Nordmann", "birthdate": "1980-01-01", "locale": "nb",
		"representation": map[string]any{
			"relation": "parent", "limited": false,
			"represented": map[string]any{"sub": "s2", "pid": "03831550170", "name": "Ola Nordmann", "birthdate": "2015-03-03"},
		},
	}
	for _, tc := range []struct {
		name   string
		scopes []string
		want   map[string]any
	}{
		{"pid and profile keep everything", []string{"pid", "profile"}, in},
		{"pid only", []string{"pid"}, map[string]any{
			"sub": "s1", "acr": "idporten-loa-high", "pid": "01818000010",
			"representation": map[string]any{"relation": "parent", "limited": false,
				"represented": map[string]any{"sub": "s2", "pid": "03831550170"}},
		}},
		{"neither", []string{"ehelse.read"}, map[string]any{
			"sub": "s1", "acr": "idporten-loa-high",
			"representation": map[string]any{"relation": "parent", "limited": false,
				"represented": map[string]any{"sub": "s2"}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Narrow(in, tc.scopes); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Narrow(%v) =\n %v\nwant\n %v", tc.scopes, got, tc.want)
			}
		})
	}
	if in["pid"] != "01818000010" || in["representation"].(map[string]any)["represented"].(map[string]any)["pid"] != "03831550170" {
		t.Fatal("Narrow changed its input")
	}
}

// TestShowsPID: the rule for fødselsnummer that ID tokens and the
// account API share: the scope pid, and never to a pseudonymous client.
func TestShowsPID(t *testing.T) {
	identified := storage.Client{Category: clients.CategoryIdentified}
	k3 := storage.Client{Category: clients.CategoryPseudonymous}
	for _, tc := range []struct {
		c      storage.Client
		scopes []string
		want   bool
	}{
		{identified, []string{"openid", "pid"}, true},
		{identified, []string{"openid", "profile"}, false},
		{k3, []string{"openid", "pid"}, false},
	} {
		if got := ShowsPID(tc.c, tc.scopes); got != tc.want {
			t.Errorf("ShowsPID(%s, %v) = %v, want %v", tc.c.Category, tc.scopes, got, tc.want)
		}
	}
}
