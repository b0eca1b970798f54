package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/registry"
	"github.com/oidcp/oidcp/representation"
)

// importDoc is a small family as an import document.
func importDoc(t *testing.T, kind string) (string, []string) {
	t.Helper()
	var pids []string
	for i, birth := range []time.Time{time.Date(1980, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2016, 6, 2, 0, 0, 0, 0, time.UTC)} {
		p, err := representation.SyntheticPID(birth, 100+i*400)
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, p)
	}
	return fmt.Sprintf(`{"persons": [
  {"pid": %q, "given_name": "Kari", "family_name": "Nordmann"},
  {"pid": %q, "given_name": "Jonas", "family_name": "Nordmann"}],
 "relations": [{"id": "folkereg:1", "kind": %q, "holder": %q, "subject": %q}]}`, pids[0], pids[1], kind, pids[0], pids[1]), pids
}

func TestPersonsImport(t *testing.T) {
	c := newCLI(t)
	bad, pids := importDoc(t, "guardian")
	out, errs, code := c.run("persons", "import", writeFile(t, "bad.json", bad))
	if code != 1 || !strings.Contains(errs, `relations[0].kind: "guardian" is not a relation kind`) || out != "" {
		t.Fatalf("invalid document: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if strings.Contains(errs, pids[0]) {
		t.Errorf("error output names a fødselsnummer: %s", errs)
	}
	if _, errs, code := c.run("persons", "import", writeFile(t, "x.json", `{"persons": [}`)); code != 1 || !strings.Contains(errs, "malformed") {
		t.Errorf("malformed document: exit %d, %s", code, errs)
	}
	if _, errs, code := c.run("persons", "import", "/nonexistent/registry.json"); code != 1 || !strings.Contains(errs, "no such file") {
		t.Errorf("missing file: exit %d, %s", code, errs)
	}

	good, _ := importDoc(t, "parent")
	file := writeFile(t, "registry.json", good)
	var dry registry.Result
	if err := json.Unmarshal([]byte(c.ok("persons", "import", "--dry-run", file)), &dry); err != nil || dry.Persons.Created != 2 {
		t.Errorf("dry run = %+v, %v", dry, err)
	}
	for i, want := range []registry.Result{
		{Persons: registry.Counts{Created: 2}, Relations: registry.Counts{Created: 1}},
		{Persons: registry.Counts{Unchanged: 2}, Relations: registry.Counts{Unchanged: 1}},
	} {
		var got registry.Result
		if err := json.Unmarshal([]byte(c.ok("persons", "import", file)), &got); err != nil || got != want {
			t.Errorf("import %d = %+v (%v), want %+v", i, got, err, want)
		}
	}
	store := openTestStore(t, c)
	rels, err := store.ListRelationsByHolder(t.Context(), registry.Main, pids[0])
	if err != nil || len(rels) != 1 || rels[0].Subject != pids[1] || rels[0].Kind != "parent" {
		t.Errorf("stored relations = %+v, %v", rels, err)
	}
}

// TestServeSeedsRegistry: serve in dev mode seeds the population of its
// clock's day into the registry, shows it on the sandbox page and accepts
// imports on the admin listener with the admin token.
func TestServeSeedsRegistry(t *testing.T) {
	c := newCLI(t)
	day := time.Date(2026, 2, 28, 12, 0, 0, 0, representation.Oslo)
	srv := startServing(t, devArgs(t, c, "http", "--log-level", "info", "--admin-token", adminToken), nil, func() time.Time { return day })
	base, admin, logs := srv.base, srv.admin, srv.logs

	pop := population.Generate(day)
	store := openTestStore(t, c)
	kari := pop.Keys[population.KeyKari]
	h, err := registry.Lookup(t.Context(), store, registry.Synthetic, kari)
	if err != nil {
		t.Fatal(err)
	}
	all := []representation.RelationKind{representation.Parent, representation.PowerOfAttorney, representation.AssignedPowerOfAttorney}
	var offered []string
	for _, ch := range representation.Choices(h.Holder, h.Relations, h.Persons, all, false, day) {
		offered = append(offered, ch.Subject.GivenName)
	}
	if strings.Join(offered, ",") != "Emma,Jonas,Nora,Ingrid,Sofie,Astrid" {
		t.Errorf("Kari is offered %v from the seeded registry", offered)
	}

	resp, err := http.Get(base + "/sandbox/population?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), kari) || !strings.Contains(string(body), "Generated for 2026-02-28") {
		t.Errorf("population page: %d\n%.300s", resp.StatusCode, body)
	}
	if resp, err := http.Get(base + "/main/population"); err != nil || resp.StatusCode != 404 {
		t.Errorf("population page on the main tenant: %v %v", resp.StatusCode, err)
	}

	doc, pids := importDoc(t, "parent")
	post := func(token string) (int, string) {
		req, _ := http.NewRequest("POST", admin+registry.ImportPath+"?registry=synthetic", strings.NewReader(doc))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := post(""); code != 401 {
		t.Errorf("import without token: %d", code)
	}
	if code, _ := post(strings.Repeat("x", len(adminToken))); code != 401 {
		t.Errorf("import with a wrong token: %d", code)
	}
	if code, b := post(adminToken); code != 200 || !strings.Contains(b, `"relations":{"created":1`) {
		t.Errorf("import: %d %s", code, b)
	}
	if rels, err := store.ListRelationsByHolder(t.Context(), registry.Synthetic, pids[0]); err != nil || len(rels) != 1 {
		t.Errorf("imported relations: %v, %v", rels, err)
	}
	for _, p := range append(pids, kari) {
		if strings.Contains(logs.String(), p) {
			t.Errorf("logs contain a fødselsnummer:\n%s", logs.String())
		}
	}
	if strings.Contains(logs.String(), adminToken) {
		t.Error("logs contain the admin token")
	}
}
