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

// Store is the slice of the storage contract Import needs.
type Store interface {
	storage.Tx
	GetPersons(ctx context.Context, registry string, pids []string) ([]storage.Person, error)
	GetRelations(ctx context.Context, registry string, ids []string) ([]storage.Relation, error)
	ImportRegistry(ctx context.Context, registry string, ps []storage.Person, rs []storage.Relation) error
}

var _ Store = storage.Storage(nil)

// Counts say what an import did with one kind of record.
type Counts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// Result is what Import did.
type Result struct {
	Persons   Counts `json:"persons"`
	Relations Counts `json:"relations"`
}

// Import validates d and applies it to the named registry in one
// transaction: all of it, or nothing when any record is invalid (a
// *ValidationError listing every problem) or the store fails. Into the
// Synthetic registry only synthetic numbers are accepted. Records equal to
// the stored ones are left alone, so importing the same document again
// changes nothing and reports them unchanged; created and updated records
// get UpdatedAt now.
func Import(ctx context.Context, s Store, registry string, d Document, now time.Time) (Result, error) {
	return apply(ctx, s, registry, d, now, true)
}

// DryRun does everything Import does, including the checks against the
// registry and the counts, and then rolls back: nothing is imported.
func DryRun(ctx context.Context, s Store, registry string, d Document, now time.Time) (Result, error) {
	return apply(ctx, s, registry, d, now, false)
}

func apply(ctx context.Context, s Store, registry string, d Document, now time.Time, commit bool) (res Result, err error) {
	if err := CheckName(registry); err != nil {
		return Result{}, fmt.Errorf("registry: import: %w", err)
	}
	p := prepare(d)
	if registry == Synthetic {
		p.onlySynthetic()
	}
	txctx, err := s.BeginTx(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("registry: import: %w", err)
	}
	defer func() {
		if err != nil {
			if rerr := s.Rollback(txctx); rerr != nil {
				err = errors.Join(err, rerr)
			}
		}
	}()

	oldPersons, err := s.GetPersons(txctx, registry, p.referencedPIDs())
	if err != nil {
		return Result{}, fmt.Errorf("registry: import: %w", err)
	}
	stored := map[string]storage.Person{}
	for _, q := range oldPersons {
		stored[q.PID] = q
	}
	p.checkReferences(stored)
	if len(p.errs) > 0 {
		return Result{}, &ValidationError{Errors: p.errs}
	}
	ids := make([]string, len(p.relations))
	for i, r := range p.relations {
		ids[i] = r.ID
	}
	oldRels, err := s.GetRelations(txctx, registry, ids)
	if err != nil {
		return Result{}, fmt.Errorf("registry: import: %w", err)
	}
	storedRels := map[string]storage.Relation{}
	for _, r := range oldRels {
		storedRels[r.ID] = r
	}

	updated := now.UTC().Truncate(time.Microsecond)
	var ps []storage.Person
	for _, q := range p.persons {
		old, ok := stored[q.PID]
		switch {
		case !ok:
			res.Persons.Created++
		case samePerson(old, q):
			res.Persons.Unchanged++
			continue
		default:
			res.Persons.Updated++
		}
		q.UpdatedAt = updated
		ps = append(ps, q)
	}
	var rs []storage.Relation
	for _, r := range p.relations {
		old, ok := storedRels[r.ID]
		switch {
		case !ok:
			res.Relations.Created++
		case sameRelation(old, r):
			res.Relations.Unchanged++
			continue
		default:
			res.Relations.Updated++
		}
		r.UpdatedAt = updated
		rs = append(rs, r)
	}
	if err := s.ImportRegistry(txctx, registry, ps, rs); err != nil {
		return Result{}, fmt.Errorf("registry: import: %w", err)
	}
	if !commit {
		if err := s.Rollback(txctx); err != nil {
			return Result{}, fmt.Errorf("registry: dry run: %w", err)
		}
		return res, nil
	}
	if err := s.Commit(txctx); err != nil {
		return Result{}, fmt.Errorf("registry: import: %w", err)
	}
	return res, nil
}

// referencedPIDs are the document's persons and every holder and subject.
func (p *prepared) referencedPIDs() []string {
	seen := map[string]bool{}
	var out []string
	add := func(pid string) {
		if pid != "" && !seen[pid] {
			seen[pid] = true
			out = append(out, pid)
		}
	}
	for _, q := range p.persons {
		add(q.PID)
	}
	for _, r := range p.relations {
		add(r.Holder)
		add(r.Subject)
	}
	return out
}

// onlySynthetic reports every valid number of the document that is not
// synthetic: the Synthetic registry is what the sandbox and every tenant
// behind the ID-porten mock read, so a real person's data there would be
// reachable by anyone who can log in as a test person.
func (p *prepared) onlySynthetic() {
	const msg = "is not a synthetic number (month + 40 or + 80); the %q registry holds only synthetic test persons. Import real register data into another registry (e.g. %q), one that no sandbox or mock tenant reads"
	for i, q := range p.persons {
		if representation.ValidPID(q.PID) && !representation.IsSynthetic(q.PID) {
			p.fail(fmt.Sprintf("persons[%d]", i), "pid", msg, Synthetic, Main)
		}
	}
	for i, r := range p.relations {
		for _, f := range []struct{ field, pid string }{{"holder", r.Holder}, {"subject", r.Subject}} {
			if representation.ValidPID(f.pid) && !representation.IsSynthetic(f.pid) {
				p.fail(fmt.Sprintf("relations[%d]", i), f.field, msg, Synthetic, Main)
			}
		}
	}
}

// checkReferences reports holders and subjects that are neither in the
// document nor in the registry.
func (p *prepared) checkReferences(stored map[string]storage.Person) {
	for i, r := range p.relations {
		for _, f := range []struct{ field, pid string }{{"holder", r.Holder}, {"subject", r.Subject}} {
			if !representation.ValidPID(f.pid) {
				continue // already reported by prepare
			}
			if _, ok := p.inDoc[f.pid]; ok {
				continue
			}
			if _, ok := stored[f.pid]; ok {
				continue
			}
			p.fail(fmt.Sprintf("relations[%d]", i), f.field, "is neither a person in this document nor in the registry; add the person to \"persons\"")
		}
	}
}

func samePerson(a, b storage.Person) bool {
	return a.PID == b.PID && a.GivenName == b.GivenName && a.FamilyName == b.FamilyName &&
		a.BirthDate.Equal(b.BirthDate) && a.ConfidentialAddress == b.ConfidentialAddress &&
		a.LacksCapacity == b.LacksCapacity
}

func sameRelation(a, b storage.Relation) bool {
	return a.ID == b.ID && a.Kind == b.Kind && a.Holder == b.Holder && a.Subject == b.Subject &&
		a.ValidFrom.Equal(b.ValidFrom) && a.ValidTo.Equal(b.ValidTo) && slices.Equal(a.ServiceAreas, b.ServiceAreas) &&
		a.Withdrawn == b.Withdrawn && a.WithdrawnAt.Equal(b.WithdrawnAt)
}
