package representation

import (
	"slices"
	"testing"
	"time"
)

// mkPerson builds a person with a synthetic fødselsnummer for birth. ind
// keeps two people born the same day apart.
func mkPerson(t testing.TB, name string, birth time.Time, ind int) Person {
	t.Helper()
	if birth.Year() >= 2000 {
		ind += 500
	}
	pid, err := SyntheticPID(birth, ind)
	if err != nil {
		t.Fatalf("SyntheticPID(%v): %v", birth, err)
	}
	return Person{PID: pid, GivenName: name, FamilyName: "Testesen", BirthDate: birth}
}

func TestEvaluate(t *testing.T) {
	var (
		adult     = mkPerson(t, "Voksen", day(1980, 3, 3), 10)
		elderly   = mkPerson(t, "Eldre", day(1944, 9, 9), 20)
		turns12   = mkPerson(t, "Tolv", day(2013, 6, 16), 30)    // 12 on 2025-06-16
		turns16   = mkPerson(t, "Seksten", day(2009, 6, 16), 40) // 16 on 2025-06-16
		turns18   = mkPerson(t, "Atten", day(2007, 6, 16), 50)   // 18 on 2025-06-16
		five      = mkPerson(t, "Fem", day(2020, 1, 1), 60)
		leapChild = mkPerson(t, "Skudd", day(2012, 2, 29), 70)       // 16 on 2028-02-29
		leapAdult = mkPerson(t, "Skuddvoksen", day(2008, 2, 29), 80) // 18 on 2026-03-01
		unborn    = mkPerson(t, "Ufødt", day(2025, 7, 1), 90)
	)
	confidential := elderly
	confidential.ConfidentialAddress = true
	lacking := elderly
	lacking.LacksCapacity = true
	lacking12 := turns12
	lacking12.LacksCapacity = true
	noBirth := five
	noBirth.BirthDate = time.Time{}

	before12 := lastInstant(2025, 6, 15) // last instant before the birthdays above
	on12 := day(2025, 6, 16)
	noon := osloAt(2025, 6, 15, 12, 0, 0, 0)

	from := day(2025, 1, 1)
	to := lastInstant(2025, 12, 31)
	areas := []string{"prescriptions", "appointments", "prescriptions", ""}

	parent := func(h, s Person) Relation { return Relation{Kind: Parent, Holder: h.PID, Subject: s.PID} }
	poa := func(h, s Person) Relation {
		return Relation{Kind: PowerOfAttorney, Holder: h.PID, Subject: s.PID, ValidFrom: from, ValidTo: to, ServiceAreas: areas}
	}
	assigned := func(h, s Person) Relation {
		return Relation{Kind: AssignedPowerOfAttorney, Holder: h.PID, Subject: s.PID, ValidFrom: from}
	}
	with := func(r Relation, f func(*Relation)) Relation { f(&r); return r }

	tests := []struct {
		name         string
		rel          Relation
		holder, subj Person
		now          time.Time
		want         Decision
	}{
		// Parent: under 12, 12–15 limited, ends on the 16th birthday.
		{"parent, child 5", parent(adult, five), adult, five, noon,
			Decision{Allowed: true, MayConsent: true, ValidUntil: day(2036, 1, 1), Reason: ReasonAllowed}},
		{"parent, day before 12th birthday", parent(adult, turns12), adult, turns12, before12,
			Decision{Allowed: true, MayConsent: true, ValidUntil: day(2029, 6, 16), Reason: ReasonAllowed}},
		{"parent, 12th birthday: limited", parent(adult, turns12), adult, turns12, on12,
			Decision{Allowed: true, Limited: true, MayConsent: true, ValidUntil: day(2029, 6, 16), Reason: ReasonAllowed}},
		{"parent, day before 16th birthday: limited", parent(adult, turns16), adult, turns16, before12,
			Decision{Allowed: true, Limited: true, MayConsent: true, ValidUntil: day(2025, 6, 16), Reason: ReasonAllowed}},
		{"parent, 16th birthday: ends", parent(adult, turns16), adult, turns16, on12,
			Decision{Reason: ReasonChild16OrOlder}},
		{"parent, 16th birthday 00:00 Oslo given in UTC", parent(adult, turns16), adult, turns16, on12.UTC(),
			Decision{Reason: ReasonChild16OrOlder}},
		{"parent, 29 Feb child on 28 Feb of 16th year", parent(adult, leapChild), adult, leapChild, lastInstant(2028, 2, 28),
			Decision{Allowed: true, Limited: true, MayConsent: true, ValidUntil: day(2028, 2, 29), Reason: ReasonAllowed}},
		{"parent, 29 Feb child on 29 Feb of 16th year", parent(adult, leapChild), adult, leapChild, day(2028, 2, 29),
			Decision{Reason: ReasonChild16OrOlder}},
		{"parent, 29 Feb child, 12th birthday 29 Feb 2024: limited", parent(adult, leapChild), adult, leapChild, day(2024, 2, 29),
			Decision{Allowed: true, Limited: true, MayConsent: true, ValidUntil: day(2028, 2, 29), Reason: ReasonAllowed}},
		{"parent, 29 Feb child, 28 Feb 2024: not yet limited", parent(adult, leapChild), adult, leapChild, lastInstant(2024, 2, 28),
			Decision{Allowed: true, MayConsent: true, ValidUntil: day(2028, 2, 29), Reason: ReasonAllowed}},
		{"parent, holder under 18 is still a parent", parent(turns18, five), turns18, five, before12,
			Decision{Allowed: true, MayConsent: true, ValidUntil: day(2036, 1, 1), Reason: ReasonAllowed}},
		{"parent, relation ends before 16th birthday", with(parent(adult, five), func(r *Relation) { r.ValidTo = to }), adult, five, noon,
			Decision{Allowed: true, MayConsent: true, ValidUntil: to, Reason: ReasonAllowed}},
		{"parent, withdrawn", with(parent(adult, five), func(r *Relation) { r.Withdrawn = true }), adult, five, noon,
			Decision{Reason: ReasonWithdrawn}},
		{"parent, child with confidential address", parent(adult, withConfidential(five)), adult, withConfidential(five), noon,
			Decision{Reason: ReasonConfidentialAddress}},
		{"parent, unborn child", parent(adult, unborn), adult, unborn, noon,
			Decision{Reason: ReasonNotBorn}},
		{"parent, birth date unknown", parent(adult, noBirth), adult, noBirth, noon,
			Decision{Reason: ReasonBirthDateUnknown}},

		// Ordinary power of attorney: validity edges, ages, areas.
		{"poa, first valid instant", poa(adult, elderly), adult, elderly, from,
			Decision{Allowed: true, ValidUntil: to, ServiceAreas: []string{"appointments", "prescriptions"}, Reason: ReasonAllowed}},
		{"poa, just before valid", poa(adult, elderly), adult, elderly, from.Add(-time.Nanosecond),
			Decision{Reason: ReasonNotYetValid}},
		{"poa, last valid instant", poa(adult, elderly), adult, elderly, to,
			Decision{Allowed: true, ValidUntil: to, ServiceAreas: []string{"appointments", "prescriptions"}, Reason: ReasonAllowed}},
		{"poa, just after valid", poa(adult, elderly), adult, elderly, to.Add(time.Nanosecond),
			Decision{Reason: ReasonExpired}},
		{"poa, open-ended", with(poa(adult, elderly), func(r *Relation) { r.ValidFrom, r.ValidTo = time.Time{}, time.Time{} }), adult, elderly, noon,
			Decision{Allowed: true, ServiceAreas: []string{"appointments", "prescriptions"}, Reason: ReasonAllowed}},
		{"poa, holder 17", poa(turns18, elderly), turns18, elderly, before12,
			Decision{Reason: ReasonHolderUnder18}},
		{"poa, holder 18 today", poa(turns18, elderly), turns18, elderly, on12,
			Decision{Allowed: true, ValidUntil: to, ServiceAreas: []string{"appointments", "prescriptions"}, Reason: ReasonAllowed}},
		{"poa, holder born 29 Feb on 28 Feb of 18th year", with(poa(leapAdult, elderly), func(r *Relation) { r.ValidTo = time.Time{} }), leapAdult, elderly, osloAt(2026, 2, 28, 12, 0, 0, 0),
			Decision{Reason: ReasonHolderUnder18}},
		{"poa, holder born 29 Feb on 1 Mar of 18th year", with(poa(leapAdult, elderly), func(r *Relation) { r.ValidTo = time.Time{} }), leapAdult, elderly, day(2026, 3, 1),
			Decision{Allowed: true, ServiceAreas: []string{"appointments", "prescriptions"}, Reason: ReasonAllowed}},
		{"poa, giver 15", poa(adult, turns16), adult, turns16, before12,
			Decision{Reason: ReasonGiverUnder16}},
		{"poa, giver 16 today", poa(adult, turns16), adult, turns16, on12,
			Decision{Allowed: true, ValidUntil: to, ServiceAreas: []string{"appointments", "prescriptions"}, Reason: ReasonAllowed}},
		{"poa, no service areas", with(poa(adult, elderly), func(r *Relation) { r.ServiceAreas = []string{""} }), adult, elderly, noon,
			Decision{Reason: ReasonNoServiceAreas}},
		{"poa, withdrawn", with(poa(adult, elderly), func(r *Relation) { r.Withdrawn = true }), adult, elderly, noon,
			Decision{Reason: ReasonWithdrawn}},
		{"poa, giver with confidential address", poa(adult, confidential), adult, confidential, noon,
			Decision{Reason: ReasonConfidentialAddress}},
		{"poa, holder birth date unknown", poa(noBirth, elderly), noBirth, elderly, noon,
			Decision{Reason: ReasonBirthDateUnknown}},

		// Assigned power of attorney.
		{"assigned, 80-year-old lacking capacity", assigned(adult, lacking), adult, lacking, noon,
			Decision{Allowed: true, MayConsent: true, Reason: ReasonAllowed}},
		{"assigned, subject has capacity", assigned(adult, elderly), adult, elderly, noon,
			Decision{Reason: ReasonSubjectHasCapacity}},
		{"assigned, subject 11", assigned(adult, lacking12), adult, lacking12, before12,
			Decision{Reason: ReasonSubjectUnder12}},
		{"assigned, subject 12 today", assigned(adult, lacking12), adult, lacking12, on12,
			Decision{Allowed: true, MayConsent: true, Reason: ReasonAllowed}},
		{"assigned, holder 17", assigned(turns18, lacking), turns18, lacking, before12,
			Decision{Reason: ReasonHolderUnder18}},
		{"assigned, holder 18 today", assigned(turns18, lacking), turns18, lacking, on12,
			Decision{Allowed: true, MayConsent: true, Reason: ReasonAllowed}},
		{"assigned, before valid", assigned(adult, lacking), adult, lacking, from.Add(-time.Second),
			Decision{Reason: ReasonNotYetValid}},
		{"assigned, confidential address", assigned(adult, withConfidential(lacking)), adult, withConfidential(lacking), noon,
			Decision{Reason: ReasonConfidentialAddress}},

		// Malformed input.
		{"unknown kind", with(parent(adult, five), func(r *Relation) { r.Kind = "guardian" }), adult, five, noon,
			Decision{Reason: ReasonUnknownKind}},
		{"holder is not the relation's", parent(adult, five), elderly, five, noon,
			Decision{Reason: ReasonMismatch}},
		{"subject is not the relation's", parent(adult, five), adult, turns12, noon,
			Decision{Reason: ReasonMismatch}},
		{"self", parent(adult, adult), adult, adult, noon,
			Decision{Reason: ReasonSelf}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(tt.rel, tt.holder, tt.subj, tt.now)
			assertDecision(t, got, tt.want)
		})
	}
}

func withConfidential(p Person) Person { p.ConfidentialAddress = true; return p }

func assertDecision(t *testing.T, got, want Decision) {
	t.Helper()
	if got.Allowed != want.Allowed || got.Limited != want.Limited || got.MayConsent != want.MayConsent ||
		got.Reason != want.Reason || !got.ValidUntil.Equal(want.ValidUntil) || !slices.Equal(got.ServiceAreas, want.ServiceAreas) {
		t.Errorf("decision\n got  %+v\n want %+v", got, want)
	}
}

// TestEvaluateDoesNotAliasAreas guards the copy: a caller changing the
// decision's areas must not change the relation.
func TestEvaluateDoesNotAliasAreas(t *testing.T) {
	holder := mkPerson(t, "A", day(1980, 1, 1), 1)
	giver := mkPerson(t, "B", day(1950, 1, 1), 2)
	rel := Relation{Kind: PowerOfAttorney, Holder: holder.PID, Subject: giver.PID, ServiceAreas: []string{"a"}}
	d := Evaluate(rel, holder, giver, day(2025, 1, 1))
	d.ServiceAreas[0] = "changed"
	if rel.ServiceAreas[0] != "a" {
		t.Fatalf("relation areas changed to %v", rel.ServiceAreas)
	}
}
