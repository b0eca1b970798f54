package conformance

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// registryOf returns n persons and n-1 relations, each person holding one
// for the next. Storage does not check numbers, so the PIDs are plain keys.
func registryOf(n int) ([]storage.Person, []storage.Relation) {
	ps := make([]storage.Person, n)
	for i := range ps {
		ps[i] = storage.Person{PID: fmt.Sprintf("p%010d", i), GivenName: "Kari", FamilyName: fmt.Sprint(i),
			BirthDate: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: at(0)}
	}
	rs := make([]storage.Relation, n-1)
	for i := range rs {
		rs[i] = storage.Relation{ID: fmt.Sprint("rel-", i), Kind: "parent", Holder: ps[i].PID,
			Subject: ps[i+1].PID, ServiceAreas: []string{"appointments"}, UpdatedAt: at(0)}
	}
	return ps, rs
}

// BenchmarkImportRegistry measures ImportRegistry of registers of 100 and
// 10,000 persons (and one relation fewer) into a fresh storage from
// newStorage; the first round inserts, the rest update every row.
func BenchmarkImportRegistry(b *testing.B, newStorage func(testing.TB) storage.Storage) {
	for _, n := range []int{100, 10_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			s := newStorage(b)
			ps, rs := registryOf(n)
			for b.Loop() {
				if err := s.ImportRegistry(b.Context(), reg, ps, rs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
