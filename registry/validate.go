package registry

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// RecordError is one problem of one record. Record is "persons[i]" or
// "relations[i]" (empty for the document as a whole) and Field the JSON
// field. Messages never contain a fødselsnummer: the index tells the
// operator which record, and the error may end up in logs.
type RecordError struct {
	Record  string `json:"record,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (e RecordError) Error() string {
	switch {
	case e.Record == "":
		return e.Message
	case e.Field == "":
		return e.Record + ": " + e.Message
	}
	return e.Record + "." + e.Field + ": " + e.Message
}

// ValidationError lists every problem of a document; nothing was imported.
type ValidationError struct {
	Errors []RecordError
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Errors))
	for i, re := range e.Errors {
		lines[i] = re.Error()
	}
	return fmt.Sprintf("registry: %d problem(s), nothing imported:\n%s", len(e.Errors), strings.Join(lines, "\n"))
}

// Limits on record fields.
const (
	maxNameLen = 200
	maxAreaLen = 100
	maxAreas   = 50
)

// idPattern keeps relation ids printable and URL-safe.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// prepared is a document converted to storage records, with the problems
// found without looking at the registry.
type prepared struct {
	persons   []storage.Person
	relations []storage.Relation
	// inDoc maps a document person's pid to its index.
	inDoc map[string]int
	errs  []RecordError
}

func (p *prepared) fail(record, field, format string, args ...any) {
	p.errs = append(p.errs, RecordError{Record: record, Field: field, Message: fmt.Sprintf(format, args...)})
}

// Validate checks a document on its own (not against the registry) and
// returns every problem, each naming its record and field. Import also
// checks that relations name persons of the document or the registry.
func Validate(d Document) []RecordError {
	return prepare(d).errs
}

func prepare(d Document) *prepared {
	p := &prepared{inDoc: map[string]int{}}
	if len(d.Persons) == 0 && len(d.Relations) == 0 {
		p.fail("", "", "the document has no persons and no relations; expected {\"persons\": [...], \"relations\": [...]}")
	}
	for i, r := range d.Persons {
		p.person(i, r)
	}
	ids := map[string]int{}
	for i, r := range d.Relations {
		rec := fmt.Sprintf("relations[%d]", i)
		if j, dup := ids[r.ID]; dup && r.ID != "" {
			p.fail(rec, "id", "%q is also the id of relations[%d]; ids must be unique", r.ID, j)
		} else {
			ids[r.ID] = i
		}
		p.relation(rec, r)
	}
	return p
}

func (p *prepared) person(i int, r PersonRecord) {
	rec := fmt.Sprintf("persons[%d]", i)
	pid, err := representation.ParsePID(r.PID)
	if err != nil {
		p.fail(rec, "pid", "%v", pidProblem(r.PID, err))
	} else if j, dup := p.inDoc[r.PID]; dup {
		p.fail(rec, "pid", "the same fødselsnummer as persons[%d]; list each person once", j)
	}
	p.name(rec, "given_name", r.GivenName)
	p.name(rec, "family_name", r.FamilyName)
	birth := pid.BirthDate
	if r.BirthDate != "" {
		b, err := time.ParseInLocation(time.DateOnly, r.BirthDate, representation.Oslo)
		switch {
		case err != nil:
			p.fail(rec, "birthdate", "%q is not a date (YYYY-MM-DD)", r.BirthDate)
		case !pid.BirthDate.IsZero() && !b.Equal(pid.BirthDate):
			p.fail(rec, "birthdate", "%s does not match the birth date the fødselsnummer encodes", r.BirthDate)
		default:
			birth = b
		}
	}
	if _, dup := p.inDoc[r.PID]; !dup && err == nil {
		p.inDoc[r.PID] = len(p.persons)
	}
	p.persons = append(p.persons, storage.Person{
		PID:                 r.PID,
		GivenName:           strings.TrimSpace(r.GivenName),
		FamilyName:          strings.TrimSpace(r.FamilyName),
		BirthDate:           birth,
		ConfidentialAddress: r.ConfidentialAddress,
		LacksCapacity:       r.LacksCapacity,
	})
}

// pidProblem describes a bad fødselsnummer without repeating it.
func pidProblem(s string, err error) string {
	switch {
	case s == "":
		return "is required (the 11-digit fødselsnummer)"
	case errors.Is(err, representation.ErrPIDChecksum):
		return "is not a valid fødselsnummer: the check digits do not match"
	case errors.Is(err, representation.ErrPIDDate):
		return "is not a valid fødselsnummer: it does not encode a valid birth date"
	}
	// ParsePID's other messages may quote digits of the number; say it
	// in our own words.
	return "is not a valid fødselsnummer: it must be 11 digits"
}

func (p *prepared) name(rec, field, v string) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		p.fail(rec, field, "is required")
	case len(v) > maxNameLen:
		p.fail(rec, field, "is longer than %d bytes", maxNameLen)
	case !printable(v):
		p.fail(rec, field, "contains invalid UTF-8 or control characters")
	}
}

func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

func (p *prepared) relation(rec string, r RelationRecord) {
	if r.ID == "" {
		p.fail(rec, "id", "is required: the source register's stable key, so a re-import updates instead of duplicating")
	} else if !idPattern.MatchString(r.ID) {
		p.fail(rec, "id", "%q must be 1–128 characters of A-Z a-z 0-9 . _ : -, starting with a letter or digit", r.ID)
	}
	kind := representation.RelationKind(r.Kind)
	if !kind.Valid() {
		p.fail(rec, "kind", "%q is not a relation kind (use parent, power_of_attorney or assigned_power_of_attorney)", r.Kind)
	}
	for _, f := range []struct{ field, v string }{{"holder", r.Holder}, {"subject", r.Subject}} {
		if _, err := representation.ParsePID(f.v); err != nil {
			p.fail(rec, f.field, "%v", pidProblem(f.v, err))
		}
	}
	if r.Holder != "" && r.Holder == r.Subject {
		p.fail(rec, "subject", "is the holder; a person does not represent themselves")
	}
	from, to, withdrawnAt := micro(r.ValidFrom), micro(r.ValidTo), micro(r.WithdrawnAt)
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		p.fail(rec, "valid_to", "must be after valid_from")
	}
	if !withdrawnAt.IsZero() && !r.Withdrawn {
		p.fail(rec, "withdrawn_at", "is set but withdrawn is not true; set both to withdraw the relation")
	}
	areas := p.areas(rec, r.ServiceAreas)
	if kind == representation.PowerOfAttorney && len(areas) == 0 {
		// representation.Evaluate denies an ordinary fullmakt without
		// areas; importing one would be a relation that never works.
		p.fail(rec, "service_areas", "an ordinary power of attorney must name at least one service area")
	}
	p.relations = append(p.relations, storage.Relation{
		ID:           r.ID,
		Kind:         r.Kind,
		Holder:       r.Holder,
		Subject:      r.Subject,
		ValidFrom:    from,
		ValidTo:      to,
		ServiceAreas: areas,
		Withdrawn:    r.Withdrawn,
		WithdrawnAt:  withdrawnAt,
	})
}

// areas returns the service areas sorted and without duplicates (nil
// for none), so the same set compares equal however it was listed.
func (p *prepared) areas(rec string, in []string) []string {
	if len(in) > maxAreas {
		p.fail(rec, "service_areas", "lists %d areas; at most %d", len(in), maxAreas)
	}
	var out []string
	for i, a := range in {
		a = strings.TrimSpace(a)
		switch {
		case a == "":
			p.fail(rec, fmt.Sprintf("service_areas[%d]", i), "is empty")
		case len(a) > maxAreaLen || !printable(a):
			p.fail(rec, fmt.Sprintf("service_areas[%d]", i), "must be at most %d printable bytes", maxAreaLen)
		default:
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// micro is the time, truncated to the microseconds storage keeps, in
// UTC; zero for nil.
func micro(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}
