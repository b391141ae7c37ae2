package capacity

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// mustParse parses a capacity section or fails the test.
func mustParse(t *testing.T, opts map[string]string) *Grid {
	t.Helper()
	g, err := Parse(opts)
	require.NoError(t, err)
	return g
}

// utc is a UTC instant of 2026.
func utc(month time.Month, day, hour, min int) time.Time {
	return time.Date(2026, month, day, hour, min, 0, 0, time.UTC)
}

func TestTotalAcrossADay(t *testing.T) {
	// Default day list: _capacity_1 is Monday. Keys out of order on purpose.
	g := mustParse(t, map[string]string{
		KeyTimezone:   "UTC",
		"_capacity_1": `{"1":{"1200":2,"0900":5,"1800":0,"2200":1}}`,
		"_capacity_3": `{"3":{}}`,
	})
	mon := func(h, m int) time.Time { return utc(time.March, 2, h, m) } // 2026-03-02 is a Monday
	tests := []struct {
		name string
		at   time.Time
		want int
	}{
		{"midnight, before first key", mon(0, 0), 0},
		{"just before first key", mon(8, 55), 0},
		{"first key", mon(9, 0), 5},
		{"between keys", mon(11, 55), 5},
		{"second key", mon(12, 0), 2},
		{"explicit zero", mon(18, 0), 0},
		{"after explicit zero", mon(21, 59), 0},
		{"last key", mon(22, 0), 1},
		{"last key until midnight", mon(23, 55), 1},
		{"next day: Tuesday has no grid", utc(time.March, 3, 0, 0), 0},
		{"Tuesday 09:00", utc(time.March, 3, 9, 0), 0},
		{"Wednesday empty grid", utc(time.March, 4, 9, 0), 0},
		{"next Monday", utc(time.March, 9, 9, 30), 5},
		{"seconds count", mon(8, 59).Add(59 * time.Second), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, g.Total(tt.at))
		})
	}
}

func TestTotalDayOrder(t *testing.T) {
	// _capacity lists Sunday first: _capacity_1 is Sunday, _capacity_2 Friday;
	// the other days are not listed (0).
	g := mustParse(t, map[string]string{
		KeyTimezone:   "UTC",
		KeyDays:       "[sun, FRIDAY]",
		"_capacity_1": `{"1":{"0000":7}}`,
		"_capacity_2": `{"2":{"1000":3}}`,
	})
	require.Equal(t, 7, g.Total(utc(time.March, 1, 0, 0)))  // Sunday
	require.Equal(t, 3, g.Total(utc(time.March, 6, 10, 0))) // Friday
	require.Equal(t, 0, g.Total(utc(time.March, 2, 10, 0))) // Monday: not listed
	require.Equal(t, 0, g.Total(utc(time.March, 7, 10, 0))) // Saturday: not listed
}

func TestTotalExceptions(t *testing.T) {
	g := mustParse(t, map[string]string{
		KeyTimezone:   "Europe/Paris",
		KeyDays:       "[Mon, Tue, Wed, Thu, Fri]",
		"_capacity_1": `{"1":{"0900":5,"1700":0}}`, "_capacity_2": `{"2":{"0900":5,"1700":0}}`,
		"_capacity_3": `{"3":{"0900":5,"1700":0}}`, "_capacity_4": `{"4":{"0900":5,"1700":0}}`,
		"_capacity_5": `{"5":{"0900":5,"1700":0}}`,
		KeyExceptions: `{"2026-12-24":{"0900":2,"1200":0}, "12-25":{}, "2027-12-25":{"1000":1}, "1-1":{}, "2026-03-07":{"1000":9}, "2026-12-31":{"0000":4}}`,
	})
	loc := g.Location()
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, loc) }
	tests := []struct {
		name string
		at   time.Time
		want int
	}{
		{"ordinary Wednesday", at(2026, time.December, 23, 9, 0), 5},
		{"dated exception replaces Thursday", at(2026, time.December, 24, 9, 0), 2},
		{"dated exception: its own zero", at(2026, time.December, 24, 12, 0), 0},
		{"dated exception: weekly keys gone", at(2026, time.December, 24, 16, 0), 0},
		{"dated exception: before first key", at(2026, time.December, 24, 8, 0), 0},
		{"dated exception only that year", at(2027, time.December, 24, 9, 0), 5}, // Friday
		{"yearly exception closes Friday", at(2026, time.December, 25, 10, 0), 0},
		{"yearly exception next year loses to dated", at(2027, time.December, 25, 10, 0), 1}, // Saturday
		{"yearly exception another year", at(2028, time.December, 25, 10, 0), 0},             // Monday
		{"yearly 1-1", at(2027, time.January, 1, 10, 0), 0},                                  // Friday
		{"exception opens a Saturday", at(2026, time.March, 7, 10, 0), 9},
		{"other Saturday", at(2026, time.March, 14, 10, 0), 0},
		// The exception's date is the LOCAL date: 2026-12-30 23:30 UTC is 12-31 00:30 in Paris.
		{"local date, not UTC date", time.Date(2026, time.December, 30, 23, 30, 0, 0, time.UTC), 4},
		{"UTC date of an exception, next local date", time.Date(2026, time.December, 31, 23, 30, 0, 0, time.UTC), 0},
		{"UTC instant in a dated exception", time.Date(2026, time.December, 24, 8, 30, 0, 0, time.UTC), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, g.Total(tt.at))
		})
	}
}

func TestTotalLeapDay(t *testing.T) {
	g := mustParse(t, map[string]string{KeyTimezone: "UTC", "_capacity_7": `{"7":{"0000":4}}`, KeyExceptions: `{"02-29":{"0000":1}}`})
	require.Equal(t, 1, g.Total(time.Date(2032, time.February, 29, 12, 0, 0, 0, time.UTC))) // Sunday, leap year
	require.Equal(t, 4, g.Total(time.Date(2032, time.March, 7, 12, 0, 0, 0, time.UTC)))     // Sunday
}

// dstGrid gives every Sunday (all four 2026 changes are on Sundays) and
// Saturday the same grid, with a key inside the spring-forward gap and one
// inside the repeated fall-back hour.
func dstGrid(t *testing.T, zone string) *Grid {
	return mustParse(t, map[string]string{
		KeyTimezone:   zone,
		KeyDays:       "[Sat, Sun]",
		"_capacity_1": `{"1":{"0100":1,"0230":7,"0400":3,"0900":5,"1200":2}}`,
		"_capacity_2": `{"2":{"0100":1,"0230":7,"0400":3,"0900":5,"1200":2}}`,
	})
}

func TestTotalDST(t *testing.T) {
	tests := []struct {
		zone, name string
		at         time.Time // UTC bucket start
		want       int
	}{
		// America/New_York, spring forward Sun 2026-03-08 02:00 EST -> 03:00 EDT.
		{"America/New_York", "week before 09:00 EST", utc(time.March, 1, 14, 0), 5},
		{"America/New_York", "week before 08:00 EST", utc(time.March, 1, 13, 0), 3},
		{"America/New_York", "change day 09:00 EDT", utc(time.March, 8, 13, 0), 5},
		{"America/New_York", "change day 08:00 EDT (14:00 UTC a week before)", utc(time.March, 8, 12, 0), 3},
		{"America/New_York", "change day 11:55 EDT", utc(time.March, 8, 15, 55), 5},
		{"America/New_York", "change day 12:00 EDT", utc(time.March, 8, 16, 0), 2},
		{"America/New_York", "01:59 EST before the gap", utc(time.March, 8, 6, 59), 1},
		{"America/New_York", "03:00 EDT after the gap: 0230 in effect", utc(time.March, 8, 7, 0), 7},
		{"America/New_York", "04:00 EDT", utc(time.March, 8, 8, 0), 3},
		{"America/New_York", "Sat 23:55 EST: Saturday's last key", utc(time.March, 8, 4, 55), 2},
		{"America/New_York", "Sun 00:00 EST: nothing carries past midnight", utc(time.March, 8, 5, 0), 0},
		{"America/New_York", "week after 09:00 EDT", utc(time.March, 15, 13, 0), 5},
		// America/New_York, fall back Sun 2026-11-01 02:00 EDT -> 01:00 EST.
		{"America/New_York", "week before 09:00 EDT", utc(time.October, 25, 13, 0), 5},
		{"America/New_York", "change day 09:00 EST", utc(time.November, 1, 14, 0), 5},
		{"America/New_York", "change day 08:00 EST (09:00 EDT instant)", utc(time.November, 1, 13, 0), 3},
		{"America/New_York", "00:55 EDT", utc(time.November, 1, 4, 55), 0},
		{"America/New_York", "first 01:00 (EDT)", utc(time.November, 1, 5, 0), 1},
		{"America/New_York", "first 01:30 (EDT)", utc(time.November, 1, 5, 30), 1},
		{"America/New_York", "second 01:00 (EST)", utc(time.November, 1, 6, 0), 1},
		{"America/New_York", "second 01:55 (EST)", utc(time.November, 1, 6, 55), 1},
		{"America/New_York", "02:00 EST", utc(time.November, 1, 7, 0), 1},
		{"America/New_York", "02:30 EST", utc(time.November, 1, 7, 30), 7},
		{"America/New_York", "12:00 EST", utc(time.November, 1, 17, 0), 2},
		// Europe/Paris, spring forward Sun 2026-03-29 02:00 CET -> 03:00 CEST.
		{"Europe/Paris", "week before 09:00 CET", utc(time.March, 22, 8, 0), 5},
		{"Europe/Paris", "week before 08:00 CET", utc(time.March, 22, 7, 0), 3},
		{"Europe/Paris", "change day 09:00 CEST", utc(time.March, 29, 7, 0), 5},
		{"Europe/Paris", "change day 08:00 CEST", utc(time.March, 29, 6, 0), 3},
		{"Europe/Paris", "01:59 CET before the gap", utc(time.March, 29, 0, 59), 1},
		{"Europe/Paris", "03:00 CEST after the gap", utc(time.March, 29, 1, 0), 7},
		{"Europe/Paris", "12:00 CEST", utc(time.March, 29, 10, 0), 2},
		{"Europe/Paris", "Sat 23:30 CET", utc(time.March, 28, 22, 30), 2},
		{"Europe/Paris", "Sun 00:30 CET", utc(time.March, 28, 23, 30), 0},
		// Europe/Paris, fall back Sun 2026-10-25 03:00 CEST -> 02:00 CET.
		{"Europe/Paris", "week before 09:00 CEST", utc(time.October, 18, 7, 0), 5},
		{"Europe/Paris", "change day 09:00 CET", utc(time.October, 25, 8, 0), 5},
		{"Europe/Paris", "change day 08:00 CET (09:00 CEST instant)", utc(time.October, 25, 7, 0), 3},
		{"Europe/Paris", "first 02:30 (CEST)", utc(time.October, 25, 0, 30), 7},
		{"Europe/Paris", "second 02:30 (CET)", utc(time.October, 25, 1, 30), 7},
		{"Europe/Paris", "second 02:00 (CET)", utc(time.October, 25, 1, 0), 1},
		{"Europe/Paris", "first 02:00 (CEST)", utc(time.October, 25, 0, 0), 1},
		{"Europe/Paris", "03:00 CET", utc(time.October, 25, 2, 0), 7},
		{"Europe/Paris", "04:00 CET", utc(time.October, 25, 3, 0), 3},
	}
	grids := map[string]*Grid{}
	for _, tt := range tests {
		t.Run(tt.zone+"/"+tt.name, func(t *testing.T) {
			g, ok := grids[tt.zone]
			if !ok {
				g = dstGrid(t, tt.zone)
				grids[tt.zone] = g
			}
			require.Equal(t, tt.want, g.Total(tt.at))
		})
	}
}

// TestTotalDSTSweep checks every 5-minute UTC bucket of the four 2026 change
// days (and their neighbours) against the grid read at the local wall clock.
func TestTotalDSTSweep(t *testing.T) {
	want := func(local time.Time) int {
		if wd := local.Weekday(); wd != time.Saturday && wd != time.Sunday {
			return 0
		}
		switch hm := local.Hour()*100 + local.Minute(); {
		case hm >= 1200:
			return 2
		case hm >= 900:
			return 5
		case hm >= 400:
			return 3
		case hm >= 230:
			return 7
		case hm >= 100:
			return 1
		default:
			return 0
		}
	}
	for zone, days := range map[string][]time.Time{
		"America/New_York": {utc(time.March, 8, 0, 0), utc(time.November, 1, 0, 0)},
		"Europe/Paris":     {utc(time.March, 29, 0, 0), utc(time.October, 25, 0, 0)},
	} {
		g := dstGrid(t, zone)
		for _, day := range days {
			for at := day.Add(-24 * time.Hour); at.Before(day.Add(48 * time.Hour)); at = at.Add(5 * time.Minute) {
				require.Equal(t, want(at.In(g.Location())), g.Total(at), "%s %s (%s)", zone, at, at.In(g.Location()))
			}
		}
		// 09:00 local gets 5 on both sides of each change, an hour apart in UTC.
		for _, day := range days {
			before := time.Date(day.Year(), day.Month(), day.Day()-7, 9, 0, 0, 0, g.Location())
			after := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, g.Location())
			require.Equal(t, 5, g.Total(before.UTC()))
			require.Equal(t, 5, g.Total(after.UTC()))
			_, offBefore := before.Zone()
			_, offAfter := after.Zone()
			require.NotEqual(t, offBefore, offAfter, "a real offset change")
			require.NotEqual(t, before.UTC().Hour(), after.UTC().Hour(), "09:00 local is another UTC hour")
		}
	}
}
