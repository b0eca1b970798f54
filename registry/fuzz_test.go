package registry

import (
	"encoding/json"
	"testing"

	"github.com/oidcp/oidcp/representation"
)

// FuzzDecodeValidate: any input is either rejected or yields records that
// satisfy what storage relies on.
func FuzzDecodeValidate(f *testing.F) {
	fam := newFamily(f)
	good, _ := json.Marshal(fam.doc)
	f.Add(good)
	f.Add([]byte(`{"persons": [{"pid": "01818000010", "given_name": "A", "family_name": "B", "birthdate": "1980-01-01"}]}`))
	f.Add([]byte(`{"relations": [{"id": "x", "kind": "parent", "holder": "01818000010", "subject": "01818000010"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := DecodeBytes(b)
		if err != nil {
			return
		}
		p := prepare(d)
		if len(p.errs) > 0 {
			return
		}
		for _, q := range p.persons {
			if !representation.ValidPID(q.PID) || q.GivenName == "" || q.FamilyName == "" || q.BirthDate.IsZero() {
				t.Fatalf("accepted person %+v", q)
			}
		}
		for _, r := range p.relations {
			if r.ID == "" || !representation.RelationKind(r.Kind).Valid() || r.Holder == r.Subject ||
				!representation.ValidPID(r.Holder) || !representation.ValidPID(r.Subject) ||
				(!r.ValidFrom.IsZero() && !r.ValidTo.IsZero() && !r.ValidFrom.Before(r.ValidTo)) {
				t.Fatalf("accepted relation %+v", r)
			}
		}
	})
}
