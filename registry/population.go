package registry

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
)

// PopulationIDPrefix starts the registry id of every sandbox population
// relation, keeping them apart from relations imported from a register.
const PopulationIDPrefix = "sandbox:"

// FromPopulation converts the synthetic population into an import
// document. Relation ids are built from the persons' stable keys
// (sandbox:parent:kari:emma), not their numbers, so that re-seeding on a
// later day moves each relation to the day's numbers instead of adding
// another one.
func FromPopulation(pop population.Population) Document {
	var d Document
	for _, p := range pop.Persons {
		d.Persons = append(d.Persons, PersonRecord{
			PID:                 p.PID,
			GivenName:           p.GivenName,
			FamilyName:          p.FamilyName,
			BirthDate:           p.BirthDate.In(representation.Oslo).Format(time.DateOnly),
			ConfidentialAddress: p.ConfidentialAddress,
			LacksCapacity:       p.LacksCapacity,
		})
	}
	for _, r := range pop.Relations {
		d.Relations = append(d.Relations, RelationRecord{
			ID:           PopulationIDPrefix + string(r.Kind) + ":" + pop.KeyOf(r.Holder) + ":" + pop.KeyOf(r.Subject),
			Kind:         string(r.Kind),
			Holder:       r.Holder,
			Subject:      r.Subject,
			ValidFrom:    timePtr(r.ValidFrom),
			ValidTo:      timePtr(r.ValidTo),
			ServiceAreas: slices.Clone(r.ServiceAreas),
			Withdrawn:    r.Withdrawn,
		})
	}
	return d
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// SeedPopulation imports the synthetic population for now's day in
// Europe/Oslo into the Synthetic registry. It is idempotent: on the same
// day it changes nothing, on a later day it updates what moved with the
// date.
func SeedPopulation(ctx context.Context, s Store, now time.Time) (Result, error) {
	res, err := Import(ctx, s, Synthetic, FromPopulation(population.Generate(now)), now)
	if err != nil {
		return Result{}, fmt.Errorf("seed sandbox population: %w", err)
	}
	return res, nil
}

// KeepSeeded re-seeds the population whenever the Oslo date changes,
// checking every interval until ctx ends, so that the "turns 16 today"
// and "turns 12 today" cases hold on a server that runs for days. The
// first seeding is the caller's (at start, where a failure should stop
// it); errors here are logged and retried at the next tick.
func KeepSeeded(ctx context.Context, s Store, interval time.Duration, now func() time.Time, log *slog.Logger) {
	seeded := representation.StartOfDay(now())
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			seeded = reseed(ctx, s, seeded, now(), log)
		}
	}
}

// reseed seeds the population for at's day unless that day is seeded
// already, and returns the day now seeded.
func reseed(ctx context.Context, s Store, seeded, at time.Time, log *slog.Logger) time.Time {
	day := representation.StartOfDay(at)
	if day.Equal(seeded) {
		return seeded
	}
	res, err := SeedPopulation(ctx, s, at)
	if err != nil {
		log.Error("re-seeding the sandbox population failed; retrying", "err", err)
		return seeded
	}
	log.Info("sandbox population re-seeded", "day", day.Format(time.DateOnly), "persons", res.Persons, "relations", res.Relations)
	return day
}
