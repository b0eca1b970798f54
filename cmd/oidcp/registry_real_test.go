package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/registry"
	"github.com/oidcp/oidcp/representation"
)

// Valid numbers that are not synthetic, standing in for a real register:
// people born in 1854 and 1860 (individual number 500–749), so nobody
// living.
const (
	realHolder = "01015450068"
	realGiver  = "02026050041"
)

// realRegister is a register export as an operator imports it: a holder
// of an ordinary power of attorney and its giver.
func realRegister(t *testing.T) string {
	t.Helper()
	return writeFile(t, "register.json", fmt.Sprintf(`{"persons": [
  {"pid": %q, "given_name": "Ola", "family_name": "Ekte"},
  {"pid": %q, "given_name": "Gunnhild", "family_name": "Ekte"}],
 "relations": [{"id": "fullmakt:1", "kind": "power_of_attorney", "holder": %q, "subject": %q, "service_areas": ["messages"]}]}`,
		realHolder, realGiver, realHolder, realGiver))
}

// TestSandboxCannotReachRealRegistry: an operator imports a real register
// (docs/registry-import.md); a vendor with a sandbox client then logs in
// through the ID-porten mock as a person of that register. The sandbox,
// and every tenant behind the mock, reads only the synthetic registry:
// no chooser offers the register's persons and no claim carries their
// names, even with the mock's dev-only switch that lets the number in at
// all (without it the mock refuses the number: see idportenmock's
// TestMockRefusesNonSyntheticNumbers).
func TestSandboxCannotReachRealRegistry(t *testing.T) {
	start := time.Date(2026, 3, 2, 12, 0, 0, 0, representation.Oslo)
	c := newCLI(t)
	clock := &testClock{}
	clock.set(start)
	base := startServing(t, devArgs(t, c, "http"), func(cfg *Config) { cfg.MockAllowNonSynthetic = true }, clock.now).base
	s := &repServer{base: base, cli: c, clock: clock, pop: population.Generate(start)}

	// The CLI runs without --dev, as in production: main reads "main".
	c.ok("persons", "import", realRegister(t))
	if rels, err := openTestStore(t, c).ListRelationsByHolder(t.Context(), registry.Main, realHolder); err != nil || len(rels) != 1 {
		t.Fatalf("the register was not imported into main: %v, %v", rels, err)
	}

	for _, tenant := range []string{"sandbox", "main"} {
		t.Run(tenant, func(t *testing.T) {
			tool := s.client(t, tenant, "tool-"+tenant, "--accept-relation", "power_of_attorney")
			code, verifier, ch := newBrowser().authorize(t, tool, realHolder)
			if ch != nil {
				t.Fatalf("the %s tenant offers to act for %v, a person of the real register", tenant, ch.options)
			}
			tok, claims := tool.tokens(t, code, verifier)
			for _, k := range []string{"name", "given_name", "family_name", "representation"} {
				if v, ok := claims[k]; ok {
					t.Errorf("ID token claim %s = %v from the real register", k, v)
				}
			}
			if ui := tool.userinfoGet(t, tok.AccessToken); ui["name"] != nil {
				t.Errorf("userinfo name = %v from the real register", ui["name"])
			}
			// The synthetic population still works: Kari holds a power of
			// attorney from Astrid.
			if _, _, ch := newBrowser().authorize(t, tool, s.pid(t, population.KeyKari)); ch == nil {
				t.Error("no chooser for Kari from the synthetic population")
			}
		})
	}
}

// TestConfigRefusesMockWithRealRegistry: a tenant anyone can log in to as
// anyone (the sandbox, a tenant behind the mock) may read only the
// synthetic registry, in dev mode too; the mock's switch for other
// numbers is dev-only.
func TestConfigRefusesMockWithRealRegistry(t *testing.T) {
	bad := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"sandbox reads main", func(c *Config) { c.Tenants[1].Registry = registry.Main },
			`tenants[1].registry: tenant "sandbox" logs in through the ID-porten mock, where anyone can pick any test person, so it may read only the synthetic population (registry: synthetic), not "main"`},
		{"sandbox with a real upstream reads main", func(c *Config) {
			c.Tenants[1].Registry = "folkereg"
			c.Tenants[1].Upstream = UpstreamConfig{Issuer: "https://test.idporten.no", ClientID: "x", ClientSecret: "y"}
		}, `tenants[1].registry: tenant "sandbox" is a sandbox, open to every vendor's test users, so it may read only the synthetic population`},
		{"mock for main in dev reads main", func(c *Config) {
			c.Dev = true
			c.Tenants[0].Registry = registry.Main
			c.Tenants[0].Upstream = UpstreamConfig{Mock: true, Issuer: c.mockIssuer()}
		}, `tenants[0].registry: tenant "main" logs in through the ID-porten mock`},
		{"registry name", func(c *Config) { c.Tenants[0].Registry = "Main Register" }, `tenants[0].registry: registry name "Main Register" must be`},
		{"mock switch outside dev", func(c *Config) { c.MockAllowNonSynthetic = true }, "mock_allow_nonsynthetic: is a development option"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid(t)
			tt.mod(&cfg)
			if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n%v\nlacks %q", err, tt.want)
			}
		})
	}
	ok := []struct {
		name string
		mod  func(*Config)
	}{
		{"a real tenant reads synthetic", func(c *Config) { c.Tenants[0].Registry = registry.Synthetic }},
		{"a real tenant reads its own register", func(c *Config) { c.Tenants[0].Registry = "folkereg" }},
		{"mock switch in dev", func(c *Config) { c.Dev, c.MockAllowNonSynthetic = true, true }},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid(t)
			tt.mod(&cfg)
			if err := cfg.Validate(); err != nil {
				t.Error(err)
			}
		})
	}

	// Defaults: the sandbox and anything behind the mock read synthetic.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "main=main sandbox=synthetic"},
		{[]string{"--dev"}, "main=synthetic sandbox=synthetic"},
	} {
		cfg, err := parse(t, tt.args...)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tc := range cfg.Tenants {
			got = append(got, tc.Name+"="+tc.reads())
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%v: registries %v, want %s", tt.args, got, tt.want)
		}
	}
}

// The import command targets a registry a tenant reads; the synthetic one
// refuses real numbers.
func TestPersonsImportRegistry(t *testing.T) {
	c := newCLI(t)
	file := realRegister(t)
	if _, errs, code := c.run("persons", "import", "--registry", "synthetic", file); code != 1 ||
		!strings.Contains(errs, `persons[0].pid: is not a synthetic number (month + 40 or + 80); the "synthetic" registry holds only synthetic test persons`) ||
		strings.Contains(errs, realHolder) {
		t.Errorf("real numbers into synthetic: exit %d, %s", code, errs)
	}
	if _, errs, code := c.run("persons", "import", "--registry", "folkereg", file); code != 1 ||
		!strings.Contains(errs, `--registry: no tenant reads the registry "folkereg"; the configured tenants read main, synthetic`) {
		t.Errorf("unknown registry: exit %d, %s", code, errs)
	}
	if _, errs, code := c.run("persons", "import", "--registry", "Bad Name", file); code != 1 || !strings.Contains(errs, `registry name "Bad Name" must be`) {
		t.Errorf("bad registry name: exit %d, %s", code, errs)
	}
	store := openTestStore(t, c)
	if _, err := store.GetPerson(t.Context(), registry.Synthetic, realHolder); err == nil {
		t.Fatal("a refused import reached the synthetic registry")
	}
	doc, pids := importDoc(t, "parent")
	c.ok("persons", "import", "--registry", "synthetic", writeFile(t, "synthetic.json", doc))
	if _, err := store.GetPerson(t.Context(), registry.Synthetic, pids[0]); err != nil {
		t.Errorf("synthetic numbers into synthetic: %v", err)
	}
	if _, err := store.GetPerson(t.Context(), registry.Main, pids[0]); err == nil {
		t.Error("an import into synthetic reached main")
	}
}
