package calendar

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Hours "HH:MM-HH:MM" first or last in a value, separated by blanks from the rest.
var (
	hoursFirst = regexp.MustCompile(`^(\d+:\d+)\s*-\s*(\d+:\d+)(?:\s+(.*))?$`)
	hoursLast  = regexp.MustCompile(`^(?:(.*?)\s+)?(\d+:\d+)\s*-\s*(\d+:\d+)$`)
	clockRE    = regexp.MustCompile(`^(\d{1,2}):(\d{2})$`)
	fullDate   = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	yearlyDate = regexp.MustCompile(`^(\d{1,2})-(\d{1,2})$`)
)

// dayNames maps day names and abbreviations, lower-cased, to weekdays.
var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday,
	"mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
}

// Weekday parses a day name or abbreviation (Mon, Tues, Thursday, ...), in
// any case.
func Weekday(name string) (time.Weekday, bool) {
	d, ok := dayNames[strings.ToLower(strings.TrimSpace(name))]
	return d, ok
}

// splitHours finds the hours "HH:MM-HH:MM" at the start or the end of v and
// returns the rest (trimmed), the span, and why v is invalid ("" if valid).
func splitHours(v string) (string, span, string) {
	var rest, from, to string
	if m := hoursFirst.FindStringSubmatch(v); m != nil {
		from, to, rest = m[1], m[2], m[3]
	} else if m := hoursLast.FindStringSubmatch(v); m != nil {
		rest, from, to = m[1], m[2], m[3]
	} else {
		return "", span{}, "missing hours HH:MM-HH:MM first or last"
	}
	start, ok := parseClock(from, false)
	if !ok {
		return "", span{}, fmt.Sprintf("bad start time %q", from)
	}
	end, ok := parseClock(to, true)
	if !ok {
		return "", span{}, fmt.Sprintf("bad end time %q", to)
	}
	switch {
	case end == start:
		return "", span{}, "empty hours (start equals end; 00:00-24:00 is the whole day)"
	case end < start: // passes midnight: ends on the next date
		end += 24 * time.Hour
	}
	return strings.TrimSpace(rest), span{start, end}, ""
}

// parseClock parses "H:MM" or "HH:MM", 00:00 to 23:59, and 24:00 when it is an end.
func parseClock(s string, isEnd bool) (time.Duration, bool) {
	m := clockRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	if mi > 59 || h > 24 || (h == 24 && (mi != 0 || !isEnd)) {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute, true
}

// parseDays parses "Day[-Day][,Day...]" into weekdays; a range may wrap the
// week ("Sat-Mon" is Sat, Sun, Mon). It returns why s is invalid, or "".
func parseDays(s string) ([]time.Weekday, string) {
	var days []time.Weekday
	for _, item := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(item, "-")
		a, ok := dayNames[strings.ToLower(strings.TrimSpace(from))]
		if !ok {
			return nil, fmt.Sprintf("unknown day %q", strings.TrimSpace(from))
		}
		b := a
		if isRange {
			if b, ok = dayNames[strings.ToLower(strings.TrimSpace(to))]; !ok {
				return nil, fmt.Sprintf("unknown day %q", strings.TrimSpace(to))
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			days = append(days, d)
			if d == b {
				break
			}
		}
	}
	return days, ""
}

// parseDate parses "YYYY-MM-DD" (one date) or "MM-DD" (that day every year;
// 02-29 only in leap years). It returns why s is invalid, or "".
func parseDate(s string) (dateMatcher, string) {
	var y, m, d int
	yearly := false
	if f := fullDate.FindStringSubmatch(s); f != nil {
		y, _ = strconv.Atoi(f[1])
		m, _ = strconv.Atoi(f[2])
		d, _ = strconv.Atoi(f[3])
	} else if f := yearlyDate.FindStringSubmatch(s); f != nil {
		m, _ = strconv.Atoi(f[1])
		d, _ = strconv.Atoi(f[2])
		yearly = true
	} else {
		return dateMatcher{}, fmt.Sprintf("bad date %q (YYYY-MM-DD or MM-DD)", s)
	}
	check := y
	if yearly {
		check = 2000 // a leap year: 02-29 is a valid yearly date
	}
	if check < 1 || m < 1 || m > 12 || d < 1 || dateOf(time.Date(check, time.Month(m), d, 0, 0, 0, 0, time.UTC)) != (date{check, time.Month(m), d}) {
		return dateMatcher{}, fmt.Sprintf("bad date %q", s)
	}
	return dateMatcher{year: y, month: time.Month(m), day: d}, ""
}
