package calendar

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Option keys of a builtin office-hours section read by Parse.
const (
	// KeyTimezone is the IANA time zone of every local time of the section (required).
	KeyTimezone = "_timezone"
	// PrefixRegular starts the keys of weekly open hours: "Day[-Day][,Day...] HH:MM-HH:MM".
	PrefixRegular = "_bh_regular"
	// PrefixAdd starts the keys of extra open hours: "[YYYY-]MM-DD HH:MM-HH:MM".
	PrefixAdd = "_bh_add"
	// PrefixDate starts the keys of closed dates: "[YYYY-]MM-DD".
	PrefixDate = "_bh_date"
)

// ParseError is the error of Parse: which option is wrong and why.
type ParseError struct {
	// Key is the option's key, e.g. "_bh_regular1" or "_timezone".
	Key string
	// Value is the option's value as configured.
	Value string
	// Reason says what is wrong with the value.
	Reason string
}

// Error implements error: "KEY=VALUE: REASON" ("KEY: REASON" when the value is empty).
func (e *ParseError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("%s: %s", e.Key, e.Reason)
	}
	return fmt.Sprintf("%s=%s: %s", e.Key, e.Value, e.Reason)
}

// Parse builds office hours from a builtin office-hours section's options:
// _timezone (IANA, required), any number of _bh_regularN, _bh_addN, _bh_dateN (N = any suffix, e.g. 1, 2, 10).
//
// Keys are matched exactly (lower case); other keys (_type, _service, ...) are
// ignored, and so is a _bh_* key with an empty value. The first bad option, in
// key order, is reported as a *ParseError naming the key and its value.
func Parse(opts map[string]string) (*OfficeHours, error) {
	tz := strings.TrimSpace(opts[KeyTimezone])
	if tz == "" {
		return nil, &ParseError{Key: KeyTimezone, Reason: "missing time zone"}
	}
	loc, err := LoadLocation(tz)
	if err != nil {
		return nil, &ParseError{Key: KeyTimezone, Value: opts[KeyTimezone], Reason: "unknown IANA time zone"}
	}
	o := &OfficeHours{loc: loc}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.TrimSpace(opts[k])
		if v == "" {
			continue
		}
		var reason string
		switch {
		case strings.HasPrefix(k, PrefixRegular):
			reason = o.addRegular(v)
		case strings.HasPrefix(k, PrefixAdd):
			reason = o.addAddition(v)
		case strings.HasPrefix(k, PrefixDate):
			reason = o.addClosure(v)
		}
		if reason != "" {
			return nil, &ParseError{Key: k, Value: opts[k], Reason: reason}
		}
	}
	return o, nil
}

// LoadLocation loads an IANA time zone, refusing "Local" (the host's zone).
func LoadLocation(name string) (*time.Location, error) {
	if strings.EqualFold(name, "local") {
		return nil, fmt.Errorf("calendar: %q is not an IANA time zone", name)
	}
	return time.LoadLocation(name)
}

// addRegular adds one _bh_regularN value; it returns why it is invalid, or "".
func (o *OfficeHours) addRegular(v string) string {
	rest, s, reason := splitHours(v)
	if reason != "" {
		return reason
	}
	if rest == "" {
		return "missing days"
	}
	days, reason := parseDays(rest)
	if reason != "" {
		return reason
	}
	for _, d := range days {
		o.weekly[d] = append(o.weekly[d], s)
	}
	return ""
}

// addAddition adds one _bh_addN value; it returns why it is invalid, or "".
func (o *OfficeHours) addAddition(v string) string {
	rest, s, reason := splitHours(v)
	if reason != "" {
		return reason
	}
	if rest == "" {
		return "missing date"
	}
	m, reason := parseDate(rest)
	if reason != "" {
		return reason
	}
	o.adds = append(o.adds, addition{on: m, span: s})
	return ""
}

// addClosure adds one _bh_dateN value; it returns why it is invalid, or "".
func (o *OfficeHours) addClosure(v string) string {
	m, reason := parseDate(v)
	if reason != "" {
		return reason
	}
	o.closed = append(o.closed, m)
	return ""
}
