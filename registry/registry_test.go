package registry

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/storetest"
)

// newStore returns a fresh migrated SQLite store.
func newStore(t *testing.T) storage.Storage {
	t.Helper()
	return storetest.SQLite(t)
}

// newPostgres returns a fresh migrated PostgreSQL store (skipped loudly
// without a server unless OIDCP_REQUIRE_POSTGRES=1).
func newPostgres(t *testing.T) storage.Storage {
	t.Helper()
	return storetest.Postgres(t)
}

// onBackends runs fn against a fresh store of each backend: Import's
// transaction must behave the same on both (a failed statement aborts a
// PostgreSQL transaction).
func onBackends(t *testing.T, fn func(t *testing.T, s storage.Storage)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newStore(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, newPostgres(t)) })
}

func osloDay(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, representation.Oslo)
}

// pid makes a synthetic fødselsnummer.
func pid(t testing.TB, birth time.Time, n int) string {
	t.Helper()
	p, err := representation.SyntheticPID(birth, n)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

type family struct {
	parent, child, giver string
	doc                  Document
}

func newFamily(t testing.TB) family {
	f := family{
		parent: pid(t, osloDay(1980, 5, 1), 10),
		child:  pid(t, osloDay(2015, 6, 2), 510),
		giver:  pid(t, osloDay(1950, 7, 3), 20),
	}
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	f.doc = Document{
		Persons: []PersonRecord{
			{PID: f.parent, GivenName: "Kari", FamilyName: "Nordmann", BirthDate: "1980-05-01"},
			{PID: f.child, GivenName: "Emma", FamilyName: "Nordmann"},
			{PID: f.giver, GivenName: "Astrid", FamilyName: "Nordmann", LacksCapacity: true},
		},
		Relations: []RelationRecord{
			{ID: "r-parent", Kind: "parent", Holder: f.parent, Subject: f.child},
			{ID: "r-poa", Kind: "power_of_attorney", Holder: f.parent, Subject: f.giver, ValidFrom: &from, ValidTo: &to,
				ServiceAreas: []string{"prescriptions", "appointments", "prescriptions"}},
		},
	}
	return f
}

func TestValidate(t *testing.T) {
	f := newFamily(t)
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name          string
		change        func(d *Document)
		record, field string
	}{
		{"empty document", func(d *Document) { *d = Document{} }, "", ""},
		{"bad check digits", func(d *Document) { d.Persons[1].PID = f.child[:10] + string('0'+(f.child[10]-'0'+1)%10) }, "persons[1]", "pid"},
		{"missing pid", func(d *Document) { d.Persons[0].PID = "" }, "persons[0]", "pid"},
		{"letters in pid", func(d *Document) { d.Persons[0].PID = "0101800001x" }, "persons[0]", "pid"},
		{"duplicate person", func(d *Document) { d.Persons[2].PID = f.parent }, "persons[2]", "pid"},
		{"missing given name", func(d *Document) { d.Persons[1].GivenName = " " }, "persons[1]", "given_name"},
		{"control character in name", func(d *Document) { d.Persons[1].FamilyName = "A\x00B" }, "persons[1]", "family_name"},
		{"birthdate not a date", func(d *Document) { d.Persons[0].BirthDate = "01.05.1980" }, "persons[0]", "birthdate"},
		{"birthdate disagrees with pid", func(d *Document) { d.Persons[0].BirthDate = "1980-05-02" }, "persons[0]", "birthdate"},
		{"missing relation id", func(d *Document) { d.Relations[0].ID = "" }, "relations[0]", "id"},
		{"bad relation id", func(d *Document) { d.Relations[0].ID = "a b" }, "relations[0]", "id"},
		{"duplicate relation id", func(d *Document) { d.Relations[1].ID = "r-parent" }, "relations[1]", "id"},
		{"unknown kind", func(d *Document) { d.Relations[0].Kind = "guardian" }, "relations[0]", "kind"},
		{"bad holder", func(d *Document) { d.Relations[0].Holder = "12345678901" }, "relations[0]", "holder"},
		{"self relation", func(d *Document) { d.Relations[0].Subject = f.parent }, "relations[0]", "subject"},
		{"valid_to before valid_from", func(d *Document) { d.Relations[1].ValidTo = &from }, "relations[1]", "valid_to"},
		{"withdrawn_at without withdrawn", func(d *Document) { d.Relations[1].WithdrawnAt = &from }, "relations[1]", "withdrawn_at"},
		{"poa without areas", func(d *Document) { d.Relations[1].ServiceAreas = nil }, "relations[1]", "service_areas"},
		{"empty area", func(d *Document) { d.Relations[1].ServiceAreas = []string{"a", ""} }, "relations[1]", "service_areas[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newFamily(t).doc
			d.Persons, d.Relations = append([]PersonRecord(nil), f.doc.Persons...), append([]RelationRecord(nil), f.doc.Relations...)
			tt.change(&d)
			errs := Validate(d)
			if len(errs) != 1 || errs[0].Record != tt.record || errs[0].Field != tt.field {
				t.Fatalf("Validate = %v, want one error at %s.%s", errs, tt.record, tt.field)
			}
			for _, p := range []string{f.parent, f.child, f.giver} {
				if strings.Contains(errs[0].Error(), p) {
					t.Errorf("error %q contains a fødselsnummer", errs[0])
				}
			}
		})
	}
	if errs := Validate(f.doc); len(errs) != 0 {
		t.Fatalf("valid document: %v", errs)
	}
}

func TestImportIdempotent(t *testing.T) { onBackends(t, testImportIdempotent) }

func testImportIdempotent(t *testing.T, s storage.Storage) {
	f := newFamily(t)
	res, err := Import(t.Context(), s, Main, f.doc, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Result{Persons: Counts{Created: 3}, Relations: Counts{Created: 2}}); res != want {
		t.Fatalf("first import = %+v, want %+v", res, want)
	}
	poa, err := s.GetRelation(t.Context(), Main, "r-poa")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(poa.ServiceAreas, ",") != "appointments,prescriptions" || !poa.UpdatedAt.Equal(now) {
		t.Errorf("stored relation = %+v, want sorted unique areas and UpdatedAt now", poa)
	}
	child, err := s.GetPerson(t.Context(), Main, f.child)
	if err != nil || !child.BirthDate.Equal(osloDay(2015, 6, 2)) {
		t.Errorf("child = %+v (%v), want birth date from the fødselsnummer", child, err)
	}

	later := now.Add(time.Hour)
	res, err = Import(t.Context(), s, Main, f.doc, later)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Result{Persons: Counts{Unchanged: 3}, Relations: Counts{Unchanged: 2}}); res != want {
		t.Fatalf("re-import = %+v, want %+v", res, want)
	}
	if again, _ := s.GetRelation(t.Context(), Main, "r-poa"); !again.UpdatedAt.Equal(now) {
		t.Errorf("re-import touched UpdatedAt: %v", again.UpdatedAt)
	}

	// Withdrawal and a name change are updates.
	f.doc.Relations[1].Withdrawn = true
	f.doc.Persons[0].FamilyName = "Hansen"
	res, err = Import(t.Context(), s, Main, f.doc, later)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Result{Persons: Counts{Updated: 1, Unchanged: 2}, Relations: Counts{Updated: 1, Unchanged: 1}}); res != want {
		t.Fatalf("changed import = %+v, want %+v", res, want)
	}
	if w, _ := s.GetRelation(t.Context(), Main, "r-poa"); !w.Withdrawn || !w.UpdatedAt.Equal(later) {
		t.Errorf("withdrawn relation = %+v", w)
	}

	// A relation may name persons imported earlier.
	sibling := pid(t, osloDay(2018, 1, 1), 520)
	more := Document{
		Persons:   []PersonRecord{{PID: sibling, GivenName: "Jonas", FamilyName: "Nordmann"}},
		Relations: []RelationRecord{{ID: "r-sibling", Kind: "parent", Holder: f.parent, Subject: sibling}},
	}
	if res, err := Import(t.Context(), s, Main, more, later); err != nil || res.Relations.Created != 1 {
		t.Fatalf("import naming registry persons = %+v, %v", res, err)
	}
}

func TestImportAllOrNothing(t *testing.T) { onBackends(t, testImportAllOrNothing) }

func testImportAllOrNothing(t *testing.T, s storage.Storage) {
	f := newFamily(t)
	stranger := pid(t, osloDay(1970, 1, 1), 30)
	f.doc.Relations = append(f.doc.Relations,
		RelationRecord{ID: "r-stranger", Kind: "parent", Holder: stranger, Subject: f.child},
		RelationRecord{ID: "r-bad", Kind: "friend", Holder: f.parent, Subject: f.child})
	_, err := Import(t.Context(), s, Main, f.doc, now)
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Import = %v, want a *ValidationError", err)
	}
	got := map[string]bool{}
	for _, e := range verr.Errors {
		got[e.Record+"."+e.Field] = true
		if strings.Contains(e.Message, stranger) {
			t.Errorf("message %q contains a fødselsnummer", e.Message)
		}
	}
	if len(verr.Errors) != 2 || !got["relations[2].holder"] || !got["relations[3].kind"] {
		t.Fatalf("errors = %v, want relations[2].holder and relations[3].kind", verr.Errors)
	}
	if _, err := s.GetPerson(t.Context(), Main, f.parent); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a person of the failed import was stored: %v", err)
	}
	// The store is usable afterwards (the transaction was rolled back).
	f.doc.Relations = f.doc.Relations[:2]
	if _, err := Import(t.Context(), s, Main, f.doc, now); err != nil {
		t.Fatalf("Import after a failed one: %v", err)
	}
}

func TestDecode(t *testing.T) {
	for _, in := range []string{`{"persons": [{"pid": "1", "nickname": "x"}]}`, `[]`, `{"persons": []} {}`, `{`} {
		if _, err := DecodeBytes([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("Decode(%s) = %v, want ErrMalformed", in, err)
		}
	}
	d, err := DecodeBytes([]byte(`{"persons": [], "relations": [{"id": "x", "valid_to": "2026-01-01T00:00:00+01:00"}]}`))
	if err != nil || d.Relations[0].ValidTo == nil || !d.Relations[0].ValidTo.Equal(osloDay(2026, 1, 1)) {
		t.Fatalf("Decode = %+v, %v", d, err)
	}
}

func TestLookupAndChoicesOverTime(t *testing.T) {
	s := newStore(t)
	f := newFamily(t)
	if _, err := Import(t.Context(), s, Main, f.doc, now); err != nil {
		t.Fatal(err)
	}
	h, err := Lookup(t.Context(), s, Main, f.parent)
	if err != nil {
		t.Fatal(err)
	}
	if h.Holder.GivenName != "Kari" || len(h.Relations) != 2 || len(h.Persons) != 3 {
		t.Fatalf("Lookup = %+v", h)
	}
	all := []representation.RelationKind{representation.Parent, representation.PowerOfAttorney}
	cs := representation.Choices(h.Holder, h.Relations, h.Persons, all, false, now)
	if len(cs) != 2 || cs[0].Subject.PID != f.child || cs[1].Decision.MayConsent {
		t.Fatalf("Choices = %+v", cs)
	}

	// A refresh looks the holder up again and keeps acting for a subject
	// only while Choices still offers them (provider.recheckRepresentation).
	check := func(subject string, at time.Time, want bool) {
		t.Helper()
		h, err := Lookup(t.Context(), s, Main, f.parent)
		if err != nil {
			t.Fatal(err)
		}
		offered := false
		for _, c := range representation.Choices(h.Holder, h.Relations, h.Persons, all, false, at) {
			offered = offered || c.Subject.PID == subject
		}
		if offered != want {
			t.Errorf("at %v: subject offered = %v, want %v", at, offered, want)
		}
	}
	check(f.child, now, true)
	// The child turns 16 on 2 June 2031 (Oslo): refresh fails from then.
	check(f.child, osloDay(2031, 6, 2).Add(-time.Nanosecond), true)
	check(f.child, osloDay(2031, 6, 2), false)
	check(f.giver, now, true)
	check(f.giver, time.Date(2027, 1, 1, 0, 0, 1, 0, time.UTC), false) // expired

	f.doc.Relations[1].Withdrawn = true
	if _, err := Import(t.Context(), s, Main, f.doc, now); err != nil {
		t.Fatal(err)
	}
	check(f.giver, now, false) // withdrawn

	if h, err := Lookup(t.Context(), s, Main, f.child); err != nil || len(h.Relations) != 0 || h.Holder.GivenName != "Emma" {
		t.Errorf("Lookup of a person holding nothing = %+v, %v", h, err)
	}
}
