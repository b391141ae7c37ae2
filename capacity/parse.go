package capacity

import (
	"github.com/opengms/callback/calendar"

	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Option keys of a builtin capacity section read by Parse.
const (
	// KeyTimezone is the IANA time zone of every local time of the section (required).
	KeyTimezone = "_timezone"
	// KeyDays lists the weekdays of _capacity_1 ... _capacity_7, in order:
	// "[Mon, Tue, Wed, Thu, Fri, Sat, Sun]" (the default when absent).
	KeyDays = "_capacity"
	// PrefixDay + N is the grid {"N":{"HHMM":count,...}} of the Nth day of KeyDays.
	PrefixDay = "_capacity_"
	// KeyExceptions holds the date exceptions {"[YYYY-]MM-DD":{"HHMM":count,...},...}.
	KeyExceptions = "_capacity_add"
)

// ParseError is the error of Parse: which option is wrong and why (the
// calendar's, as both parse builtin sections).
type ParseError = calendar.ParseError

var (
	dayKey     = regexp.MustCompile(`^_capacity_(\d+)$`)
	hhmm       = regexp.MustCompile(`^(\d{2})(\d{2})$`)
	fullDate   = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	yearlyDate = regexp.MustCompile(`^(\d{1,2})-(\d{1,2})$`)
)

// defaultDays is the day list when _capacity is absent or empty.
var defaultDays = []time.Weekday{
	time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday,
}

// Parse builds a capacity grid from a builtin capacity section's options:
// _timezone (IANA, required), _capacity, _capacity_1 ... _capacity_7 and
// _capacity_add (see the package documentation for the format).
//
// Keys are matched exactly (lower case); other keys are ignored, and so is a
// _capacity* key with an empty value. The first bad option (_timezone, then
// _capacity, then the others in key order) is reported as a *ParseError
// naming the key and its value.
func Parse(opts map[string]string) (*Grid, error) {
	tz := strings.TrimSpace(opts[KeyTimezone])
	if tz == "" {
		return nil, &ParseError{Key: KeyTimezone, Reason: "missing time zone"}
	}
	loc, err := calendar.LoadLocation(tz)
	if err != nil {
		return nil, &ParseError{Key: KeyTimezone, Value: opts[KeyTimezone], Reason: "unknown IANA time zone"}
	}
	days, reason := parseDays(strings.TrimSpace(opts[KeyDays]))
	if reason != "" {
		return nil, &ParseError{Key: KeyDays, Value: opts[KeyDays], Reason: reason}
	}
	g := &Grid{loc: loc}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var seen [8]string // _capacity_N key already read for day N
	for _, k := range keys {
		v := strings.TrimSpace(opts[k])
		if v == "" {
			continue
		}
		reason := ""
		if k == KeyExceptions {
			reason = g.addExceptions(v)
		} else if m := dayKey.FindStringSubmatch(k); m != nil {
			n, err := strconv.Atoi(m[1])
			switch {
			case err != nil || n < 1 || n > len(days):
				reason = fmt.Sprintf("no day %s in %s (%d days)", m[1], KeyDays, len(days))
			case seen[n] != "":
				reason = fmt.Sprintf("day %d already set by %s", n, seen[n])
			default:
				seen[n] = k
				g.weekly[days[n-1]], reason = parseDayGrid(v, n)
			}
		}
		if reason != "" {
			return nil, &ParseError{Key: k, Value: opts[k], Reason: reason}
		}
	}
	return g, nil
}

// parseDays parses the _capacity list "[Day, Day, ...]" (brackets optional);
// "" is the default list. It returns why s is invalid, or "".
func parseDays(s string) ([]time.Weekday, string) {
	if s == "" {
		return defaultDays, ""
	}
	if strings.HasPrefix(s, "[") != strings.HasSuffix(s, "]") {
		return nil, "unbalanced brackets"
	}
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if s == "" {
		return nil, "no days"
	}
	var days []time.Weekday
	var listed [7]bool
	for _, item := range strings.Split(s, ",") {
		name := strings.TrimSpace(item)
		d, ok := calendar.Weekday(name)
		switch {
		case !ok:
			return nil, fmt.Sprintf("unknown day %q", name)
		case listed[d]:
			return nil, fmt.Sprintf("day %q listed twice", name)
		}
		listed[d] = true
		days = append(days, d)
	}
	return days, ""
}

// parseDayGrid parses the value of _capacity_N, {"N":{"HHMM":count,...}} or
// {} (no places). It returns why v is invalid, or "".
func parseDayGrid(v string, n int) (day, string) {
	members, reason := objectMembers(v)
	switch {
	case reason != "":
		return nil, reason
	case len(members) == 0:
		return nil, ""
	case len(members) > 1:
		return nil, fmt.Sprintf(`want one day key {"%d":{...}}`, n)
	}
	if k, err := strconv.Atoi(strings.TrimSpace(members[0].key)); err != nil || k != n {
		return nil, fmt.Sprintf(`day key %q is not "%d"`, members[0].key, n)
	}
	return parseGrid(members[0].value)
}

// addExceptions adds the dates of _capacity_add, {"[YYYY-]MM-DD":{"HHMM":count,...},...};
// it returns why v is invalid, or "".
func (g *Grid) addExceptions(v string) string {
	members, reason := objectMembers(v)
	if reason != "" {
		return reason
	}
	for _, m := range members {
		grid, reason := parseGrid(m.value)
		if reason != "" {
			return fmt.Sprintf("date %q: %s", m.key, reason)
		}
		key := strings.TrimSpace(m.key)
		if f := fullDate.FindStringSubmatch(key); f != nil {
			y, _ := strconv.Atoi(f[1])
			mo, _ := strconv.Atoi(f[2])
			d, _ := strconv.Atoi(f[3])
			if !validDate(y, mo, d) {
				return fmt.Sprintf("bad date %q", m.key)
			}
			cd := civilDate{y, time.Month(mo), d}
			if _, dup := g.dated[cd]; dup {
				return fmt.Sprintf("date %q given twice", m.key)
			}
			if g.dated == nil {
				g.dated = map[civilDate]day{}
			}
			g.dated[cd] = grid
		} else if f := yearlyDate.FindStringSubmatch(key); f != nil {
			mo, _ := strconv.Atoi(f[1])
			d, _ := strconv.Atoi(f[2])
			if !validDate(2000, mo, d) { // a leap year: 02-29 is a valid yearly date
				return fmt.Sprintf("bad date %q", m.key)
			}
			md := monthDay{time.Month(mo), d}
			if _, dup := g.yearly[md]; dup {
				return fmt.Sprintf("date %q given twice", m.key)
			}
			if g.yearly == nil {
				g.yearly = map[monthDay]day{}
			}
			g.yearly[md] = grid
		} else {
			return fmt.Sprintf("bad date %q (YYYY-MM-DD or MM-DD)", m.key)
		}
	}
	return ""
}

// validDate reports whether y-m-d is a real date of a year >= 1.
func validDate(y, m, d int) bool {
	if y < 1 || m < 1 || m > 12 || d < 1 {
		return false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t.Year() == y && t.Month() == time.Month(m) && t.Day() == d
}

// parseGrid parses one day's grid {"HHMM":count,...}; it returns why raw is invalid, or "".
func parseGrid(raw json.RawMessage) (day, string) {
	members, reason := objectMembers(string(raw))
	if reason != "" {
		return nil, reason
	}
	grid := make(day, 0, len(members))
	for _, m := range members {
		t := hhmm.FindStringSubmatch(m.key)
		var h, mi int
		if t != nil {
			h, _ = strconv.Atoi(t[1])
			mi, _ = strconv.Atoi(t[2])
		}
		if t == nil || h > 23 || mi > 59 {
			return nil, fmt.Sprintf("bad time %q (HHMM, 0000 to 2359)", m.key)
		}
		places, err := strconv.Atoi(string(m.value))
		if err != nil || places < 0 {
			return nil, fmt.Sprintf("bad count %s at %q (a whole number >= 0)", m.value, m.key)
		}
		grid = append(grid, level{from: time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute, places: places})
	}
	// Keys are distinct (objectMembers) and exactly HHMM, so times are distinct too.
	sort.Slice(grid, func(i, j int) bool { return grid[i].from < grid[j].from })
	return grid, ""
}

// member is one "key": value of a JSON object.
type member struct {
	key   string
	value json.RawMessage
}

// objectMembers decodes s as exactly one JSON object and returns its members
// in document order; it returns why s is not one (bad JSON, not an object,
// a key given twice, trailing data), or "".
func objectMembers(s string) ([]member, string) {
	dec := json.NewDecoder(strings.NewReader(s))
	bad := func(err error) ([]member, string) { return nil, "bad JSON: " + err.Error() }
	tok, err := dec.Token()
	if err != nil {
		return bad(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, "not a JSON object"
	}
	var members []member
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return bad(err)
		}
		key, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return bad(err)
		}
		if seen[key] {
			return nil, fmt.Sprintf("key %q given twice", key)
		}
		seen[key] = true
		members = append(members, member{key, value})
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return bad(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, "bad JSON: data after the object"
	}
	return members, ""
}
