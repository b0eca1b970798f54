package registry

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// Valid numbers that are not synthetic: people born in 1854 (individual
// number 500–749), so nobody living; the second is a D-number.
const (
	oldPID     = "01015450068"
	oldDNumber = "41015450051"
)

// syntheticDNumber is a D-number derived from a synthetic number: day
// 1 + 40, January + 80, 1980, individual number 011.
func syntheticDNumber(t *testing.T) string {
	t.Helper()
	const p = "41818001140"
	if !representation.IsSynthetic(p) {
		t.Fatalf("%s is not a synthetic D-number", p)
	}
	return p
}

// TestSyntheticRegistryRefusesRealNumbers: the synthetic registry is what
// the sandbox and every tenant behind the ID-porten mock read, so an
// import into it refuses every number that is not synthetic, naming the
// record and the fix, and imports nothing.
func TestSyntheticRegistryRefusesRealNumbers(t *testing.T) {
	onBackends(t, testSyntheticRegistryRefuses)
}

func testSyntheticRegistryRefuses(t *testing.T, s storage.Storage) {
	f := newFamily(t)
	d := f.doc
	d.Persons = append(append([]PersonRecord(nil), d.Persons...),
		PersonRecord{PID: oldPID, GivenName: "Ola", FamilyName: "Ekte"},
		PersonRecord{PID: oldDNumber, GivenName: "Per", FamilyName: "Ekte"})
	d.Relations = append(append([]RelationRecord(nil), d.Relations...),
		RelationRecord{ID: "r-real", Kind: "parent", Holder: oldPID, Subject: f.child})

	_, err := Import(t.Context(), s, Synthetic, d, now)
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("import of real numbers into the synthetic registry: %v", err)
	}
	var where []string
	for _, e := range verr.Errors {
		where = append(where, e.Record+"."+e.Field)
		if !strings.Contains(e.Message, "not a synthetic number") || strings.Contains(e.Error(), oldPID) {
			t.Errorf("error %q", e)
		}
	}
	if got := strings.Join(where, " "); got != "persons[3].pid persons[4].pid relations[2].holder" {
		t.Errorf("errors at %s", got)
	}
	if _, err := s.GetPerson(t.Context(), Synthetic, f.parent); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a refused import stored something: %v", err)
	}

	// The same document is fine in a registry for real data, and
	// synthetic numbers (D-numbers of them included) in the synthetic one.
	if _, err := Import(t.Context(), s, Main, d, now); err != nil {
		t.Fatalf("import into main: %v", err)
	}
	f.doc.Persons = append(f.doc.Persons, PersonRecord{PID: syntheticDNumber(t), GivenName: "Dina", FamilyName: "Nummer"})
	if _, err := Import(t.Context(), s, Synthetic, f.doc, now); err != nil {
		t.Fatalf("import of synthetic numbers into synthetic: %v", err)
	}
	if _, err := Import(t.Context(), s, "Not A Name", f.doc, now); err == nil || !strings.Contains(err.Error(), "registry name") {
		t.Errorf("import into a badly named registry: %v", err)
	}
}

// TestLookupReadsOnlyItsRegistry: what a person holds in one registry is
// invisible from another, even for the same number.
func TestLookupReadsOnlyItsRegistry(t *testing.T) {
	s := newStore(t)
	f := newFamily(t)
	if _, err := Import(t.Context(), s, Main, f.doc, now); err != nil {
		t.Fatal(err)
	}
	h, err := Lookup(t.Context(), s, Synthetic, f.parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Relations) != 0 || len(h.Persons) != 0 || h.Holder.GivenName != "" {
		t.Fatalf("the synthetic registry shows main's data: %+v", h)
	}
	if h, err := Lookup(t.Context(), s, Main, f.parent); err != nil || len(h.Relations) != 2 || h.Holder.GivenName != "Kari" {
		t.Fatalf("main: %+v, %v", h, err)
	}
}

func TestImportHandlerRegistry(t *testing.T) {
	s := newStore(t)
	h := ImportHandler(HandlerConfig{Store: s, Token: testToken, Now: func() time.Time { return now },
		Registries: []string{Main, Synthetic}})
	real := `{"persons": [{"pid": "` + oldPID + `", "given_name": "Ola", "family_name": "Ekte"}]}`
	post := func(query, body string) (int, errorBody) {
		t.Helper()
		rec, eb := postImport(t, withQuery(h, query), "Bearer "+testToken, "application/json", body)
		return rec.Code, eb
	}
	if code, eb := post("registry=synthetic", real); code != http.StatusUnprocessableEntity || len(eb.Errors) != 1 ||
		!strings.Contains(eb.Errors[0].Message, "not a synthetic number") {
		t.Errorf("real number into synthetic: %d %+v", code, eb)
	}
	if code, eb := post("registry=folkereg", real); code != http.StatusBadRequest ||
		!strings.Contains(eb.Description, `no tenant reads the registry "folkereg"`) || !strings.Contains(eb.Description, `"main", "synthetic"`) {
		t.Errorf("unknown registry: %d %+v", code, eb)
	}
	if code, eb := post("registry=Main%20Registry", real); code != http.StatusBadRequest || !strings.Contains(eb.Description, "registry name") {
		t.Errorf("bad registry name: %d %+v", code, eb)
	}
	if code, eb := post("", real); code != http.StatusOK {
		t.Errorf("real number into the default registry: %d %+v", code, eb)
	}
	if _, err := s.GetPerson(t.Context(), Main, oldPID); err != nil {
		t.Errorf("the default registry is main: %v", err)
	}
	if _, err := s.GetPerson(t.Context(), Synthetic, oldPID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a real number reached the synthetic registry: %v", err)
	}
}

// withQuery serves h with query added to every request's URL.
func withQuery(h http.Handler, query string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.URL.RawQuery = query
		h.ServeHTTP(w, r)
	})
}
