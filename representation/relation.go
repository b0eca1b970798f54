package representation

import "time"

// RelationKind names a kind of representation. The values are the ones
// tools list in their client metadata and the ones put in the
// "representation.relation" claim.
type RelationKind string

// The relation kinds from DESIGN.md "Representation".
const (
	// Parent is parental responsibility (foreldreansvar) for a child.
	Parent RelationKind = "parent"
	// PowerOfAttorney is an ordinary power of attorney (ordinær fullmakt)
	// that the subject gave the holder.
	PowerOfAttorney RelationKind = "power_of_attorney"
	// AssignedPowerOfAttorney is a power of attorney assigned to next of
	// kin (tildelt fullmakt) for a person who lacks capacity to consent.
	AssignedPowerOfAttorney RelationKind = "assigned_power_of_attorney"
)

// Kinds lists every relation kind in the order a chooser groups them.
var Kinds = []RelationKind{Parent, AssignedPowerOfAttorney, PowerOfAttorney}

// ParseKinds turns relation kind names (a client's accepted_relations)
// into kinds; unknown names stay as they are and match no rule.
func ParseKinds(names []string) []RelationKind {
	out := make([]RelationKind, 0, len(names))
	for _, k := range names {
		out = append(out, RelationKind(k))
	}
	return out
}

// Valid reports whether k is one of the known relation kinds.
func (k RelationKind) Valid() bool {
	return k.rank() < len(Kinds)
}

// rank orders kinds for the chooser; unknown kinds sort last.
func (k RelationKind) rank() int {
	for i, kk := range Kinds {
		if k == kk {
			return i
		}
	}
	return len(Kinds)
}

// Person is what the rules need to know about a person. It mirrors the
// registry entry (storage.Person) without depending on storage.
type Person struct {
	PID        string
	GivenName  string
	FamilyName string
	// BirthDate is the start of the birth date. Its calendar date is read
	// in Europe/Oslo, so both midnight Oslo (as ParsePID returns) and
	// midnight UTC give the right day.
	BirthDate time.Time
	// ConfidentialAddress (strengt fortrolig / fortrolig adresse) means
	// nobody may act for this person.
	ConfidentialAddress bool
	// LacksCapacity means the person lacks capacity to consent, the
	// precondition of an assigned power of attorney.
	LacksCapacity bool
}

// Relation says that Holder may, under the rules for Kind, act for
// Subject. Both are fødselsnummer.
type Relation struct {
	Kind    RelationKind
	Holder  string
	Subject string
	// ValidFrom is the first instant the relation holds and ValidTo the
	// last (both inclusive); the zero time leaves that end open. They
	// apply to every kind; for a parent they are normally open and the
	// child's age ends access.
	ValidFrom time.Time
	ValidTo   time.Time
	// ServiceAreas (tjenesteområder) limit what the holder may do. An
	// ordinary power of attorney must name at least one; for the other
	// kinds an empty list means no area limit.
	ServiceAreas []string
	// Withdrawn means the giver or the registry withdrew the relation.
	Withdrawn bool
}

// Decision is the outcome of the rules for one relation at one instant.
type Decision struct {
	Allowed bool
	// Limited marks a child aged 12–15: the parent acts with limited
	// access (the "limited" claim).
	Limited bool
	// MayConsent is false for an ordinary power of attorney, which cannot
	// be used to give consent (samtykke) on the giver's behalf.
	MayConsent bool
	// ValidUntil is when the access ends: the start (Oslo) of a child's
	// 16th birthday, or the relation's ValidTo (its last valid instant),
	// whichever comes first. Zero means no known end.
	ValidUntil time.Time
	// ServiceAreas are the relation's service areas, sorted and without
	// duplicates; empty means not limited by area.
	ServiceAreas []string
	// Reason is a machine code: ReasonAllowed or why access is denied.
	Reason Reason
}

// Reason is a machine-readable code explaining a Decision. It is safe to
// log: it never contains a fødselsnummer.
type Reason string

// Reasons returned in Decision.Reason.
const (
	ReasonAllowed             Reason = "allowed"
	ReasonUnknownKind         Reason = "unknown_relation"
	ReasonMismatch            Reason = "relation_mismatch" // holder/subject are not the relation's
	ReasonSelf                Reason = "self"              // a person does not represent themselves
	ReasonConfidentialAddress Reason = "confidential_address"
	ReasonWithdrawn           Reason = "withdrawn"
	ReasonNotYetValid         Reason = "not_yet_valid"
	ReasonExpired             Reason = "expired"
	ReasonBirthDateUnknown    Reason = "birth_date_unknown"
	ReasonNotBorn             Reason = "subject_not_born"
	ReasonChild16OrOlder      Reason = "child_16_or_older"
	ReasonHolderUnder18       Reason = "holder_under_18"
	ReasonGiverUnder16        Reason = "giver_under_16"
	ReasonNoServiceAreas      Reason = "no_service_areas"
	ReasonSubjectUnder12      Reason = "subject_under_12"
	ReasonSubjectHasCapacity  Reason = "subject_has_capacity"
)
