package calendar

import (
	"testing"
	"time"
)

// benchHours are office hours as a contact centre configures them: weekly
// hours, a Saturday morning, a yearly holiday and an extra opening.
func benchHours(b *testing.B) *OfficeHours {
	b.Helper()
	o, err := Parse(map[string]string{
		"_type": "builtin", "_service": "office-hours", KeyTimezone: "America/New_York",
		"_bh_regular1": "Mon-Fri 08:00-20:00",
		"_bh_regular2": "Sat 09:00-13:00",
		"_bh_date1":    "12-25",
		"_bh_date2":    "2026-07-03",
		"_bh_add1":     "2026-12-24 09:00-12:00",
	})
	if err != nil {
		b.Fatal(err)
	}
	return o
}

// BenchmarkIsOpen checks the 8 640 five-minute buckets of 30 days, as an
// availability query over 30 days does.
func BenchmarkIsOpen(b *testing.B) {
	o := benchHours(b)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) // across the DST change of March 8
	b.ReportAllocs()
	for b.Loop() {
		for t := start; t.Before(start.Add(30 * 24 * time.Hour)); t = t.Add(5 * time.Minute) {
			o.IsOpen(t)
		}
	}
}

// BenchmarkOpenDuring checks the 720 one-hour buckets of 30 days.
func BenchmarkOpenDuring(b *testing.B) {
	o := benchHours(b)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		for t := start; t.Before(start.Add(30 * 24 * time.Hour)); t = t.Add(time.Hour) {
			o.OpenDuring(t, t.Add(time.Hour))
		}
	}
}
