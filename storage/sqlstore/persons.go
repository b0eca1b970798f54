package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/oidcp/oidcp/storage"
)

// inChunk bounds the bind parameters of one IN (...) list, well under
// SQLite's and PostgreSQL's limits.
const inChunk = 500

// placeholders returns "$1, $2, …, $n".
func placeholders(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(i))
	}
	return b.String()
}

// chunks calls fn with keys in slices of at most inChunk.
func chunks(keys []string, fn func(args []any, in string) error) error {
	for len(keys) > 0 {
		n := min(len(keys), inChunk)
		args := make([]any, n)
		for i, k := range keys[:n] {
			args[i] = k
		}
		if err := fn(args, placeholders(n)); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// UpsertPersons inserts or replaces registry entries, all in one
// transaction so an import is applied whole or not at all.
func (s *Store) UpsertPersons(ctx context.Context, ps []storage.Person) error {
	return s.inTx(ctx, func(ctx context.Context) error { return s.upsertPersons(ctx, ps) })
}

func (s *Store) upsertPersons(ctx context.Context, ps []storage.Person) error {
	for _, p := range ps {
		_, err := s.exec(ctx, `INSERT INTO persons (pid, given_name, family_name, birth_date, confidential_address,
			lacks_capacity, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (pid) DO UPDATE SET given_name = excluded.given_name, family_name = excluded.family_name,
			birth_date = excluded.birth_date, confidential_address = excluded.confidential_address,
			lacks_capacity = excluded.lacks_capacity, updated_at = excluded.updated_at`,
			p.PID, p.GivenName, p.FamilyName, s.tm(p.BirthDate), p.ConfidentialAddress, p.LacksCapacity,
			s.tm(p.UpdatedAt))
		if err != nil {
			return s.wrap("upsert person", err)
		}
	}
	return nil
}

const personCols = `pid, given_name, family_name, birth_date, confidential_address, lacks_capacity, updated_at`

func scanPerson(sc interface{ Scan(...any) error }) (storage.Person, error) {
	var p storage.Person
	err := sc.Scan(&p.PID, &p.GivenName, &p.FamilyName, timeCol{&p.BirthDate}, &p.ConfidentialAddress,
		&p.LacksCapacity, timeCol{&p.UpdatedAt})
	return p, err
}

// GetPerson returns a registry entry; ErrNotFound when absent.
func (s *Store) GetPerson(ctx context.Context, pid string) (storage.Person, error) {
	p, err := scanPerson(s.queryRow(ctx, `SELECT `+personCols+` FROM persons WHERE pid = $1`, pid))
	return p, s.wrap("get person", err)
}

// GetPersons returns the stored persons among pids.
func (s *Store) GetPersons(ctx context.Context, pids []string) ([]storage.Person, error) {
	var out []storage.Person
	err := chunks(pids, func(args []any, in string) error {
		rows, err := s.query(ctx, `SELECT `+personCols+` FROM persons WHERE pid IN (`+in+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPerson(rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, s.wrap("get persons", err)
}

const relationCols = `id, kind, holder, subject, valid_from, valid_to, service_areas, withdrawn, withdrawn_at, updated_at`

func scanRelation(sc interface{ Scan(...any) error }) (storage.Relation, error) {
	var r storage.Relation
	err := sc.Scan(&r.ID, &r.Kind, &r.Holder, &r.Subject, timeCol{&r.ValidFrom}, timeCol{&r.ValidTo},
		jsonCol{&r.ServiceAreas}, &r.Withdrawn, timeCol{&r.WithdrawnAt}, timeCol{&r.UpdatedAt})
	return r, err
}

// UpsertRelations inserts or replaces relations by ID in one transaction.
func (s *Store) UpsertRelations(ctx context.Context, rs []storage.Relation) error {
	return s.inTx(ctx, func(ctx context.Context) error { return s.upsertRelations(ctx, rs) })
}

func (s *Store) upsertRelations(ctx context.Context, rs []storage.Relation) error {
	for _, r := range rs {
		// Checked here rather than left to the foreign keys so that the
		// caller gets the contract's sentinel on every engine, and a
		// PostgreSQL transaction is not aborted by a constraint error.
		var n int
		if err := s.queryRow(ctx, `SELECT count(*) FROM persons WHERE pid = $1 OR pid = $2`,
			r.Holder, r.Subject).Scan(&n); err != nil {
			return s.wrap("upsert relation", err)
		}
		want := 2
		if r.Holder == r.Subject {
			want = 1
		}
		if n != want {
			return fmt.Errorf("upsert relation %q: holder or subject is not a registered person: %w", r.ID, storage.ErrNotFound)
		}
		_, err := s.exec(ctx, `INSERT INTO relations (`+relationCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, holder = excluded.holder, subject = excluded.subject,
			valid_from = excluded.valid_from, valid_to = excluded.valid_to, service_areas = excluded.service_areas,
			withdrawn = excluded.withdrawn, withdrawn_at = excluded.withdrawn_at, updated_at = excluded.updated_at`,
			r.ID, r.Kind, r.Holder, r.Subject, s.tm(r.ValidFrom), s.tm(r.ValidTo), jsonCol{r.ServiceAreas},
			r.Withdrawn, s.tm(r.WithdrawnAt), s.tm(r.UpdatedAt))
		if err != nil {
			return s.wrap("upsert relation", err)
		}
	}
	return nil
}

// ImportRegistry upserts persons and then relations in one transaction.
func (s *Store) ImportRegistry(ctx context.Context, ps []storage.Person, rs []storage.Relation) error {
	return s.inTx(ctx, func(ctx context.Context) error {
		if err := s.upsertPersons(ctx, ps); err != nil {
			return err
		}
		return s.upsertRelations(ctx, rs)
	})
}

// GetRelation returns one relation; ErrNotFound when absent.
func (s *Store) GetRelation(ctx context.Context, id string) (storage.Relation, error) {
	r, err := scanRelation(s.queryRow(ctx, `SELECT `+relationCols+` FROM relations WHERE id = $1`, id))
	return r, s.wrap("get relation", err)
}

// GetRelations returns the stored relations among ids, ordered by ID.
func (s *Store) GetRelations(ctx context.Context, ids []string) ([]storage.Relation, error) {
	var out []storage.Relation
	err := chunks(ids, func(args []any, in string) error {
		rs, err := s.listRelations(ctx, `SELECT `+relationCols+` FROM relations WHERE id IN (`+in+`)`, args...)
		out = append(out, rs...)
		return err
	})
	sortRelations(out)
	return out, s.wrap("get relations", err)
}

// ListRelationsByHolder returns every relation holder holds, ordered by ID.
func (s *Store) ListRelationsByHolder(ctx context.Context, holder string) ([]storage.Relation, error) {
	rs, err := s.listRelations(ctx, `SELECT `+relationCols+` FROM relations WHERE holder = $1`, holder)
	sortRelations(rs)
	return rs, s.wrap("list relations", err)
}

func (s *Store) listRelations(ctx context.Context, query string, args ...any) ([]storage.Relation, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storage.Relation
	for rows.Next() {
		r, err := scanRelation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// sortRelations orders by ID in Go: chunked queries cannot order the
// whole result, and byte order is the same on every engine (a PostgreSQL
// collation may not be).
func sortRelations(rs []storage.Relation) {
	slices.SortFunc(rs, func(a, b storage.Relation) int { return strings.Compare(a.ID, b.ID) })
}
