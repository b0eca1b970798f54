package representation

import (
	"testing"
	"time"
)

// osloAt is a wall-clock instant in Europe/Oslo.
func osloAt(y int, m time.Month, d, hh, mm, ss, ns int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, ns, Oslo)
}

// day is 00:00 Europe/Oslo on a date.
func day(y int, m time.Month, d int) time.Time { return osloAt(y, m, d, 0, 0, 0, 0) }

// lastInstant is the last nanosecond of a date in Oslo.
func lastInstant(y int, m time.Month, d int) time.Time {
	return day(y, m, d).AddDate(0, 0, 1).Add(-time.Nanosecond)
}

func TestAge(t *testing.T) {
	tests := []struct {
		name  string
		birth time.Time
		now   time.Time
		want  int
	}{
		{"day before 12th birthday", day(2013, 6, 16), lastInstant(2025, 6, 15), 11},
		{"12th birthday, first instant", day(2013, 6, 16), day(2025, 6, 16), 12},
		{"day before 16th birthday", day(2009, 6, 16), lastInstant(2025, 6, 15), 15},
		{"16th birthday", day(2009, 6, 16), day(2025, 6, 16), 16},
		// Oslo is UTC+2 in summer: 22:00 UTC is already the next day.
		{"16th birthday begins at 22:00 UTC the day before", day(2009, 6, 16), time.Date(2025, 6, 15, 22, 0, 0, 0, time.UTC), 16},
		{"one second before midnight Oslo in UTC", day(2009, 6, 16), time.Date(2025, 6, 15, 21, 59, 59, 0, time.UTC), 15},
		// Winter: UTC+1.
		{"winter birthday at 23:00 UTC", day(2009, 1, 10), time.Date(2025, 1, 9, 23, 0, 0, 0, time.UTC), 16},
		{"birth date given as midnight UTC", time.Date(2009, 6, 16, 0, 0, 0, 0, time.UTC), day(2025, 6, 16), 16},
		{"birth date given as midnight UTC, day before", time.Date(2009, 6, 16, 0, 0, 0, 0, time.UTC), lastInstant(2025, 6, 15), 15},
		// 29 February: the birthday is 1 March in non-leap years.
		{"29 Feb birth, 28 Feb non-leap", day(2012, 2, 29), lastInstant(2013, 2, 28), 0},
		{"29 Feb birth, 1 Mar non-leap", day(2012, 2, 29), day(2013, 3, 1), 1},
		{"29 Feb birth, 28 Feb of 18th year", day(2008, 2, 29), lastInstant(2026, 2, 28), 17},
		{"29 Feb birth, 1 Mar of 18th year", day(2008, 2, 29), day(2026, 3, 1), 18},
		{"29 Feb birth, 28 Feb leap year", day(2008, 2, 29), lastInstant(2028, 2, 28), 19},
		{"29 Feb birth, 29 Feb leap year", day(2008, 2, 29), day(2028, 2, 29), 20},
		{"born today", day(2025, 6, 15), osloAt(2025, 6, 15, 12, 0, 0, 0), 0},
		{"not yet born", day(2025, 6, 16), lastInstant(2025, 6, 15), -1},
		{"31 Dec birth on 1 Jan", day(2000, 12, 31), day(2026, 1, 1), 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Age(tt.birth, tt.now); got != tt.want {
				t.Errorf("Age(%v, %v) = %d, want %d", tt.birth, tt.now, got, tt.want)
			}
		})
	}
}

func TestBirthday(t *testing.T) {
	tests := []struct {
		birth time.Time
		years int
		want  time.Time
	}{
		{day(2009, 6, 16), 16, day(2025, 6, 16)},
		{day(2012, 2, 29), 16, day(2028, 2, 29)},
		{day(2012, 2, 29), 17, day(2029, 3, 1)},
		{day(2008, 2, 29), 18, day(2026, 3, 1)},
		{time.Date(2009, 6, 16, 0, 0, 0, 0, time.UTC), 16, day(2025, 6, 16)},
	}
	for _, tt := range tests {
		if got := Birthday(tt.birth, tt.years); !got.Equal(tt.want) {
			t.Errorf("Birthday(%v, %d) = %v, want %v", tt.birth, tt.years, got, tt.want)
		}
	}
}
