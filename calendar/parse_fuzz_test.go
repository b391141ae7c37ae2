package calendar

import (
	"errors"
	"testing"
	"time"
)

// fuzzZones are the time zones FuzzParse picks from (odd offsets, 30-minute
// and 2-hour DST shifts, DST at midnight); past them the fuzzed name is used.
var fuzzZones = []string{"UTC", "America/New_York", "Europe/Paris", "Australia/Lord_Howe", "Pacific/Chatham",
	"Asia/Kathmandu", "America/Santiago", "Africa/Casablanca", "Antarctica/Troll", "America/Havana", "Pacific/Apia"}

// FuzzParse: office-hours options built from fuzzed strings never panic
// Parse; a failure is a *ParseError naming a key; a parsed schedule answers
// IsOpen and OpenDuring for fuzzed instants without panicking, and
// OpenDuring agrees with IsOpen on the instants it covers.
func FuzzParse(f *testing.F) {
	type seed struct {
		zone                     uint8
		tz, regular, add, closed string
		extraKey, extraValue     string
		at                       int64
		length                   uint32
	}
	for _, s := range []seed{
		{1, "", "Mon-Fri 09:00-17:00", "2026-12-24 09:00-12:00", "2026-12-25", "_bh_regular2", "Sat 09:00-13:00", 1767366245, 3600},
		{2, "", "Sat-Mon 19:00-07:00", "12-31 20:00-24:00", "01-01", "_bh_date2", "02-29", 1774746000, 7200},
		{3, "", "09:00-17:00 Mon,Wed,Fri", "", "", "_type", "builtin", 1775311200, 86400},
		{4, "", "sunday 00:00-24:00", "2026-04-05 01:30-02:30", "", "_bh_add2", "2026-09-27 02:00-03:00", 1790000000, 300},
		{7, "", "Thu-Tue 23:30-00:30", "", "2026-03-29", "", "", 1774749600, 604800},
		{8, "", "Mon 0:00-1:00", "", "", "_bh_regular0", "Mon 24:00-01:00", 1743292800, 86400 * 3},
		{255, "Europe/Dublin", "tues-thurs 8:00-8:01", "", "", "", "", 0, 60},
		{255, "Local", "", "", "", "", "", 0, 0},
		{255, "", "Mon-Fry 09:00-17:00", "13-01 09:00-10:00", "2026-02-30", "", "", -62135596800, 1},
	} {
		f.Add(s.zone, s.tz, s.regular, s.add, s.closed, s.extraKey, s.extraValue, s.at, s.length)
	}
	f.Fuzz(func(t *testing.T, zone uint8, tz, regular, add, closed, extraKey, extraValue string, at int64, length uint32) {
		if int(zone) < len(fuzzZones) {
			tz = fuzzZones[zone]
		}
		opts := map[string]string{KeyTimezone: tz, PrefixRegular + "1": regular, PrefixAdd + "1": add, PrefixDate + "1": closed}
		if extraKey != "" && extraKey != KeyTimezone {
			opts[extraKey] = extraValue
		}
		o, err := Parse(opts)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Key == "" || pe.Reason == "" || o != nil {
				t.Fatalf("Parse(%q) = %v, %v: want a *ParseError naming a key", opts, o, err)
			}
			if _, known := opts[pe.Key]; !known && pe.Key != KeyTimezone {
				t.Fatalf("Parse(%q): error names key %q that is not an option", opts, pe.Key)
			}
			return
		}
		if o == nil {
			t.Fatalf("Parse(%q) = nil, nil", opts)
		}
		// Any instant at all: no panic.
		raw := time.Unix(at, 0)
		_ = o.IsOpen(raw)
		_ = o.OpenDuring(raw, raw)
		// Instants the service can meet (years 1970-2199), intervals up to 8 days.
		start := time.Unix(1<<31+at%(7<<30), 0).UTC()
		end := start.Add(time.Duration(length%(8*86400+1)) * time.Second)
		during := o.OpenDuring(start, end)
		if !start.Before(end) {
			if during {
				t.Fatalf("OpenDuring(%v, %v) = true for an empty interval", start, end)
			}
			return
		}
		step := end.Sub(start) / 16
		for i := 0; i < 16; i++ {
			at := start.Add(time.Duration(i) * step)
			if o.IsOpen(at) && !during {
				t.Fatalf("opts %q: IsOpen(%v) but OpenDuring(%v, %v) = false", opts, at, start, end)
			}
			if step == 0 {
				break
			}
		}
		if !o.IsOpen(start) && during {
			// Open somewhere inside: some instant of the interval must say so.
			found := false
			for at := start; at.Before(end) && !found; at = at.Add(time.Minute) {
				found = o.IsOpen(at)
			}
			if !found && end.Sub(start) <= 48*time.Hour && start.Second() == 0 && end.Second() == 0 {
				t.Fatalf("opts %q: OpenDuring(%v, %v) = true but no minute of it is open", opts, start, end)
			}
		}
	})
}
