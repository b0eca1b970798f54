package sqlstore

import (
	"context"

	"github.com/oidcp/oidcp/storage"
)

// UpsertPersons inserts or replaces registry entries, all in one
// transaction so an import is applied whole or not at all.
func (s *Store) UpsertPersons(ctx context.Context, ps []storage.Person) error {
	return s.inTx(ctx, func(ctx context.Context) error {
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
	})
}

// GetPerson returns a registry entry; ErrNotFound when absent.
func (s *Store) GetPerson(ctx context.Context, pid string) (storage.Person, error) {
	var p storage.Person
	err := s.queryRow(ctx, `SELECT pid, given_name, family_name, birth_date, confidential_address, lacks_capacity,
		updated_at FROM persons WHERE pid = $1`, pid).Scan(&p.PID, &p.GivenName, &p.FamilyName, timeCol{&p.BirthDate},
		&p.ConfidentialAddress, &p.LacksCapacity, timeCol{&p.UpdatedAt})
	return p, s.wrap("get person", err)
}
