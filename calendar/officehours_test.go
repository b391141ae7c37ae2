package calendar

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// mustParse builds office hours in zone tz from key/value pairs or fails the test.
func mustParse(t *testing.T, tz string, kv ...string) *OfficeHours {
	t.Helper()
	opts := map[string]string{"_type": "builtin", "_service": "office-hours", KeyTimezone: tz}
	for i := 0; i+1 < len(kv); i += 2 {
		opts[kv[i]] = kv[i+1]
	}
	o, err := Parse(opts)
	require.NoError(t, err)
	return o
}

// utc parses an RFC 3339 instant or panics.
func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// openCase is one IsOpen expectation.
type openCase struct {
	at   string
	open bool
	why  string
}

// checkOpen runs IsOpen cases against o.
func checkOpen(t *testing.T, o *OfficeHours, cases []openCase) {
	t.Helper()
	for _, c := range cases {
		require.Equal(t, c.open, o.IsOpen(utc(c.at)), "%s (%s in %s: %s)", c.at, c.why, o.Location(), utc(c.at).In(o.Location()))
	}
}

func TestWeekdaysAcrossNewYorkDST(t *testing.T) {
	for _, rule := range []string{"Mon-Fri 09:00-17:00", "09:00-17:00 Mon-Fri", "mon-FRI 9:00 - 17:00", "Monday-Friday 09:00-17:00"} {
		t.Run(rule, func(t *testing.T) {
			o := mustParse(t, "America/New_York", "_bh_regular1", rule)
			checkOpen(t, o, []openCase{
				{"2026-03-06T13:30:00Z", false, "Fri 08:30 EST"},
				{"2026-03-06T13:59:59Z", false, "Fri 08:59:59 EST"},
				{"2026-03-06T14:00:00Z", true, "Fri 09:00 EST"},
				{"2026-03-06T21:59:59Z", true, "Fri 16:59:59 EST"},
				{"2026-03-06T22:00:00Z", false, "Fri 17:00 EST"},
				{"2026-03-07T15:00:00Z", false, "Sat"},
				{"2026-03-08T15:00:00Z", false, "Sun, spring forward"},
				{"2026-03-09T12:59:00Z", false, "Mon 08:59 EDT"},
				{"2026-03-09T13:00:00Z", true, "Mon 09:00 EDT"},
				{"2026-03-09T13:30:00Z", true, "Mon 09:30 EDT"},
				{"2026-03-09T20:59:00Z", true, "Mon 16:59 EDT"},
				{"2026-03-09T21:00:00Z", false, "Mon 17:00 EDT"},
				{"2026-10-30T12:59:00Z", false, "Fri 08:59 EDT"},
				{"2026-10-30T13:00:00Z", true, "Fri 09:00 EDT"},
				{"2026-11-01T14:00:00Z", false, "Sun, fall back"},
				{"2026-11-02T13:30:00Z", false, "Mon 08:30 EST"},
				{"2026-11-02T14:00:00Z", true, "Mon 09:00 EST"},
				{"2026-11-02T21:59:00Z", true, "Mon 16:59 EST"},
				{"2026-11-02T22:00:00Z", false, "Mon 17:00 EST"},
			})
		})
	}
}

func TestParisDSTSundays(t *testing.T) {
	o := mustParse(t, "Europe/Paris", "_bh_regular1", "Sun 01:00-04:00")
	checkOpen(t, o, []openCase{
		// Spring forward 2026-03-29 02:00 CET -> 03:00 CEST: two real hours.
		{"2026-03-28T23:59:00Z", false, "00:59 CET"},
		{"2026-03-29T00:00:00Z", true, "01:00 CET"},
		{"2026-03-29T00:59:59Z", true, "01:59:59 CET"},
		{"2026-03-29T01:00:00Z", true, "03:00 CEST"},
		{"2026-03-29T01:59:00Z", true, "03:59 CEST"},
		{"2026-03-29T02:00:00Z", false, "04:00 CEST"},
		// Fall back 2026-10-25 03:00 CEST -> 02:00 CET: four real hours.
		{"2026-10-24T22:59:00Z", false, "00:59 CEST"},
		{"2026-10-24T23:00:00Z", true, "01:00 CEST"},
		{"2026-10-25T00:30:00Z", true, "02:30 CEST"},
		{"2026-10-25T01:30:00Z", true, "02:30 CET, repeated"},
		{"2026-10-25T02:59:00Z", true, "03:59 CET"},
		{"2026-10-25T03:00:00Z", false, "04:00 CET"},
		// An ordinary Sunday.
		{"2026-10-18T01:30:00Z", true, "ordinary Sunday 03:30 CEST"},
		{"2026-10-18T02:00:00Z", false, "ordinary Sunday 04:00 CEST"},
	})
}

func TestNewYorkDSTEdges(t *testing.T) {
	gap := mustParse(t, "America/New_York", "_bh_regular1", "Sun 02:00-03:00")
	checkOpen(t, gap, []openCase{
		{"2026-03-08T06:59:00Z", false, "01:59 EST"},
		{"2026-03-08T07:00:00Z", false, "03:00 EDT: 02:00-03:00 never happens"},
		{"2026-03-15T06:00:00Z", true, "an ordinary Sunday 02:00 EDT"},
	})
	repeated := mustParse(t, "America/New_York", "_bh_regular1", "Sun 01:00-02:00")
	checkOpen(t, repeated, []openCase{
		{"2026-11-01T04:59:00Z", false, "00:59 EDT"},
		{"2026-11-01T05:00:00Z", true, "01:00 EDT"},
		{"2026-11-01T05:59:00Z", true, "01:59 EDT"},
		{"2026-11-01T06:00:00Z", true, "01:00 EST, repeated"},
		{"2026-11-01T06:59:00Z", true, "01:59 EST"},
		{"2026-11-01T07:00:00Z", false, "02:00 EST"},
	})
}

func TestWrappingDayRange(t *testing.T) {
	o := mustParse(t, "UTC", "_bh_regular1", "Sat-Mon 10:00-12:00", "_bh_regular2", "Wed,Thu 14:00-15:00")
	checkOpen(t, o, []openCase{
		{"2026-03-06T11:00:00Z", false, "Fri"},
		{"2026-03-07T11:00:00Z", true, "Sat"},
		{"2026-03-08T11:00:00Z", true, "Sun"},
		{"2026-03-09T11:00:00Z", true, "Mon"},
		{"2026-03-10T11:00:00Z", false, "Tue"},
		{"2026-03-11T11:00:00Z", false, "Wed morning"},
		{"2026-03-11T14:30:00Z", true, "Wed"},
		{"2026-03-12T14:30:00Z", true, "Thu"},
		{"2026-03-13T14:30:00Z", false, "Fri"},
	})
}

func TestOvernightRange(t *testing.T) {
	o := mustParse(t, "America/New_York",
		"_bh_regular1", "Fri 19:00-07:00",
		"_bh_regular2", "Sat 19:00-07:00",
		"_bh_date1", "2026-03-14", // a Saturday: Friday's night still runs into it
		"_bh_date2", "2026-03-20", // a Friday: its night is cancelled, into Saturday too
	)
	checkOpen(t, o, []openCase{
		{"2026-03-06T23:59:00Z", false, "Fri 18:59 EST"},
		{"2026-03-07T00:00:00Z", true, "Fri 19:00 EST"},
		{"2026-03-07T05:00:00Z", true, "Sat 00:00 EST"},
		{"2026-03-07T11:59:00Z", true, "Sat 06:59 EST"},
		{"2026-03-07T12:00:00Z", false, "Sat 07:00 EST"},
		{"2026-03-08T00:00:00Z", true, "Sat 19:00 EST"},
		{"2026-03-08T10:59:00Z", true, "Sun 06:59 EDT, after spring forward"},
		{"2026-03-08T11:00:00Z", false, "Sun 07:00 EDT"},
		{"2026-03-14T10:59:00Z", true, "closed Sat 06:59 EDT: Friday's night"},
		{"2026-03-14T23:00:00Z", false, "closed Sat 19:00 EDT"},
		{"2026-03-15T05:00:00Z", false, "Sun 01:00 EDT: closed Saturday's night"},
		{"2026-03-20T23:00:00Z", false, "closed Fri 19:00 EDT"},
		{"2026-03-21T09:00:00Z", false, "Sat 05:00 EDT: closed Friday's night"},
		{"2026-03-21T23:00:00Z", true, "Sat 19:00 EDT"},
	})
}

func TestWholeDay(t *testing.T) {
	o := mustParse(t, "Europe/Paris", "_bh_regular1", "Sat 00:00-24:00", "_bh_regular2", "Sun 22:00-24:00")
	checkOpen(t, o, []openCase{
		{"2026-03-06T22:59:59Z", false, "Fri 23:59:59 CET"},
		{"2026-03-06T23:00:00Z", true, "Sat 00:00 CET"},
		{"2026-03-07T22:59:59Z", true, "Sat 23:59:59 CET"},
		{"2026-03-07T23:00:00Z", false, "Sun 00:00 CET"},
		{"2026-03-08T21:00:00Z", true, "Sun 22:00 CET"},
		{"2026-03-08T22:59:59Z", true, "Sun 23:59:59 CET"},
		{"2026-03-08T23:00:00Z", false, "Mon 00:00 CET"},
	})
}

func TestClosuresAndAdditions(t *testing.T) {
	o := mustParse(t, "America/New_York",
		"_bh_regular1", "Mon-Fri 09:00-17:00",
		"_bh_date1", "12-25",
		"_bh_date2", "2026-12-24",
		"_bh_add1", "2026-12-24 10:00-12:00",
		"_bh_add2", "07-04 10:00-14:00",
		"_bh_add10", "2026-12-31 20:00-02:00",
	)
	checkOpen(t, o, []openCase{
		{"2026-12-25T15:00:00Z", false, "Fri 10:00 EST, yearly closure"},
		{"2028-12-25T15:00:00Z", false, "Mon 10:00 EST, yearly closure"},
		{"2028-12-26T15:00:00Z", true, "Tue 10:00 EST"},
		{"2026-12-24T14:30:00Z", false, "Thu 09:30 EST, dated closure"},
		{"2026-12-24T15:30:00Z", true, "Thu 10:30 EST, addition beats closure"},
		{"2026-12-24T17:00:00Z", false, "Thu 12:00 EST"},
		{"2026-12-24T21:00:00Z", false, "Thu 16:00 EST, closed"},
		{"2027-12-24T14:30:00Z", true, "Fri 09:30 EST, closure was 2026 only"},
		{"2026-07-04T14:00:00Z", true, "Sat 10:00 EDT, yearly addition"},
		{"2027-07-04T17:59:00Z", true, "Sun 13:59 EDT, yearly addition"},
		{"2027-07-04T18:00:00Z", false, "Sun 14:00 EDT"},
		{"2026-07-05T14:00:00Z", false, "Sun 10:00 EDT the day after"},
		{"2027-01-01T04:00:00Z", true, "2026-12-31 23:00 EST addition passing midnight"},
		{"2027-01-01T06:59:00Z", true, "2027-01-01 01:59 EST, same addition"},
		{"2027-01-01T07:00:00Z", false, "2027-01-01 02:00 EST"},
	})
}

func TestNilIsAlwaysOpen(t *testing.T) {
	var o *OfficeHours
	require.True(t, o.IsOpen(time.Now()))
	require.True(t, o.OpenDuring(time.Now(), time.Now()))
	require.Equal(t, time.UTC, o.Location())
}

func TestLocation(t *testing.T) {
	o := mustParse(t, "America/New_York")
	require.Equal(t, "America/New_York", o.Location().String())
	require.False(t, o.IsOpen(utc("2026-03-09T15:00:00Z")), "no hours: always closed")
}
