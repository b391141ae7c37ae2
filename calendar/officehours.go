package calendar

import "time"

// OfficeHours is a weekly schedule in one IANA time zone with dated additions and closures.
// It is immutable once built by Parse and safe for concurrent use. A nil
// *OfficeHours stands for "no office hours configured": always open.
type OfficeHours struct {
	loc    *time.Location
	weekly [7][]span     // by time.Weekday: ranges starting on that day
	adds   []addition    // _bh_addN: extra ranges on a date
	closed []dateMatcher // _bh_dateN: dates whose weekly ranges are cancelled
}

// span is one open range in wall-clock time from the local midnight of the
// date it starts on: [start, end). start is in [0, 24h); end is after start
// and at most 48h (a range passing midnight ends on the next date).
type span struct {
	start, end time.Duration
}

// contains reports whether wall-clock time w (from the span's starting
// midnight) falls inside the span.
func (s span) contains(w time.Duration) bool { return s.start <= w && w < s.end }

// dateMatcher selects one civil date, or the same month and day every year
// when year is 0.
type dateMatcher struct {
	year  int
	month time.Month
	day   int
}

// matches reports whether d is a date the matcher selects.
func (m dateMatcher) matches(d date) bool {
	return (m.year == 0 || m.year == d.year) && m.month == d.month && m.day == d.day
}

// addition is one _bh_addN: a range open on the dates it selects.
type addition struct {
	on   dateMatcher
	span span
}

// Location returns the office's time zone; time.UTC for a nil *OfficeHours.
func (o *OfficeHours) Location() *time.Location {
	if o == nil {
		return time.UTC
	}
	return o.loc
}

// IsOpen reports whether the office is open at instant t. A nil *OfficeHours is always open.
//
// t is converted to local wall time; it is open when that wall time is inside
// a range starting on the local date (weekly unless the date is closed, or
// added), or inside the part after midnight of a range starting the day before.
func (o *OfficeHours) IsOpen(t time.Time) bool {
	if o == nil {
		return true
	}
	local := t.In(o.loc)
	d, w := dateOf(local), WallClock(local)
	return o.openFrom(d, w) || o.openFrom(d.addDays(-1), w+24*time.Hour)
}

// openFrom reports whether a range starting on date d contains wall-clock
// time w, measured from d's local midnight.
func (o *OfficeHours) openFrom(d date, w time.Duration) bool {
	if !o.isClosed(d) {
		for _, s := range o.weekly[d.weekday()] {
			if s.contains(w) {
				return true
			}
		}
	}
	for _, a := range o.adds {
		if a.on.matches(d) && a.span.contains(w) {
			return true
		}
	}
	return false
}

// isClosed reports whether a _bh_dateN closure selects date d.
func (o *OfficeHours) isClosed(d date) bool {
	for _, c := range o.closed {
		if c.matches(d) {
			return true
		}
	}
	return false
}
