package calendar

import "time"

// date is a civil (wall-calendar) date, free of any time zone.
type date struct {
	year  int
	month time.Month
	day   int
}

// dateOf returns the civil date of t in t's own location.
func dateOf(t time.Time) date {
	y, m, d := t.Date()
	return date{y, m, d}
}

// midnight returns d at 00:00 UTC, used for civil-date arithmetic only.
func (d date) midnight() time.Time {
	return time.Date(d.year, d.month, d.day, 0, 0, 0, 0, time.UTC)
}

// addDays returns the date n days after d (n may be negative).
func (d date) addDays(n int) date {
	return dateOf(time.Date(d.year, d.month, d.day+n, 0, 0, 0, 0, time.UTC))
}

// weekday returns d's day of the week.
func (d date) weekday() time.Weekday { return d.midnight().Weekday() }

// after reports whether d is a later date than e.
func (d date) after(e date) bool { return d.midnight().After(e.midnight()) }

// WallClock returns the local wall-clock time of t since its local midnight
// (always in [0, 24h), whatever the length of the local day).
func WallClock(t time.Time) time.Duration {
	h, m, s := t.Clock()
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(s)*time.Second + time.Duration(t.Nanosecond())
}
