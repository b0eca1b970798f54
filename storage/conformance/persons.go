package conformance

import (
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func testPersons(t *testing.T, s storage.Storage) {
	alice := storage.Person{PID: pidAlice, GivenName: "Kari", FamilyName: "Nordmann",
		BirthDate: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: at(0)}
	child := storage.Person{PID: pidChild, GivenName: "Ola", FamilyName: "Nordmann",
		BirthDate: time.Date(2015, 3, 3, 0, 0, 0, 0, time.UTC), ConfidentialAddress: true, LacksCapacity: true,
		UpdatedAt: at(0)}
	must(t, s.UpsertPersons(ctx(t), []storage.Person{alice, child}), "UpsertPersons")
	for _, p := range []storage.Person{alice, child} {
		got, err := s.GetPerson(ctx(t), p.PID)
		must(t, err, "GetPerson")
		same(t, got, p, "person")
	}
	alice.FamilyName, alice.UpdatedAt = "Hansen", at(time.Hour)
	child.ConfidentialAddress = false
	must(t, s.UpsertPersons(ctx(t), []storage.Person{alice, child}), "UpsertPersons again")
	for _, p := range []storage.Person{alice, child} {
		got, err := s.GetPerson(ctx(t), p.PID)
		must(t, err, "GetPerson")
		same(t, got, p, "updated person")
	}
	_, err := s.GetPerson(ctx(t), pidBob)
	wantErr(t, err, storage.ErrNotFound, "GetPerson missing")
	must(t, s.UpsertPersons(ctx(t), nil), "UpsertPersons empty")
}
