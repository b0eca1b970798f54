package representation

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Acceptable reports whether a tool that declared accepted relation kinds
// may be used under kind. An empty accepted list accepts none: a tool
// opts in to representation. A standalone tool (prescribed by a
// clinician) may accept only parent and assigned_power_of_attorney,
// whatever it declared (DESIGN.md "Representation").
func Acceptable(kind RelationKind, accepted []RelationKind, standalone bool) bool {
	if !kind.Valid() || !slices.Contains(accepted, kind) {
		return false
	}
	if standalone && kind == PowerOfAttorney {
		return false
	}
	return true
}

// Choice is one person the holder may act for, with the relation that
// allows it and the decision for that relation.
type Choice struct {
	Subject  Person
	Relation Relation
	Decision Decision
}

// Choices returns the people holder may act for at now through a tool
// that accepts the given relation kinds: relations held by holder whose
// kind the tool accepts, whose subject is in persons, and that Evaluate
// allows. The holder themself is not included; acting for oneself is the
// chooser's own option.
//
// Each subject appears once. If relations of different kinds allow the
// same subject, the kind that comes first in Kinds wins (parent, then
// assigned, then ordinary power of attorney, so consent stays possible
// when any relation permits it). Relations of the same kind are merged:
// the union of their service areas (an empty list, meaning no limit,
// absorbs the rest) until the earliest of their ends, so the choice never
// outlives any relation it is built from; Relation is the one that ends
// first.
//
// The result is sorted by kind (the chooser groups children before
// powers of attorney), then youngest first, then by name and fødselsnummer,
// so it is the same for the same input.
func Choices(holder Person, rels []Relation, persons map[string]Person, accepted []RelationKind, standalone bool, now time.Time) []Choice {
	best := map[string]Choice{}
	for _, rel := range rels {
		if rel.Holder != holder.PID || !Acceptable(rel.Kind, accepted, standalone) {
			continue
		}
		subject, ok := persons[rel.Subject]
		if !ok {
			continue
		}
		d := Evaluate(rel, holder, subject, now)
		if !d.Allowed {
			continue
		}
		c := Choice{Subject: subject, Relation: rel, Decision: d}
		if prev, ok := best[subject.PID]; ok {
			c = combine(prev, c)
		}
		best[subject.PID] = c
	}
	out := make([]Choice, 0, len(best))
	for _, c := range best {
		out = append(out, c)
	}
	slices.SortFunc(out, compareChoices)
	return out
}

// combine picks or merges two allowed choices for the same subject. It is
// commutative, so the result does not depend on the order of relations.
func combine(a, b Choice) Choice {
	if ra, rb := a.Relation.Kind.rank(), b.Relation.Kind.rank(); ra != rb {
		if ra < rb {
			return a
		}
		return b
	}
	first, other := a, b
	if c := cmp.Or(
		compareEnd(b.Decision.ValidUntil, a.Decision.ValidUntil),
		b.Relation.ValidFrom.Compare(a.Relation.ValidFrom),
		strings.Compare(strings.Join(b.Decision.ServiceAreas, "\x00"), strings.Join(a.Decision.ServiceAreas, "\x00")),
	); c < 0 {
		first, other = b, a
	}
	if len(first.Decision.ServiceAreas) == 0 || len(other.Decision.ServiceAreas) == 0 {
		first.Decision.ServiceAreas = nil
	} else {
		first.Decision.ServiceAreas = normaliseAreas(append(slices.Clone(first.Decision.ServiceAreas), other.Decision.ServiceAreas...))
	}
	return first
}

// compareEnd orders end times with zero (open) as the latest.
func compareEnd(a, b time.Time) int {
	switch {
	case a.Equal(b):
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}

func compareChoices(a, b Choice) int {
	return cmp.Or(
		cmp.Compare(a.Relation.Kind.rank(), b.Relation.Kind.rank()),
		b.Subject.BirthDate.Compare(a.Subject.BirthDate), // youngest first
		cmp.Compare(a.Subject.FamilyName, b.Subject.FamilyName),
		cmp.Compare(a.Subject.GivenName, b.Subject.GivenName),
		cmp.Compare(a.Subject.PID, b.Subject.PID),
	)
}
