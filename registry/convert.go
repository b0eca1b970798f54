package registry

import (
	"context"
	"fmt"
	"slices"

	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// Person converts a registry entry to what the rules need.
func Person(p storage.Person) representation.Person {
	return representation.Person{
		PID:                 p.PID,
		GivenName:           p.GivenName,
		FamilyName:          p.FamilyName,
		BirthDate:           p.BirthDate,
		ConfidentialAddress: p.ConfidentialAddress,
		LacksCapacity:       p.LacksCapacity,
	}
}

// Relation converts a stored relation to what the rules need. The kind
// is passed through as is: an unknown kind is denied by Evaluate.
func Relation(r storage.Relation) representation.Relation {
	return representation.Relation{
		Kind:         representation.RelationKind(r.Kind),
		Holder:       r.Holder,
		Subject:      r.Subject,
		ValidFrom:    r.ValidFrom,
		ValidTo:      r.ValidTo,
		ServiceAreas: slices.Clone(r.ServiceAreas),
		Withdrawn:    r.Withdrawn,
	}
}

// Reader is the slice of the storage contract Lookup needs.
type Reader interface {
	GetPersons(ctx context.Context, registry string, pids []string) ([]storage.Person, error)
	ListRelationsByHolder(ctx context.Context, registry, holder string) ([]storage.Relation, error)
}

var _ Reader = storage.Storage(nil)

// Holdings is what the registry knows about the relations one person
// holds, in the shape representation.Choices takes.
type Holdings struct {
	Holder representation.Person
	// Relations are every relation the holder holds (withdrawn and
	// expired ones too; the rules deny those).
	Relations []representation.Relation
	// Persons holds the holder and every subject, by fødselsnummer.
	Persons map[string]representation.Person
}

// Lookup loads the relations holder holds in the named registry and the
// persons they name, from that registry only. A holder unknown to the
// registry is not an error: they hold nothing (Holdings.Holder then has
// only the PID).
func Lookup(ctx context.Context, s Reader, registry, holder string) (Holdings, error) {
	h := Holdings{Holder: representation.Person{PID: holder}, Persons: map[string]representation.Person{}}
	rels, err := s.ListRelationsByHolder(ctx, registry, holder)
	if err != nil {
		return Holdings{}, fmt.Errorf("registry: lookup: %w", err)
	}
	pids := []string{holder}
	for _, r := range rels {
		h.Relations = append(h.Relations, Relation(r))
		pids = append(pids, r.Subject)
	}
	ps, err := s.GetPersons(ctx, registry, pids)
	if err != nil {
		return Holdings{}, fmt.Errorf("registry: lookup: %w", err)
	}
	for _, p := range ps {
		h.Persons[p.PID] = Person(p)
	}
	if p, ok := h.Persons[holder]; ok {
		h.Holder = p
	}
	return h, nil
}
