package representation

import (
	"errors"
	"testing"
	"time"
)

// The numbers below were computed outside this package (an independent
// modulus-11 script), so a bug in checkDigit cannot make them agree with
// themselves. Ordinary-format numbers (no month offset) use birth dates in
// the 1800s or in the future so they can belong to no living person; the
// rest are synthetic (+40/+80 month).
func TestParsePID(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantErr   error
		wantDate  string // YYYY-MM-DD
		dNumber   bool
		synthetic bool
	}{
		// Ordinary numbers.
		{name: "ordinary 1875 ind 500", in: "15067550002", wantDate: "1875-06-15"},
		{name: "ordinary first 1800s year", in: "01015470093", wantDate: "1854-01-01"},
		{name: "ordinary 1899 ind 700", in: "31129970041", wantDate: "1899-12-31"},
		{name: "ordinary 2039 ind 500", in: "31123950057", wantDate: "2039-12-31"},
		{name: "ordinary 2039 ind 99x", in: "01013999046", wantDate: "2039-01-01"},
		// D-numbers: first digit +4.
		{name: "D-number", in: "55067560069", wantDate: "1875-06-15", dNumber: true},
		{name: "synthetic D-number", in: "41819010186", wantDate: "1990-01-01", dNumber: true, synthetic: true},
		// Synthetic months.
		{name: "+80 month", in: "24921050034", wantDate: "2010-12-24", synthetic: true},
		{name: "+40 month", in: "17458512485", wantDate: "1985-05-17", synthetic: true},
		// Century from the individual number, at each boundary.
		{name: "ind 000 is 1900s", in: "02810000034", wantDate: "1900-01-02", synthetic: true},
		{name: "ind 499 is 1900s", in: "01819949995", wantDate: "1999-01-01", synthetic: true},
		{name: "ind 499 yy 50 is 1900s", in: "01815049914", wantDate: "1950-01-01", synthetic: true},
		{name: "ind 500 yy 54 is 1800s", in: "01815450023", wantDate: "1854-01-01", synthetic: true},
		{name: "ind 749 yy 99 is 1800s", in: "01819974906", wantDate: "1899-01-01", synthetic: true},
		{name: "ind 500 yy 39 is 2000s", in: "01813950061", wantDate: "2039-01-01", synthetic: true},
		{name: "ind 999 yy 00 is 2000s", in: "02810099936", wantDate: "2000-01-02", synthetic: true},
		{name: "ind 999 yy 39 is 2000s", in: "02813999989", wantDate: "2039-01-02", synthetic: true},
		{name: "ind 900 yy 40 is 1900s", in: "01814090082", wantDate: "1940-01-01", synthetic: true},
		{name: "ind 999 yy 99 is 1900s", in: "01819999909", wantDate: "1999-01-01", synthetic: true},
		{name: "ind 500 yy 40 has no century", in: "01814050021", wantErr: ErrPIDDate},
		{name: "ind 500 yy 53 has no century", in: "01815350002", wantErr: ErrPIDDate},
		{name: "ind 749 yy 45 has no century", in: "02814574930", wantErr: ErrPIDDate},
		{name: "ind 750 yy 54 has no century", in: "01815475026", wantErr: ErrPIDDate},
		{name: "ind 899 yy 99 has no century", in: "01819989946", wantErr: ErrPIDDate},
		{name: "ind 899 yy 40 has no century", in: "01814089947", wantErr: ErrPIDDate},
		// 29 February.
		{name: "29 Feb 2000 (leap)", in: "29820050043", wantDate: "2000-02-29", synthetic: true},
		{name: "29 Feb 1996 (leap)", in: "29829610041", wantDate: "1996-02-29", synthetic: true},
		{name: "29 Feb 1896 (leap, ordinary)", in: "29029650037", wantDate: "1896-02-29"},
		{name: "29 Feb 1900 (not leap)", in: "29820010092", wantErr: ErrPIDDate},
		{name: "29 Feb 1999 (not leap)", in: "29829910185", wantErr: ErrPIDDate},
		{name: "29 Feb 2001 (not leap)", in: "29820150064", wantErr: ErrPIDDate},
		{name: "29 Feb 1897 (not leap, ordinary)", in: "29029750058", wantErr: ErrPIDDate},
		// Impossible dates with valid check digits.
		{name: "month 13", in: "01938010001", wantErr: ErrPIDDate},
		{name: "month 00", in: "01808010093", wantErr: ErrPIDDate},
		{name: "month 53 (+40 gives 13)", in: "01538010029", wantErr: ErrPIDDate},
		{name: "day 00", in: "00818010044", wantErr: ErrPIDDate},
		{name: "day 32", in: "32818010035", wantErr: ErrPIDDate},
		{name: "day 40 (neither day nor D-number)", in: "40818010038", wantErr: ErrPIDDate},
		{name: "D-number day 72 (32)", in: "72818010029", wantErr: ErrPIDDate},
		{name: "31 April", in: "31848010076", wantErr: ErrPIDDate},
		// Check digits.
		{name: "first check digit wrong", in: "24921050044", wantErr: ErrPIDChecksum},
		{name: "second check digit wrong", in: "24921050035", wantErr: ErrPIDChecksum},
		{name: "first check digit would be 10", in: "01818011200", wantErr: ErrPIDChecksum},
		{name: "second check digit would be 10", in: "01818010750", wantErr: ErrPIDChecksum},
		{name: "transposed digits", in: "42921050034", wantErr: ErrPIDChecksum},
		// Format.
		{name: "empty", in: "", wantErr: ErrPIDFormat},
		{name: "10 digits", in: "2492105003", wantErr: ErrPIDFormat},
		{name: "12 digits", in: "249210500340", wantErr: ErrPIDFormat},
		{name: "letter", in: "2492105003a", wantErr: ErrPIDFormat},
		{name: "space", in: "249210 50034", wantErr: ErrPIDFormat},
		{name: "dash", in: "249210-50034", wantErr: ErrPIDFormat},
		{name: "leading space", in: " 24921050034", wantErr: ErrPIDFormat},
		{name: "non-ASCII digit", in: "２4921050034", wantErr: ErrPIDFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePID(tt.in)
			if want := tt.wantErr == nil && tt.synthetic; IsSynthetic(tt.in) != want {
				t.Errorf("IsSynthetic(%q) = %v, want %v", tt.in, !want, want)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParsePID(%q) error = %v, want %v", tt.in, err, tt.wantErr)
				}
				if ValidPID(tt.in) {
					t.Errorf("ValidPID(%q) = true, want false", tt.in)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePID(%q): %v", tt.in, err)
			}
			if got.Number != tt.in {
				t.Errorf("Number = %q, want %q", got.Number, tt.in)
			}
			if d := got.BirthDate.Format(time.DateOnly); d != tt.wantDate {
				t.Errorf("BirthDate = %s, want %s", d, tt.wantDate)
			}
			if got.BirthDate.Location() != Oslo || got.BirthDate.Hour() != 0 {
				t.Errorf("BirthDate = %v, want midnight Europe/Oslo", got.BirthDate)
			}
			if got.DNumber != tt.dNumber || got.Synthetic != tt.synthetic {
				t.Errorf("DNumber, Synthetic = %v, %v, want %v, %v", got.DNumber, got.Synthetic, tt.dNumber, tt.synthetic)
			}
			if !ValidPID(tt.in) {
				t.Errorf("ValidPID(%q) = false", tt.in)
			}
		})
	}
}

// TestSyntheticPIDRoundTrip generates a number for every day from 1900 to
// 2039 and checks that it parses back to the same date, is marked
// synthetic and uses an individual number in the right century range.
func TestSyntheticPIDRoundTrip(t *testing.T) {
	for d := time.Date(1900, 1, 1, 0, 0, 0, 0, Oslo); d.Year() < 2040; d = d.AddDate(0, 0, 1) {
		for _, ind := range []int{0, 250, 480, 499, 500, 777, 970, 990} {
			s, err := SyntheticPID(d, ind)
			if err != nil {
				// 1900s numbers end at 499 and 2000s at 999; a start near
				// or past the end may legitimately run out.
				if ind >= 499 && d.Year() < 2000 || ind >= 990 {
					continue
				}
				t.Fatalf("SyntheticPID(%s, %d): %v", d.Format(time.DateOnly), ind, err)
			}
			p, err := ParsePID(s)
			if err != nil {
				t.Fatalf("SyntheticPID(%s, %d) = %s does not parse: %v", d.Format(time.DateOnly), ind, s, err)
			}
			if !p.Synthetic || p.DNumber || !p.BirthDate.Equal(d) {
				t.Fatalf("SyntheticPID(%s, %d) = %s parses as %+v", d.Format(time.DateOnly), ind, s, p)
			}
			if s[2] < '8' {
				t.Fatalf("SyntheticPID(%s) = %s, want month +80", d.Format(time.DateOnly), s)
			}
		}
	}
}

func TestSyntheticPIDOutOfRange(t *testing.T) {
	for _, y := range []int{1899, 2040} {
		if s, err := SyntheticPID(time.Date(y, 6, 1, 0, 0, 0, 0, Oslo), 0); err == nil {
			t.Errorf("SyntheticPID(%d) = %s, want error", y, s)
		}
	}
	if s, err := SyntheticPID(time.Date(1980, 6, 1, 0, 0, 0, 0, Oslo), 500); err == nil {
		t.Errorf("SyntheticPID(1980, ind 500) = %s, want error (1900s use 000-499)", s)
	}
}
