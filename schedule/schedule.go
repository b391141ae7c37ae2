// Package schedule is the pure arithmetic of scheduled callbacks: time
// buckets, which of them are bookable, and the slots proposed when a desired
// one is not.
package schedule

import (
	"sort"
	"time"
)

// Open tells whether the office is open at an instant (nil-safe calendars
// satisfy it; always open when nil).
type Open func(time.Time) bool

// Plan is one service's booking rules over a period.
type Plan struct {
	Size   time.Duration             // bucket length (`_request_time_bucket` minutes)
	Total  func(start time.Time) int // places per bucket starting at start
	Open   Open                      // office hours; nil = always open
	Booked map[time.Time]int         // open callbacks per bucket start
}

// Slot is one bucket with what is left of it.
type Slot struct {
	Start    time.Time
	Capacity int // places left
	Total    int
}

// BucketStart is the start of the epoch-aligned bucket holding t.
func BucketStart(t time.Time, size time.Duration) time.Time {
	secs, step := t.Unix(), int64(size/time.Second)
	if step <= 0 {
		return t.UTC()
	}
	start := secs - secs%step
	if secs%step < 0 {
		start -= step // floor for instants before the epoch
	}
	return time.Unix(start, 0).UTC()
}

// IsOpen reports whether the office is open at the bucket starting at start.
func (p Plan) IsOpen(start time.Time) bool { return p.Open == nil || p.Open(start) }

// Slot returns the bucket starting at start.
func (p Plan) Slot(start time.Time) Slot {
	total := p.Total(start)
	return Slot{Start: start, Total: total, Capacity: max(0, total-p.Booked[start])}
}

// Slots lists the buckets overlapping [from, to) that end after now and
// are open, ascending; full ones only when busy is set; at most limit (0 =
// no limit) with capacity left — `max-time-slots` counts the open slots
// only, the full ones report-busy adds between them do not count.
func (p Plan) Slots(from, to, now time.Time, busy bool, limit int) []Slot {
	var out []Slot
	bookable := 0
	for b := BucketStart(from, p.Size); b.Before(to); b = b.Add(p.Size) {
		if !b.Add(p.Size).After(now) || !p.IsOpen(b) {
			continue
		}
		s := p.Slot(b)
		if s.Capacity == 0 && !busy {
			continue
		}
		out = append(out, s)
		if s.Capacity > 0 {
			bookable++
		}
		if limit > 0 && bookable == limit {
			break
		}
	}
	return out
}

// Propose returns up to n bookable buckets nearest the one holding desired
// (ties: the earlier first), not past and within window of it, ascending.
func (p Plan) Propose(desired, now time.Time, window time.Duration, n int) []Slot {
	center := BucketStart(desired, p.Size)
	var out []Slot
	ok := func(b time.Time) bool {
		return b.Add(p.Size).After(now) && p.IsOpen(b) && p.Slot(b).Capacity > 0
	}
	for k := 1; len(out) < n && time.Duration(k)*p.Size <= window; k++ {
		for _, b := range []time.Time{center.Add(-time.Duration(k) * p.Size), center.Add(time.Duration(k) * p.Size)} {
			if len(out) < n && ok(b) {
				out = append(out, p.Slot(b))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}
