// Package capacity evaluates the capacity grid of a builtin capacity service
// section (SPEC §4.1 "Capacity service"): how many scheduled callbacks one
// time bucket may hold, by local time of day, in one IANA time zone, with
// date exceptions. A callback service names the section with
// _capacity_service; the grid then replaces _max_request_by_time_bucket.
//
// # Format
//
//	[service.NAME]
//	_type = builtin
//	_service = capacity
//	_timezone = America/New_York
//	_capacity = [Mon, Tue, Wed, Thu, Fri, Sat, Sun]
//	_capacity_1 = {"1":{"0800":5,"1200":2,"1300":5,"1800":0}}
//	...
//	_capacity_7 = {"7":{}}
//	_capacity_add = {"2026-12-24":{"0800":2,"1200":0}, "12-25":{}}
//
// The keys:
//
//   - _timezone (required): the IANA zone of every local time of the section.
//   - _capacity: the days _capacity_1 ... _capacity_7 describe, in order: one
//     to seven distinct weekday names, case-insensitive, 3-letter or full
//     ("Mon", "monday"), comma-separated, brackets optional. Absent or empty:
//     [Mon, Tue, Wed, Thu, Fri, Sat, Sun].
//   - _capacity_N: the grid of the Nth day of _capacity, written as GMS does,
//     {"N":{"HHMM":count,...}}; {} or an absent key is a day without places.
//     N must name a day of _capacity.
//   - _capacity_add: the date exceptions, one JSON object
//     {"DATE":{"HHMM":count,...},...}. DATE is YYYY-MM-DD (that date) or MM-DD
//     (that day every year; 02-29 only in leap years). The grid replaces the
//     weekly one for that whole local date ({} = no places all day); a
//     YYYY-MM-DD exception wins over an MM-DD one. The key is the one the
//     GMS product ships (_capacity_add={}); GMS does not document its value,
//     so this is this server's format.
//
// HHMM is a local wall-clock time, exactly four digits, 0000 to 2359; count is
// a whole number >= 0, the places of every bucket that starts from that time
// until the next key of the same day (or midnight). Keys may be in any order.
// Before the first key of a day, on days _capacity does not list and on days
// without a grid the capacity is 0: a grid lists the times it takes callbacks.
// A grid never carries past local midnight.
//
// Any other key (_type, _service, _max_capacity, ...) is ignored, and so is a
// _capacity* key with an empty value.
//
// # Daylight-saving time
//
// A bucket is looked up by the local wall-clock time and local date of its
// start instant (t.In(loc)), so a change of UTC offset needs no special case:
// a grid {"0900":5} gives 5 to the bucket starting at 09:00 local both before
// and after the change, although that is a different UTC hour. On a
// spring-forward day the skipped wall times never occur (the value in effect
// after the gap is the one of the last key at or before the new wall time);
// on a fall-back day the repeated wall times occur twice and both get the
// same value.
//
// The package is pure: no I/O beyond the time zone database of the time
// package, no global state. A *Grid is immutable once parsed and safe for
// concurrent use.
package capacity
