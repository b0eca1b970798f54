package conformance

import (
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// reg is the registry the single-registry tests use; testRegistriesApart
// adds a second one.
const reg = "main"

func testPersons(t *testing.T, s storage.Storage) {
	alice := storage.Person{PID: pidAlice, GivenName: "Kari", FamilyName: "Nordmann",
		BirthDate: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: at(0)}
	child := storage.Person{PID: pidChild, GivenName: "Ola", FamilyName: "Nordmann",
		BirthDate: time.Date(2015, 3, 3, 0, 0, 0, 0, time.UTC), ConfidentialAddress: true, LacksCapacity: true,
		UpdatedAt: at(0)}
	must(t, s.ImportRegistry(ctx(t), reg, []storage.Person{alice, child}, nil), "ImportRegistry persons")
	for _, p := range []storage.Person{alice, child} {
		got, err := s.GetPerson(ctx(t), reg, p.PID)
		must(t, err, "GetPerson")
		same(t, got, p, "person")
	}
	alice.FamilyName, alice.UpdatedAt = "Hansen", at(time.Hour)
	child.ConfidentialAddress = false
	must(t, s.ImportRegistry(ctx(t), reg, []storage.Person{alice, child}, nil), "ImportRegistry persons again")
	for _, p := range []storage.Person{alice, child} {
		got, err := s.GetPerson(ctx(t), reg, p.PID)
		must(t, err, "GetPerson")
		same(t, got, p, "updated person")
	}
	_, err := s.GetPerson(ctx(t), reg, pidBob)
	wantErr(t, err, storage.ErrNotFound, "GetPerson missing")
	must(t, s.ImportRegistry(ctx(t), reg, nil, nil), "ImportRegistry empty")

	// A PID given twice in one call is stored once, as the last record says.
	first, last := alice, alice
	first.GivenName, last.GivenName = "First", "Last"
	must(t, s.ImportRegistry(ctx(t), reg, []storage.Person{first, child, last}, nil), "ImportRegistry repeated PID")
	got, err := s.GetPerson(ctx(t), reg, pidAlice)
	must(t, err, "GetPerson")
	same(t, got, last, "person given twice")
}

// registryFixture is a parent, a child and a giver of a power of attorney
// with two relations held by the parent.
func registryFixture() ([]storage.Person, []storage.Relation) {
	ps := []storage.Person{
		{PID: pidAlice, GivenName: "Kari", FamilyName: "Nordmann", BirthDate: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: at(0)},
		{PID: pidBob, GivenName: "Astrid", FamilyName: "Nordmann", BirthDate: time.Date(1985, 2, 2, 0, 0, 0, 0, time.UTC), UpdatedAt: at(0)},
		{PID: pidChild, GivenName: "Ola", FamilyName: "Nordmann", BirthDate: time.Date(2015, 3, 3, 0, 0, 0, 0, time.UTC), UpdatedAt: at(0)},
	}
	rs := []storage.Relation{
		{ID: "rel-parent", Kind: "parent", Holder: pidAlice, Subject: pidChild, UpdatedAt: at(0)},
		{ID: "rel-poa", Kind: "power_of_attorney", Holder: pidAlice, Subject: pidBob,
			ValidFrom: at(-24 * time.Hour), ValidTo: at(365 * 24 * time.Hour),
			ServiceAreas: []string{"appointments", "prescriptions"}, UpdatedAt: at(0)},
		{ID: "rel-reverse", Kind: "assigned_power_of_attorney", Holder: pidBob, Subject: pidAlice, UpdatedAt: at(0)},
	}
	return ps, rs
}

func testRelations(t *testing.T, s storage.Storage) {
	ps, rs := registryFixture()
	must(t, s.ImportRegistry(ctx(t), reg, ps, rs), "ImportRegistry")
	for _, r := range rs {
		got, err := s.GetRelation(ctx(t), reg, r.ID)
		must(t, err, "GetRelation")
		same(t, got, r, "relation "+r.ID)
	}
	held, err := s.ListRelationsByHolder(ctx(t), reg, pidAlice)
	must(t, err, "ListRelationsByHolder")
	same(t, held, rs[:2], "relations held by Kari, ordered by id")
	held, err = s.ListRelationsByHolder(ctx(t), reg, pidChild)
	must(t, err, "ListRelationsByHolder (none)")
	same(t, len(held), 0, "relations held by the child")

	got, err := s.GetRelations(ctx(t), reg, []string{"rel-reverse", "missing", "rel-parent"})
	must(t, err, "GetRelations")
	same(t, got, []storage.Relation{rs[0], rs[2]}, "GetRelations leaves out absent ids, orders by id")
	gotP, err := s.GetPersons(ctx(t), reg, []string{pidChild, "00000000000"})
	must(t, err, "GetPersons")
	same(t, gotP, ps[2:], "GetPersons leaves out absent pids")
	_, err = s.GetRelation(ctx(t), reg, "missing")
	wantErr(t, err, storage.ErrNotFound, "GetRelation missing")

	// Re-importing the same records changes nothing.
	must(t, s.ImportRegistry(ctx(t), reg, ps, rs), "ImportRegistry again")
	for _, r := range rs {
		got, err := s.GetRelation(ctx(t), reg, r.ID)
		must(t, err, "GetRelation after re-import")
		same(t, got, r, "re-imported relation "+r.ID)
	}
	held, err = s.ListRelationsByHolder(ctx(t), reg, pidAlice)
	must(t, err, "ListRelationsByHolder after re-import")
	same(t, len(held), 2, "relations after re-import (no duplicates)")

	// Withdrawal in the register is an update of the same relation.
	w := rs[1]
	w.Withdrawn, w.WithdrawnAt, w.UpdatedAt, w.ServiceAreas = true, at(time.Hour), at(time.Hour), nil
	must(t, s.ImportRegistry(ctx(t), reg, nil, []storage.Relation{w}), "ImportRegistry withdrawn")
	got1, err := s.GetRelation(ctx(t), reg, w.ID)
	must(t, err, "GetRelation withdrawn")
	same(t, got1, w, "withdrawn relation")
	held, err = s.ListRelationsByHolder(ctx(t), reg, pidAlice)
	must(t, err, "ListRelationsByHolder after withdrawal")
	same(t, held, []storage.Relation{rs[0], w}, "withdrawn relations are still listed")

	// A relation may move to other persons (the sandbox population's
	// numbers change with the date).
	moved := rs[0]
	moved.Subject = pidBob
	must(t, s.ImportRegistry(ctx(t), reg, nil, []storage.Relation{moved}), "ImportRegistry moved")
	got1, err = s.GetRelation(ctx(t), reg, moved.ID)
	must(t, err, "GetRelation moved")
	same(t, got1.Subject, pidBob, "moved relation's subject")
}

// An import with one bad record stores nothing, not even the good ones
// before it.
func testRegistryAtomic(t *testing.T, s storage.Storage) {
	ps, rs := registryFixture()
	bad := storage.Relation{ID: "rel-unknown", Kind: "parent", Holder: pidAlice, Subject: "99999999999", UpdatedAt: at(0)}
	err := s.ImportRegistry(ctx(t), reg, ps, append(rs, bad))
	wantErr(t, err, storage.ErrNotFound, "ImportRegistry with an unknown subject")
	_, err = s.GetPerson(ctx(t), reg, pidAlice)
	wantErr(t, err, storage.ErrNotFound, "person of a failed import")
	_, err = s.GetRelation(ctx(t), reg, rs[0].ID)
	wantErr(t, err, storage.ErrNotFound, "relation of a failed import")

	err = s.ImportRegistry(ctx(t), reg, nil, rs)
	wantErr(t, err, storage.ErrNotFound, "ImportRegistry of relations before the persons exist")

	// Inside a caller's transaction the import joins it: a rollback undoes it.
	txctx, err := s.BeginTx(ctx(t))
	must(t, err, "BeginTx")
	must(t, s.ImportRegistry(txctx, reg, ps, rs), "ImportRegistry in a transaction")
	if _, err := s.GetRelation(txctx, reg, rs[0].ID); err != nil {
		t.Fatalf("GetRelation inside the transaction: %v", err)
	}
	must(t, s.Rollback(txctx), "Rollback")
	_, err = s.GetRelation(ctx(t), reg, rs[0].ID)
	wantErr(t, err, storage.ErrNotFound, "relation after rollback")

	must(t, s.ImportRegistry(ctx(t), reg, ps, rs), "ImportRegistry after the failures")
	must(t, s.ImportRegistry(ctx(t), reg, nil, nil), "ImportRegistry empty")
}

// Two registries in one store never see each other's data: the same PID
// or relation ID in each is two independent records, a relation cannot
// name a person of another registry, and every read names its registry.
// (A tenant that logs in through the ID-porten mock reads the synthetic
// registry; a real register imported beside it must stay out of its
// reach.)
func testRegistriesApart(t *testing.T, s storage.Storage) {
	const other = "synthetic"
	ps, rs := registryFixture()
	must(t, s.ImportRegistry(ctx(t), reg, ps, rs), "ImportRegistry main")

	// The same Kari under another name, holding one relation with an id
	// main uses too, for a person main does not know.
	kari := ps[0]
	kari.GivenName = "Synne"
	stranger := storage.Person{PID: pidBob, GivenName: "Test", FamilyName: "Testesen",
		BirthDate: time.Date(1985, 2, 2, 0, 0, 0, 0, time.UTC), UpdatedAt: at(time.Hour)}
	rel := storage.Relation{ID: "rel-parent", Kind: "power_of_attorney", Holder: pidAlice, Subject: pidBob,
		ServiceAreas: []string{"appointments"}, UpdatedAt: at(time.Hour)}
	must(t, s.ImportRegistry(ctx(t), other, []storage.Person{kari, stranger}, []storage.Relation{rel}), "ImportRegistry other")

	got, err := s.GetPerson(ctx(t), other, pidAlice)
	must(t, err, "GetPerson other")
	same(t, got, kari, "Kari in the other registry")
	got, err = s.GetPerson(ctx(t), reg, pidAlice)
	must(t, err, "GetPerson main")
	same(t, got, ps[0], "Kari in main, untouched by the other registry's import")
	_, err = s.GetPerson(ctx(t), other, pidChild)
	wantErr(t, err, storage.ErrNotFound, "GetPerson of a person only main holds, in the other registry")
	_, err = s.GetPerson(ctx(t), "nobody-imported-this", pidAlice)
	wantErr(t, err, storage.ErrNotFound, "GetPerson in an empty registry")

	gotP, err := s.GetPersons(ctx(t), other, []string{pidAlice, pidBob, pidChild})
	must(t, err, "GetPersons other")
	same(t, len(gotP), 2, "persons of the other registry among three pids")
	for _, p := range gotP {
		if p.PID == pidChild || (p.PID == pidAlice && p.GivenName != "Synne") || (p.PID == pidBob && p.GivenName != "Test") {
			t.Fatalf("GetPersons in the other registry returned main's %+v", p)
		}
	}

	held, err := s.ListRelationsByHolder(ctx(t), other, pidAlice)
	must(t, err, "ListRelationsByHolder other")
	same(t, held, []storage.Relation{rel}, "relations Kari holds in the other registry")
	held, err = s.ListRelationsByHolder(ctx(t), reg, pidAlice)
	must(t, err, "ListRelationsByHolder main")
	same(t, held, rs[:2], "relations Kari holds in main")

	r, err := s.GetRelation(ctx(t), reg, "rel-parent")
	must(t, err, "GetRelation main")
	same(t, r, rs[0], "main's rel-parent, untouched by the other registry's")
	_, err = s.GetRelation(ctx(t), other, "rel-poa")
	wantErr(t, err, storage.ErrNotFound, "GetRelation of main's relation in the other registry")
	gotR, err := s.GetRelations(ctx(t), other, []string{"rel-parent", "rel-poa", "rel-reverse"})
	must(t, err, "GetRelations other")
	same(t, gotR, []storage.Relation{rel}, "GetRelations in the other registry")

	// A relation may not name a person of another registry, even one
	// stored under the same PID there.
	cross := storage.Relation{ID: "rel-cross", Kind: "parent", Holder: pidAlice, Subject: pidChild, UpdatedAt: at(0)}
	err = s.ImportRegistry(ctx(t), other, nil, []storage.Relation{cross})
	wantErr(t, err, storage.ErrNotFound, "ImportRegistry of a relation to a person only main holds")
	_, err = s.GetRelation(ctx(t), other, "rel-cross")
	wantErr(t, err, storage.ErrNotFound, "relation of the refused import")

	if err := s.ImportRegistry(ctx(t), "", ps, nil); err == nil {
		t.Fatal("ImportRegistry without a registry name succeeded")
	}
}
