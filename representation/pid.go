package representation

import (
	"errors"
	"fmt"
	"time"
)

// PID is a validated Norwegian national identity number (fødselsnummer),
// D-number or synthetic test number.
type PID struct {
	Number    string
	BirthDate time.Time // midnight Europe/Oslo on the birth date
	DNumber   bool      // first digit +4
	Synthetic bool      // month +40 or +80 (test numbers)
}

// Errors returned by ParsePID; wrapped with the detail.
var (
	ErrPIDFormat   = errors.New("fødselsnummer must be 11 digits")
	ErrPIDChecksum = errors.New("fødselsnummer check digits do not match")
	ErrPIDDate     = errors.New("fødselsnummer does not encode a valid birth date")
)

var (
	k1Weights = [9]int{3, 7, 6, 1, 8, 9, 4, 5, 2}
	k2Weights = [10]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
)

// Oslo is the time zone every age rule is evaluated in.
var Oslo = mustLoadOslo()

func mustLoadOslo() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(fmt.Sprintf("representation: load Europe/Oslo: %v (import time/tzdata)", err))
	}
	return loc
}

// checkDigit computes a modulus-11 check digit; ok is false when the
// remainder makes the number impossible (check digit would be 10).
func checkDigit(digits []int, weights []int) (int, bool) {
	sum := 0
	for i, w := range weights {
		sum += digits[i] * w
	}
	k := 11 - sum%11
	switch k {
	case 11:
		return 0, true
	case 10:
		return 0, false
	}
	return k, true
}

// ParsePID validates an 11-digit number: both modulus-11 check digits, a
// real calendar date (after removing the D-number and synthetic offsets)
// and the century given by the individual number.
func ParsePID(s string) (PID, error) {
	if len(s) != 11 {
		return PID{}, ErrPIDFormat
	}
	d := make([]int, 11)
	for i := 0; i < 11; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return PID{}, ErrPIDFormat
		}
		d[i] = int(c - '0')
	}
	k1, ok := checkDigit(d[:9], k1Weights[:])
	if !ok || k1 != d[9] {
		return PID{}, ErrPIDChecksum
	}
	k2, ok := checkDigit(d[:10], k2Weights[:])
	if !ok || k2 != d[10] {
		return PID{}, ErrPIDChecksum
	}
	p := PID{Number: s}
	day := d[0]*10 + d[1]
	month := d[2]*10 + d[3]
	yy := d[4]*10 + d[5]
	ind := d[6]*100 + d[7]*10 + d[8]
	if day > 40 {
		p.DNumber = true
		day -= 40
	}
	switch {
	case month > 80:
		p.Synthetic = true
		month -= 80
	case month > 40:
		p.Synthetic = true
		month -= 40
	}
	year, ok := century(yy, ind)
	if !ok {
		return PID{}, fmt.Errorf("%w: individual number %03d does not fit year %02d", ErrPIDDate, ind, yy)
	}
	if month < 1 || month > 12 || day < 1 {
		return PID{}, ErrPIDDate
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, Oslo)
	if t.Day() != day || int(t.Month()) != month {
		return PID{}, ErrPIDDate
	}
	p.BirthDate = t
	return p, nil
}

// ValidPID reports whether s is a valid fødselsnummer, D-number or
// synthetic number.
func ValidPID(s string) bool {
	_, err := ParsePID(s)
	return err == nil
}

// IsSynthetic reports whether s is a valid synthetic test number (month
// + 40 or + 80), D-numbers derived from one included: a number that
// belongs to no real person.
func IsSynthetic(s string) bool {
	p, err := ParsePID(s)
	return err == nil && p.Synthetic
}

// century maps the two-digit year and the individual number to a full year
// (Skatteetaten's allocation table).
func century(yy, ind int) (int, bool) {
	switch {
	case ind <= 499:
		return 1900 + yy, true
	case ind <= 749 && yy >= 54:
		return 1800 + yy, true
	case ind >= 500 && yy <= 39:
		return 2000 + yy, true
	case ind >= 900 && yy >= 40:
		return 1900 + yy, true
	}
	return 0, false
}

// SyntheticPID builds a valid synthetic number (month +80) for the given
// birth date and individual number, trying successive individual numbers
// in the birth date's century range until both check digits exist.
// It is used to generate test populations.
func SyntheticPID(birth time.Time, ind int) (string, error) {
	y := birth.Year()
	lo, hi := 0, 499
	switch {
	case y >= 2000 && y <= 2039:
		lo, hi = 500, 999
	case y >= 1900 && y <= 1999:
		lo, hi = 0, 499
	default:
		return "", fmt.Errorf("synthetic pid: year %d out of range", y)
	}
	if ind < lo {
		ind = lo
	}
	for ; ind <= hi; ind++ {
		s := fmt.Sprintf("%02d%02d%02d%03d", birth.Day(), int(birth.Month())+80, y%100, ind)
		d := make([]int, 11)
		for i := 0; i < 9; i++ {
			d[i] = int(s[i] - '0')
		}
		k1, ok := checkDigit(d[:9], k1Weights[:])
		if !ok {
			continue
		}
		d[9] = k1
		k2, ok := checkDigit(d[:10], k2Weights[:])
		if !ok {
			continue
		}
		return fmt.Sprintf("%s%d%d", s, k1, k2), nil
	}
	return "", fmt.Errorf("synthetic pid: no individual number left for %s", birth.Format("2006-01-02"))
}
