package calendar

import "time"

// OpenDuring reports whether the office is open at any instant of [start, end). nil = true. (Used for time buckets.)
//
// An empty interval (end not after start) holds no instant: false, unless o is nil.
// The office can only become open at a local range start (or a local
// midnight) or at a change of the zone's UTC offset, so OpenDuring checks
// start and each such instant inside the interval, never a step scan.
func (o *OfficeHours) OpenDuring(start, end time.Time) bool {
	if o == nil {
		return true
	}
	if !start.Before(end) {
		return false
	}
	if o.IsOpen(start) {
		return true
	}
	inside := func(t time.Time) bool { return t.After(start) && t.Before(end) }
	// Offset changes: the wall clock jumps, possibly into a range.
	for z := start.In(o.loc); ; {
		_, next := z.ZoneBounds()
		if next.IsZero() || !next.After(z) || !next.Before(end) {
			break
		}
		if o.IsOpen(next) {
			return true
		}
		z = next
	}
	// Every instant whose wall clock is a range start (or midnight) on a
	// local date the interval may touch.
	last := dateOf(end.In(o.loc)).addDays(1)
	for d := dateOf(start.In(o.loc)).addDays(-1); !d.after(last); d = d.addDays(1) {
		for _, w := range o.startsOn(d) {
			for _, t := range o.instants(d, w) {
				if inside(t) && o.IsOpen(t) {
					return true
				}
			}
		}
	}
	return false
}

// startsOn lists the wall-clock times at which a range may start on date d:
// local midnight, every weekly range start of d's weekday and every addition
// start on d.
func (o *OfficeHours) startsOn(d date) []time.Duration {
	starts := []time.Duration{0}
	for _, s := range o.weekly[d.weekday()] {
		starts = append(starts, s.start)
	}
	for _, a := range o.adds {
		if a.on.matches(d) {
			starts = append(starts, a.span.start)
		}
	}
	return starts
}

// instants returns every instant whose local wall time is date d at
// wall-clock w: none in a spring-forward gap, two in a fall-back overlap,
// one otherwise.
func (o *OfficeHours) instants(d date, w time.Duration) []time.Time {
	wall := d.midnight().Add(w) // the wall time read as if it were UTC
	guess := time.Date(d.year, d.month, d.day, 0, 0, 0, 0, o.loc).Add(w)
	var out []time.Time
	seen := map[int]bool{}
	for _, probe := range []time.Time{guess.Add(-12 * time.Hour), guess, guess.Add(12 * time.Hour)} {
		_, off := probe.In(o.loc).Zone()
		if seen[off] {
			continue
		}
		seen[off] = true
		t := wall.Add(-time.Duration(off) * time.Second)
		if l := t.In(o.loc); dateOf(l) == d && WallClock(l) == w {
			out = append(out, t)
		}
	}
	return out
}
