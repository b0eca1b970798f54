package representation

import (
	"fmt"
	"testing"
)

// FuzzParsePID checks that ParsePID never panics and that whatever it
// accepts is internally consistent: the digits encode the returned birth
// date (after the D-number and synthetic offsets) and validate again.
func FuzzParsePID(f *testing.F) {
	for _, s := range []string{
		"24921050034", "15067550002", "55067560069", "17458512485",
		"29820050043", "29820010092", "01818011200", "", "0", "abcdefghijk",
		"99999999999", "00000000000", "２4921050034",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePID(s)
		if err != nil {
			if ValidPID(s) {
				t.Fatalf("ValidPID(%q) = true but ParsePID failed: %v", s, err)
			}
			return
		}
		if p.Number != s || !ValidPID(p.Number) {
			t.Fatalf("accepted %q but Number = %q, ValidPID = %v", s, p.Number, ValidPID(p.Number))
		}
		day, month := p.BirthDate.Day(), int(p.BirthDate.Month())
		if p.DNumber {
			day += 40
		}
		prefix := fmt.Sprintf("%02d", day)
		// The month offset is either 40 or 80; accept the one in s.
		ok := false
		for _, off := range []int{0, 40, 80} {
			if (off == 0) == !p.Synthetic && s[:4] == prefix+fmt.Sprintf("%02d", month+off) {
				ok = true
			}
		}
		if !ok || s[4:6] != fmt.Sprintf("%02d", p.BirthDate.Year()%100) {
			t.Fatalf("accepted %q as %+v: digits do not encode the birth date", s, p)
		}
		if y := p.BirthDate.Year(); y < 1854 || y > 2039 {
			t.Fatalf("accepted %q with year %d outside 1854-2039", s, y)
		}
	})
}
