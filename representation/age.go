package representation

import "time"

// Ages are counted on calendar dates in Europe/Oslo: a person is n years
// old from the start (00:00 Oslo) of their n-th birthday.
//
// Someone born on 29 February has their birthday on 1 March in years
// that are not leap years: they are still 15 on 28 February and turn 16
// on 1 March. We chose the later day because age limits count completed
// years, and on 28 February the 29th has not yet come; it is also what
// Go's time.Date normalisation of 29 February gives, so Age and Birthday
// can never disagree.

// civil returns t's calendar date in Oslo.
func civil(t time.Time) (int, time.Month, int) {
	return t.In(Oslo).Date()
}

// Birthday returns the instant (00:00 Europe/Oslo) at which someone born
// on birth becomes years old. A 29 February birth maps to 1 March in
// years that are not leap years.
func Birthday(birth time.Time, years int) time.Time {
	y, m, d := civil(birth)
	return time.Date(y+years, m, d, 0, 0, 0, 0, Oslo)
}

// Age returns the whole years someone born on birth has completed at
// now, by birthdays in Europe/Oslo. It is negative if now is before the
// birth date.
func Age(birth, now time.Time) int {
	by, _, _ := civil(birth)
	ny, _, _ := civil(now)
	years := ny - by
	if now.Before(Birthday(birth, years)) {
		years--
	}
	return years
}

// StartOfDay returns 00:00 Europe/Oslo on t's Oslo calendar date.
func StartOfDay(t time.Time) time.Time {
	y, m, d := civil(t)
	return time.Date(y, m, d, 0, 0, 0, 0, Oslo)
}
