package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

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

// Reader is the slice of the storage contract lookups need.
type Reader interface {
	GetPersons(ctx context.Context, pids []string) ([]storage.Person, error)
	GetRelation(ctx context.Context, id string) (storage.Relation, error)
	ListRelationsByHolder(ctx context.Context, holder string) ([]storage.Relation, error)
}

var _ Reader = storage.Storage(nil)

// Holdings is what the registry knows about the relations one person
// holds, in the shape representation.Choices takes.
type Holdings struct {
	Holder representation.Person
	// Relations are every relation the holder holds (withdrawn and
	// expired ones too; the rules deny those), and IDs[i] is the registry
	// id of Relations[i], to find it again at refresh.
	Relations []representation.Relation
	IDs       []string
	// Persons holds the holder and every subject, by fødselsnummer.
	Persons map[string]representation.Person
}

// RelationID returns the registry id of the relation in Relations that
// equals rel's kind, holder and subject (the one Choices picked); ok is
// false when there is none.
func (h Holdings) RelationID(rel representation.Relation) (string, bool) {
	for i, r := range h.Relations {
		if r.Kind == rel.Kind && r.Holder == rel.Holder && r.Subject == rel.Subject &&
			r.ValidFrom.Equal(rel.ValidFrom) && r.ValidTo.Equal(rel.ValidTo) {
			return h.IDs[i], true
		}
	}
	return "", false
}

// Lookup loads the relations holder holds and the persons they name. A
// holder unknown to the registry is not an error: they hold nothing
// (Holdings.Holder then has only the PID).
func Lookup(ctx context.Context, s Reader, holder string) (Holdings, error) {
	h := Holdings{Holder: representation.Person{PID: holder}, Persons: map[string]representation.Person{}}
	rels, err := s.ListRelationsByHolder(ctx, holder)
	if err != nil {
		return Holdings{}, fmt.Errorf("registry: lookup: %w", err)
	}
	pids := []string{holder}
	for _, r := range rels {
		h.Relations = append(h.Relations, Relation(r))
		h.IDs = append(h.IDs, r.ID)
		pids = append(pids, r.Subject)
	}
	ps, err := s.GetPersons(ctx, pids)
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

// Recheck evaluates the relation with registry id id again at now, as it
// stands in the registry: a refresh calls it so that access ends when the
// child turns 16 or the power of attorney expires or is withdrawn. The
// relation must still join holder and subject (it may have been moved to
// other persons); if it is gone, it is denied with ReasonWithdrawn. Only
// a store failure is an error.
func Recheck(ctx context.Context, s Reader, id, holder, subject string, now time.Time) (representation.Decision, error) {
	rel, err := s.GetRelation(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return representation.Decision{Reason: representation.ReasonWithdrawn}, nil
	}
	if err != nil {
		return representation.Decision{}, fmt.Errorf("registry: recheck: %w", err)
	}
	if rel.Holder != holder || rel.Subject != subject {
		return representation.Decision{Reason: representation.ReasonMismatch}, nil
	}
	ps, err := s.GetPersons(ctx, []string{holder, subject})
	if err != nil {
		return representation.Decision{}, fmt.Errorf("registry: recheck: %w", err)
	}
	byPID := map[string]representation.Person{}
	for _, p := range ps {
		byPID[p.PID] = Person(p)
	}
	h, okH := byPID[holder]
	sub, okS := byPID[subject]
	if !okH || !okS {
		return representation.Decision{Reason: representation.ReasonMismatch}, nil
	}
	return representation.Evaluate(Relation(rel), h, sub, now), nil
}
