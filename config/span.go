package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Span is a desired-time limit (_reject_past_desired_time,
// _reject_future_desired_time): a number of seconds, or of calendar months for
// the M suffix.
type Span struct {
	Seconds int64 // length in seconds (s, m, h, d suffixes or none)
	Months  int   // length in calendar months (M suffix)
}

// spanUnits maps a suffix to its length in seconds.
var spanUnits = map[byte]int64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400}

// ParseSpan parses a non-negative number of seconds, optionally suffixed by
// s, m (minutes), h, d or M (months).
func ParseSpan(v string) (Span, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return Span{}, errEmpty
	}
	unit, mult := byte(0), int64(1)
	if last := v[len(v)-1]; last < '0' || last > '9' {
		unit, v = last, v[:len(v)-1]
		if unit != 'M' {
			m, ok := spanUnits[unit]
			if !ok {
				return Span{}, fmt.Errorf("unknown unit %q", unit)
			}
			mult = m
		}
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 0 {
		return Span{}, fmt.Errorf("not a non-negative number: %q", v)
	}
	if unit == 'M' {
		return Span{Months: int(n)}, nil
	}
	return Span{Seconds: n * mult}, nil
}

// After returns t moved forward by s.
func (s Span) After(t time.Time) time.Time {
	return t.AddDate(0, s.Months, 0).Add(time.Duration(s.Seconds) * time.Second)
}

// Before returns t moved back by s.
func (s Span) Before(t time.Time) time.Time {
	return t.AddDate(0, -s.Months, 0).Add(-time.Duration(s.Seconds) * time.Second)
}
