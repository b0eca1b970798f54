package population

import (
	"fmt"
	"slices"
	"time"

	"github.com/oidcp/oidcp/representation"
)

// Population is the generated sandbox population for one day.
type Population struct {
	// Today is 00:00 Europe/Oslo on the day generated for.
	Today     time.Time
	Persons   []representation.Person
	Relations []representation.Relation
	// Roles describes each person's part, by fødselsnummer.
	Roles map[string]string
	// Keys maps the stable keys (KeyKari, …) to fødselsnummer, which
	// change as birth dates move with Today.
	Keys map[string]string
	// Cases documents, for each relation in Relations (same index), what
	// it demonstrates and the decision Evaluate gives at Today.
	Cases []Case
}

// Case is one documented relation and its expected decision at Today.
type Case struct {
	Relation     representation.Relation
	Demonstrates string
	Allowed      bool
	Limited      bool
	MayConsent   bool
	Reason       representation.Reason
}

// Lookup returns the person with a stable key (KeyKari, …).
func (p Population) Lookup(key string) (representation.Person, bool) {
	return p.Person(p.Keys[key])
}

// KeyOf returns the stable key (KeyKari, …) of the person with a
// fødselsnummer, or "" when there is none.
func (p Population) KeyOf(pid string) string {
	for k, v := range p.Keys {
		if v == pid {
			return k
		}
	}
	return ""
}

// Person returns the person with a fødselsnummer.
func (p Population) Person(pid string) (representation.Person, bool) {
	for _, q := range p.Persons {
		if q.PID == pid {
			return q, pid != ""
		}
	}
	return representation.Person{}, false
}

// Generate builds the population for the Oslo calendar day of today. The
// same day always gives the same population. Most birth dates are placed
// relative to the first of today's month so that the fødselsnummer stay
// the same for the whole month; only the children whose birthday is
// today (the 12th and 16th birthday cases) get new numbers every day.
func Generate(today time.Time) Population {
	day := representation.StartOfDay(today)
	y, m, _ := day.Date()
	monthStart := time.Date(y, m, 1, 0, 0, 0, 0, representation.Oslo)

	pop := Population{
		Today: day,
		Roles: map[string]string{},
		Keys:  map[string]string{},
	}
	used := map[string]bool{}
	for i, s := range persons {
		var birth time.Time
		if s.birthdayToday {
			birth = time.Date(y-s.age, m, day.Day(), 0, 0, 0, 0, representation.Oslo)
		} else {
			birth = time.Date(y-s.age, m, 1-s.daysSince, 0, 0, 0, 0, representation.Oslo)
		}
		// Guard the date arithmetic (29 February, month ends): a wrong
		// age would silently break the case the person exists for.
		if got := representation.Age(birth, day); got != s.age || s.birthdayToday && !representation.Birthday(birth, s.age).Equal(day) {
			panic(fmt.Sprintf("population: %s born %s is %d on %s, want %d", s.key, birth.Format(time.DateOnly), got, day.Format(time.DateOnly), s.age))
		}
		pid := pidFor(birth, i, s.male, used)
		pop.Persons = append(pop.Persons, representation.Person{
			PID:                 pid,
			GivenName:           s.given,
			FamilyName:          s.family,
			BirthDate:           birth,
			ConfidentialAddress: s.confidential,
			LacksCapacity:       s.lacksCapacity,
		})
		pop.Roles[pid] = s.role
		pop.Keys[s.key] = pid
	}
	for _, r := range relations {
		rel := representation.Relation{
			Kind:         r.kind,
			Holder:       pop.Keys[r.holder],
			Subject:      pop.Keys[r.subject],
			ServiceAreas: slices.Clone(r.areas),
			Withdrawn:    r.withdrawn,
		}
		if r.validFrom != nil {
			rel.ValidFrom = r.validFrom(monthStart)
		}
		if r.validTo != nil {
			rel.ValidTo = r.validTo(monthStart)
		}
		pop.Relations = append(pop.Relations, rel)
		pop.Cases = append(pop.Cases, Case{
			Relation:     rel,
			Demonstrates: r.demonstrates,
			Allowed:      r.reason == representation.ReasonAllowed,
			Limited:      r.limited,
			MayConsent:   r.reason == representation.ReasonAllowed && r.kind != representation.PowerOfAttorney,
			Reason:       r.reason,
		})
	}
	return pop
}

// pidFor returns an unused synthetic fødselsnummer for birth whose
// individual number has the conventional parity (odd third digit for
// men, even for women). Start points are spread by the person's index so
// the numbers do not all cluster at the start of the range.
func pidFor(birth time.Time, index int, male bool, used map[string]bool) string {
	lo, span := 0, 500
	if birth.Year() >= 2000 {
		lo = 500
	}
	for n := 0; n < span; n++ {
		ind := lo + (index*37+n)%span
		if (ind%2 == 1) != male {
			continue
		}
		pid, err := representation.SyntheticPID(birth, ind)
		if err != nil || used[pid] {
			continue
		}
		if odd := (pid[8]-'0')%2 == 1; odd != male {
			continue // SyntheticPID skipped ahead to the other parity
		}
		used[pid] = true
		return pid
	}
	panic(fmt.Sprintf("population: no synthetic number for %s", birth.Format(time.DateOnly)))
}
