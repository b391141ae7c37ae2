// Package calendar evaluates the office hours of a builtin office-hours
// service section (CONTRACT "Configuration file", "Office hours"): a weekly
// schedule in one IANA time zone, with dated or yearly additions and closures.
//
// Every rule is written in local wall-clock time of the section's _timezone
// and evaluated by converting an instant to that wall time (t.In(loc)), so
// daylight-saving changes need no special case:
//
//   - On a spring-forward day the skipped wall times never occur; a range
//     such as 01:00-04:00 is simply open for one hour less of real time.
//   - On a fall-back day the repeated wall times occur twice, and both
//     occurrences are open when the wall time is inside a range.
//
// A range whose end is not after its start passes midnight: "Fri 19:00-07:00"
// is open from Friday 19:00 until Saturday 07:00 local time. The part after
// midnight belongs to the range's starting date: a closure (_bh_dateN) removes
// the weekly ranges that start on the closed date, including their part after
// midnight, and never the part after midnight of a range started the day
// before. An addition (_bh_addN) is open even on a closed date: an explicit
// addition wins over a closure.
//
// The package is pure: no I/O beyond the time zone database of the time
// package, no global state. An *OfficeHours is immutable once parsed and safe
// for concurrent use; a nil *OfficeHours is always open.
package calendar
