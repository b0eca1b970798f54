package representation

import (
	"slices"
	"time"
)

// Age limits from DESIGN.md "Representation".
const (
	childLimitedAge = 12 // a parent's access becomes limited
	childEndAge     = 16 // a parent's access ends (health consent age)
	holderMinAge    = 18 // holder of any power of attorney
	giverMinAge     = 16 // giver of an ordinary power of attorney
	assignedMinAge  = 12 // subject of an assigned power of attorney
)

// Evaluate applies the representation rules to one relation at now. It is
// pure: the caller supplies the clock, and the answer depends only on the
// arguments. holder and subject must be the persons the relation names.
//
// Checks run from the most general to the kind-specific so that Reason
// names the first rule that denies; every check must pass for Allowed.
func Evaluate(rel Relation, holder, subject Person, now time.Time) Decision {
	deny := func(r Reason) Decision { return Decision{Reason: r} }

	if !rel.Kind.Valid() {
		return deny(ReasonUnknownKind)
	}
	if rel.Holder != holder.PID || rel.Subject != subject.PID || holder.PID == "" {
		return deny(ReasonMismatch)
	}
	if holder.PID == subject.PID {
		return deny(ReasonSelf)
	}
	// Nobody may represent a person with a confidential address: the
	// representative would learn where the person is (DESIGN.md).
	if subject.ConfidentialAddress {
		return deny(ReasonConfidentialAddress)
	}
	if rel.Withdrawn {
		return deny(ReasonWithdrawn)
	}
	if !rel.ValidFrom.IsZero() && now.Before(rel.ValidFrom) {
		return deny(ReasonNotYetValid)
	}
	if !rel.ValidTo.IsZero() && now.After(rel.ValidTo) {
		return deny(ReasonExpired)
	}
	if subject.BirthDate.IsZero() {
		return deny(ReasonBirthDateUnknown)
	}
	if now.Before(StartOfDay(subject.BirthDate)) {
		return deny(ReasonNotBorn)
	}

	d := Decision{
		Allowed:      true,
		MayConsent:   true,
		ValidUntil:   rel.ValidTo,
		ServiceAreas: normaliseAreas(rel.ServiceAreas),
		Reason:       ReasonAllowed,
	}
	subjectAge := Age(subject.BirthDate, now)

	switch rel.Kind {
	case Parent:
		// The holder's own age is not checked: a parent under 18 can hold
		// parental responsibility.
		if subjectAge >= childEndAge {
			return deny(ReasonChild16OrOlder)
		}
		d.Limited = subjectAge >= childLimitedAge
		if end := Birthday(subject.BirthDate, childEndAge); d.ValidUntil.IsZero() || end.Before(d.ValidUntil) {
			d.ValidUntil = end
		}

	case PowerOfAttorney:
		if r, ok := adultHolder(holder, now); !ok {
			return deny(r)
		}
		if subjectAge < giverMinAge {
			return deny(ReasonGiverUnder16)
		}
		// An ordinary fullmakt is given for named service areas; one
		// without any would be unlimited, more than the giver granted.
		if len(d.ServiceAreas) == 0 {
			return deny(ReasonNoServiceAreas)
		}
		d.MayConsent = false

	case AssignedPowerOfAttorney:
		if r, ok := adultHolder(holder, now); !ok {
			return deny(r)
		}
		if subjectAge < assignedMinAge {
			return deny(ReasonSubjectUnder12)
		}
		if !subject.LacksCapacity {
			return deny(ReasonSubjectHasCapacity)
		}
	}
	return d
}

// adultHolder checks that the holder of a power of attorney is 18 or
// older at now.
func adultHolder(holder Person, now time.Time) (Reason, bool) {
	if holder.BirthDate.IsZero() {
		return ReasonBirthDateUnknown, false
	}
	if Age(holder.BirthDate, now) < holderMinAge {
		return ReasonHolderUnder18, false
	}
	return "", true
}

// normaliseAreas returns a sorted copy without duplicates or empty
// strings, so callers cannot alias the relation's slice and claims are
// stable.
func normaliseAreas(in []string) []string {
	out := make([]string, 0, len(in))
	for _, a := range in {
		if a != "" {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil
	}
	slices.Sort(out)
	return slices.Compact(out)
}
