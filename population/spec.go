package population

import (
	"slices"
	"time"

	"github.com/oidcp/oidcp/representation"
)

// Stable keys for the generated persons; use Population.Lookup.
const (
	KeyKari    = "kari"    // Kari Nordmann, 45: the story's parent and fullmakt holder
	KeyOla     = "ola"     // Ola Nordmann, 47: the other parent; his fullmakt was withdrawn
	KeySander  = "sander"  // 16: not offered
	KeyMathias = "mathias" // turns 16 today: parent access ended today
	KeySofie   = "sofie"   // 15: limited
	KeyIngrid  = "ingrid"  // 14: limited
	KeyNora    = "nora"    // turns 12 today: limited from today
	KeyJonas   = "jonas"   // 9
	KeyEmma    = "emma"    // 5
	KeyAstrid  = "astrid"  // Kari's mother, 74: gave Kari an ordinary fullmakt
	KeyOlav    = "olav"    // 81, lacks capacity
	KeyLise    = "lise"    // Olav's daughter: assigned fullmakt
	KeyBjorn   = "bjorn"   // 68: gave an expired fullmakt
	KeyHilde   = "hilde"   // holder of the expired fullmakt
	KeyTobias  = "tobias"  // 7, confidential address
	KeyKnut    = "knut"    // Tobias's father: denied
	KeyNils    = "nils"    // ordinary adult
	KeyMarte   = "marte"   // ordinary adult
	KeyJon     = "jon"     // ordinary adult
)

// personSpec places a person in time: age years old today, with the last
// birthday daysSince days before the first of this month (1..330, so the
// age holds all month), or exactly today.
type personSpec struct {
	key, given, family string
	male               bool
	age                int
	daysSince          int
	birthdayToday      bool
	confidential       bool
	lacksCapacity      bool
	role               string
}

var persons = []personSpec{
	{key: KeyKari, given: "Kari", family: "Nordmann", age: 45, daysSince: 120,
		role: "The story's citizen: may act for her children under 16 and, by ordinary fullmakt, for her mother."},
	{key: KeyOla, given: "Ola", family: "Nordmann", male: true, age: 47, daysSince: 200,
		role: "Kari's husband, the children's other parent; his fullmakt from Astrid was withdrawn."},
	{key: KeySander, given: "Sander", family: "Nordmann", male: true, age: 16, daysSince: 300,
		role: "16 years old: his parents are not offered him (child_16_or_older)."},
	{key: KeyMathias, given: "Mathias", family: "Nordmann", male: true, age: 16, birthdayToday: true,
		role: "Turns 16 today: parent access ended at 00:00 Oslo time today."},
	{key: KeySofie, given: "Sofie", family: "Nordmann", age: 15, daysSince: 20,
		role: "15 years old: parents act for her, marked limited."},
	{key: KeyIngrid, given: "Ingrid", family: "Nordmann", age: 14, daysSince: 60,
		role: "The story's 14-year-old daughter: offered, marked limited."},
	{key: KeyNora, given: "Nora", family: "Nordmann", age: 12, birthdayToday: true,
		role: "Turns 12 today: parents still act for her, marked limited from today."},
	{key: KeyJonas, given: "Jonas", family: "Nordmann", male: true, age: 9, daysSince: 150,
		role: "The story's 9-year-old son: offered, not limited."},
	{key: KeyEmma, given: "Emma", family: "Nordmann", age: 5, daysSince: 200,
		role: "5 years old: offered, not limited."},
	{key: KeyAstrid, given: "Astrid", family: "Nordmann", age: 74, daysSince: 90,
		role: "Kari's mother: gave Kari an ordinary fullmakt (Kari may act but not consent for her); her fullmakt to Ola is withdrawn."},
	{key: KeyOlav, given: "Olav", family: "Testesen", male: true, age: 81, daysSince: 40, lacksCapacity: true,
		role: "81 years old: represented by his daughter through an assigned fullmakt."},
	{key: KeyLise, given: "Lise", family: "Testesen", age: 52, daysSince: 250,
		role: "Olav's daughter and next of kin: holds an assigned fullmakt for him (may consent)."},
	{key: KeyBjorn, given: "Bjørn", family: "Prøvesen", male: true, age: 68, daysSince: 180,
		role: "Gave his daughter an ordinary fullmakt that ended last month."},
	{key: KeyHilde, given: "Hilde", family: "Prøvesen", age: 39, daysSince: 10,
		role: "Holder of an expired fullmakt from her father: not offered him (expired)."},
	{key: KeyTobias, given: "Tobias", family: "Skjult", male: true, age: 7, daysSince: 100, confidential: true,
		role: "7 years old with a confidential address: nobody may act for him."},
	{key: KeyKnut, given: "Knut", family: "Skjult", male: true, age: 41, daysSince: 70,
		role: "Tobias's father: his parent relation is denied (confidential_address)."},
	{key: KeyNils, given: "Nils", family: "Eksempelsen", male: true, age: 23, daysSince: 30,
		role: "Ordinary adult with no relations: logs in for himself only."},
	{key: KeyMarte, given: "Marte", family: "Prøve", age: 35, daysSince: 160,
		role: "Ordinary adult with no relations."},
	{key: KeyJon, given: "Jon", family: "Testmann", male: true, age: 58, daysSince: 310,
		role: "Ordinary adult with no relations."},
}

// relationSpec is one relation and the decision it must give today.
type relationSpec struct {
	kind            representation.RelationKind
	holder, subject string
	areas           []string
	validFrom       func(monthStart time.Time) time.Time
	validTo         func(monthStart time.Time) time.Time
	withdrawn       bool
	reason          representation.Reason
	limited         bool
	demonstrates    string
}

// Service areas (tjenesteområder) used by the sandbox's fullmakter.
var (
	areasAstrid = []string{"appointments", "messages", "prescriptions"}
	areasBjorn  = []string{"prescriptions"}
)

func yearsBefore(n int) func(time.Time) time.Time {
	return func(ms time.Time) time.Time { return ms.AddDate(-n, 0, 0) }
}

// lastInstantBefore returns the last instant before the first of the month
// n years after this month (n = 0: the end of last month).
func lastInstantBefore(n int) func(time.Time) time.Time {
	return func(ms time.Time) time.Time { return ms.AddDate(n, 0, 0).Add(-time.Nanosecond) }
}

var relations = withSecondParent(KeyKari, KeyOla, []relationSpec{
	{kind: representation.Parent, holder: KeyKari, subject: KeyEmma, reason: representation.ReasonAllowed,
		demonstrates: "Child under 12: allowed, not limited."},
	{kind: representation.Parent, holder: KeyKari, subject: KeyJonas, reason: representation.ReasonAllowed,
		demonstrates: "The story's 9-year-old son: allowed, not limited."},
	{kind: representation.Parent, holder: KeyKari, subject: KeyNora, reason: representation.ReasonAllowed, limited: true,
		demonstrates: "12th birthday today: limited from the birthday itself."},
	{kind: representation.Parent, holder: KeyKari, subject: KeyIngrid, reason: representation.ReasonAllowed, limited: true,
		demonstrates: "The story's 14-year-old daughter: allowed, limited."},
	{kind: representation.Parent, holder: KeyKari, subject: KeySofie, reason: representation.ReasonAllowed, limited: true,
		demonstrates: "15 years old: allowed, limited; ends on the 16th birthday."},
	{kind: representation.Parent, holder: KeyKari, subject: KeyMathias, reason: representation.ReasonChild16OrOlder,
		demonstrates: "16th birthday today: parent access ended at 00:00 today."},
	{kind: representation.Parent, holder: KeyKari, subject: KeySander, reason: representation.ReasonChild16OrOlder,
		demonstrates: "The story's 16-year-old son: not offered."},
	{kind: representation.PowerOfAttorney, holder: KeyKari, subject: KeyAstrid, areas: areasAstrid,
		validFrom: yearsBefore(2), validTo: lastInstantBefore(3), reason: representation.ReasonAllowed,
		demonstrates: "Ordinary fullmakt with service areas: allowed, but Kari cannot consent on Astrid's behalf."},
	{kind: representation.PowerOfAttorney, holder: KeyOla, subject: KeyAstrid, areas: areasAstrid,
		validFrom: yearsBefore(2), withdrawn: true, reason: representation.ReasonWithdrawn,
		demonstrates: "Withdrawn fullmakt: not offered."},
	{kind: representation.AssignedPowerOfAttorney, holder: KeyLise, subject: KeyOlav,
		validFrom: yearsBefore(1), reason: representation.ReasonAllowed,
		demonstrates: "Assigned fullmakt for a person lacking capacity: allowed, may consent; accepted by standalone tools."},
	{kind: representation.PowerOfAttorney, holder: KeyHilde, subject: KeyBjorn, areas: areasBjorn,
		validFrom: yearsBefore(2), validTo: lastInstantBefore(0), reason: representation.ReasonExpired,
		demonstrates: "Fullmakt that ended at the end of last month: not offered."},
	{kind: representation.Parent, holder: KeyKnut, subject: KeyTobias, reason: representation.ReasonConfidentialAddress,
		demonstrates: "Child with a confidential address: nobody may act for him, not even a parent."},
})

// withSecondParent repeats every parent relation held by first for
// second: both parents hold parental responsibility and the same rules
// apply to each.
func withSecondParent(first, second string, rels []relationSpec) []relationSpec {
	out := slices.Clone(rels)
	for _, r := range rels {
		if r.kind == representation.Parent && r.holder == first {
			r.holder = second
			r.demonstrates = "Second parent: the same rule as for Kari."
			out = append(out, r)
		}
	}
	return out
}
