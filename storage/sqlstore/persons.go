package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/oidcp/oidcp/storage"
)

// inChunk bounds the bind parameters of one statement (an IN (...) list
// or a multi-row INSERT), well under SQLite's and PostgreSQL's limits.
// Not much higher: SQLite finds each numbered parameter by a linear scan,
// so a statement's cost grows with the square of its parameters (an
// import of 10,000 persons took 1.5 times as long at 500).
const inChunk = 250

// queryIn runs query, which ends in "IN", once for every inChunk keys
// with their list appended, and returns every row as scan reads it. The
// query's own parameters, fixed, are $1… and bound to fixed; the keys
// are numbered after them.
func queryIn[T any](ctx context.Context, s *Store, scan func(interface{ Scan(...any) error }) (T, error), query string, keys []string, fixed ...any) ([]T, error) {
	var out []T
	for len(keys) > 0 {
		n := min(len(keys), inChunk)
		args := append(make([]any, 0, len(fixed)+n), fixed...)
		ph := make([]string, n)
		for i, k := range keys[:n] {
			args, ph[i] = append(args, k), "$"+strconv.Itoa(len(fixed)+i+1)
		}
		vs, err := queryAll(ctx, s, scan, query+" ("+strings.Join(ph, ", ")+")", args...)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
		keys = keys[n:]
	}
	return out, nil
}

// upsertRows writes n rows in multi-row INSERT statements of at most
// inChunk bind values each: an import of a whole register is a few
// hundred statements, not one or two per record. head is "INSERT INTO t (cols) VALUES", tail the ON CONFLICT
// clause; row(i) returns the bind values of row i.
func (s *Store) upsertRows(ctx context.Context, n int, head, tail string, row func(i int) []any) error {
	var b strings.Builder
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		b.WriteString(" " + tail)
		_, err := s.exec(ctx, b.String(), args...)
		b.Reset()
		args = args[:0]
		return err
	}
	for i := range n {
		vals := row(i)
		if len(args)+len(vals) > inChunk {
			if err := flush(); err != nil {
				return err
			}
		}
		if len(args) == 0 {
			b.WriteString(head + " ")
		} else {
			b.WriteString(", ")
		}
		writePlaceholderRow(&b, len(args)+1, len(vals))
		args = append(args, vals...)
	}
	return flush()
}

// lastByKey drops every element whose key a later element repeats, so
// that a batch upserts each key once with the last value given (as one
// statement per record would have). PostgreSQL refuses to update the
// same row twice in one INSERT ... ON CONFLICT DO UPDATE.
func lastByKey[T any](xs []T, key func(T) string) []T {
	last := make(map[string]int, len(xs))
	for i, x := range xs {
		last[key(x)] = i
	}
	if len(last) == len(xs) {
		return xs
	}
	out := make([]T, 0, len(last))
	for i, x := range xs {
		if last[key(x)] == i {
			out = append(out, x)
		}
	}
	return out
}

func (s *Store) upsertPersons(ctx context.Context, registry string, ps []storage.Person) error {
	ps = lastByKey(ps, func(p storage.Person) string { return p.PID })
	err := s.upsertRows(ctx, len(ps), `INSERT INTO persons (registry, `+personCols+`) VALUES`,
		`ON CONFLICT (registry, pid) DO UPDATE SET given_name = excluded.given_name, family_name = excluded.family_name,
			birth_date = excluded.birth_date, confidential_address = excluded.confidential_address,
			lacks_capacity = excluded.lacks_capacity, updated_at = excluded.updated_at`,
		func(i int) []any {
			p := ps[i]
			return []any{registry, p.PID, p.GivenName, p.FamilyName, s.tm(p.BirthDate), p.ConfidentialAddress,
				p.LacksCapacity, s.tm(p.UpdatedAt)}
		})
	return s.wrap("upsert persons", err)
}

const personCols = `pid, given_name, family_name, birth_date, confidential_address, lacks_capacity, updated_at`

func scanPerson(sc interface{ Scan(...any) error }) (storage.Person, error) {
	var p storage.Person
	err := sc.Scan(&p.PID, &p.GivenName, &p.FamilyName, timeCol{&p.BirthDate}, &p.ConfidentialAddress,
		&p.LacksCapacity, timeCol{&p.UpdatedAt})
	return p, err
}

// GetPerson returns a registry entry; ErrNotFound when absent.
func (s *Store) GetPerson(ctx context.Context, registry, pid string) (storage.Person, error) {
	p, err := scanPerson(s.queryRow(ctx, `SELECT `+personCols+` FROM persons WHERE registry = $1 AND pid = $2`, registry, pid))
	return p, s.wrap("get person", err)
}

// GetPersons returns the persons among pids stored in registry.
func (s *Store) GetPersons(ctx context.Context, registry string, pids []string) ([]storage.Person, error) {
	ps, err := queryIn(ctx, s, scanPerson, `SELECT `+personCols+` FROM persons WHERE registry = $1 AND pid IN`, pids, registry)
	return ps, s.wrap("get persons", err)
}

const relationCols = `id, kind, holder, subject, valid_from, valid_to, service_areas, withdrawn, withdrawn_at, updated_at`

func scanRelation(sc interface{ Scan(...any) error }) (storage.Relation, error) {
	var r storage.Relation
	err := sc.Scan(&r.ID, &r.Kind, &r.Holder, &r.Subject, timeCol{&r.ValidFrom}, timeCol{&r.ValidTo},
		jsonCol{&r.ServiceAreas}, &r.Withdrawn, timeCol{&r.WithdrawnAt}, timeCol{&r.UpdatedAt})
	return r, err
}

func (s *Store) upsertRelations(ctx context.Context, registry string, rs []storage.Relation) error {
	// Checked here rather than left to the foreign keys so that the caller
	// gets the contract's sentinel on every engine, and a PostgreSQL
	// transaction is not aborted by a constraint error.
	seen := map[string]bool{}
	var pids []string
	for _, r := range rs {
		for _, pid := range []string{r.Holder, r.Subject} {
			if !seen[pid] {
				seen[pid] = true
				pids = append(pids, pid)
			}
		}
	}
	stored, err := s.GetPersons(ctx, registry, pids)
	if err != nil {
		return err
	}
	if len(stored) != len(pids) {
		found := make(map[string]bool, len(stored))
		for _, p := range stored {
			found[p.PID] = true
		}
		for _, r := range rs {
			if !found[r.Holder] || !found[r.Subject] {
				return fmt.Errorf("upsert relation %q: holder or subject is not a registered person: %w", r.ID, storage.ErrNotFound)
			}
		}
	}
	rs = lastByKey(rs, func(r storage.Relation) string { return r.ID })
	err = s.upsertRows(ctx, len(rs), `INSERT INTO relations (registry, `+relationCols+`) VALUES`,
		`ON CONFLICT (registry, id) DO UPDATE SET kind = excluded.kind, holder = excluded.holder, subject = excluded.subject,
			valid_from = excluded.valid_from, valid_to = excluded.valid_to, service_areas = excluded.service_areas,
			withdrawn = excluded.withdrawn, withdrawn_at = excluded.withdrawn_at, updated_at = excluded.updated_at`,
		func(i int) []any {
			r := rs[i]
			return []any{registry, r.ID, r.Kind, r.Holder, r.Subject, s.tm(r.ValidFrom), s.tm(r.ValidTo), jsonCol{r.ServiceAreas},
				r.Withdrawn, s.tm(r.WithdrawnAt), s.tm(r.UpdatedAt)}
		})
	return s.wrap("upsert relations", err)
}

// ImportRegistry upserts persons and then relations into registry in one
// transaction.
func (s *Store) ImportRegistry(ctx context.Context, registry string, ps []storage.Person, rs []storage.Relation) error {
	if registry == "" {
		return fmt.Errorf("%s: import registry: the registry name is empty", s.d.Name)
	}
	return s.inTx(ctx, func(ctx context.Context) error {
		if err := s.upsertPersons(ctx, registry, ps); err != nil {
			return err
		}
		return s.upsertRelations(ctx, registry, rs)
	})
}

// GetRelation returns one relation; ErrNotFound when absent.
func (s *Store) GetRelation(ctx context.Context, registry, id string) (storage.Relation, error) {
	r, err := scanRelation(s.queryRow(ctx, `SELECT `+relationCols+` FROM relations WHERE registry = $1 AND id = $2`, registry, id))
	return r, s.wrap("get relation", err)
}

// GetRelations returns the relations among ids stored in registry,
// ordered by ID.
func (s *Store) GetRelations(ctx context.Context, registry string, ids []string) ([]storage.Relation, error) {
	out, err := queryIn(ctx, s, scanRelation, `SELECT `+relationCols+` FROM relations WHERE registry = $1 AND id IN`, ids, registry)
	sortRelations(out)
	return out, s.wrap("get relations", err)
}

// ListRelationsByHolder returns every relation holder holds in registry,
// ordered by ID.
func (s *Store) ListRelationsByHolder(ctx context.Context, registry, holder string) ([]storage.Relation, error) {
	rs, err := queryAll(ctx, s, scanRelation, `SELECT `+relationCols+` FROM relations WHERE registry = $1 AND holder = $2`, registry, holder)
	sortRelations(rs)
	return rs, s.wrap("list relations", err)
}

// sortRelations orders by ID in Go: chunked queries cannot order the
// whole result, and byte order is the same on every engine (a PostgreSQL
// collation may not be).
func sortRelations(rs []storage.Relation) {
	slices.SortFunc(rs, func(a, b storage.Relation) int { return strings.Compare(a.ID, b.ID) })
}
