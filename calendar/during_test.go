package calendar

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestOpenDuringBucketEdges(t *testing.T) {
	o := mustParse(t, "America/New_York", "_bh_regular1", "Mon-Fri 09:00-17:00")
	ny := o.Location()
	at := func(hm string) time.Time { // Monday 2026-03-09, EDT
		tm, err := time.ParseInLocation("2006-01-02 15:04", "2026-03-09 "+hm, ny)
		require.NoError(t, err)
		return tm
	}
	tests := []struct {
		from, to string
		open     bool
	}{
		{"16:55", "17:00", true},
		{"17:00", "17:05", false},
		{"08:55", "09:00", false},
		{"08:58", "09:03", true},
		{"09:00", "09:05", true},
		{"12:00", "12:05", true},
		{"17:30", "23:59", false},
		{"00:00", "09:00", false},
		{"00:00", "09:01", true},
		{"10:00", "10:00", false}, // empty
		{"10:05", "10:00", false}, // reversed
	}
	for _, tt := range tests {
		require.Equal(t, tt.open, o.OpenDuring(at(tt.from), at(tt.to)), "[%s, %s)", tt.from, tt.to)
	}
}

func TestOpenDuringDST(t *testing.T) {
	tests := []struct {
		zone, rule, from, to string
		open                 bool
	}{
		// 02:00-03:00 never happens on spring-forward day.
		{"America/New_York", "Sun 02:00-03:00", "2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z", false},
		{"America/New_York", "Sun 02:00-03:00", "2026-03-15T00:00:00Z", "2026-03-16T00:00:00Z", true},
		// 02:30-04:00 opens when the clock jumps to 03:00 EDT (07:00Z).
		{"America/New_York", "Sun 02:30-04:00", "2026-03-08T06:50:00Z", "2026-03-08T07:05:00Z", true},
		{"America/New_York", "Sun 02:30-04:00", "2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z", false},
		// 01:30 EST (06:30Z), the repeated hour, opens inside 01:10-01:40 EST.
		{"America/New_York", "Sun 01:30-03:00", "2026-11-01T06:10:00Z", "2026-11-01T06:40:00Z", true},
		{"America/New_York", "Sun 01:30-01:45", "2026-11-01T05:10:00Z", "2026-11-01T05:20:00Z", false},
		{"America/New_York", "Sun 01:30-01:45", "2026-11-01T06:10:00Z", "2026-11-01T06:31:00Z", true},
		// Paris fall back: 02:30 CET is the second 02:30 (01:30Z).
		{"Europe/Paris", "Sun 02:30-02:35", "2026-10-25T01:25:00Z", "2026-10-25T01:30:00Z", false},
		{"Europe/Paris", "Sun 02:30-02:35", "2026-10-25T01:25:00Z", "2026-10-25T01:31:00Z", true},
	}
	for _, tt := range tests {
		o := mustParse(t, tt.zone, "_bh_regular1", tt.rule)
		require.Equal(t, tt.open, o.OpenDuring(utc(tt.from), utc(tt.to)), "%s %s [%s, %s)", tt.zone, tt.rule, tt.from, tt.to)
	}
}

// scanOpen is the reference OpenDuring: IsOpen at every minute of [start, end)
// (exact when start is minute-aligned: every boundary is on a whole minute).
func scanOpen(o *OfficeHours, start, end time.Time) bool {
	for t := start; t.Before(end); t = t.Add(time.Minute) {
		if o.IsOpen(t) {
			return true
		}
	}
	return false
}

func TestOpenDuringMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	days := []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	clock := func() string { return fmt.Sprintf("%02d:%02d", rng.Intn(24), 5*rng.Intn(12)) }
	zones := map[string][]string{ // DST days of 2026
		"America/New_York":    {"2026-03-08T00:00:00Z", "2026-11-01T00:00:00Z"},
		"Europe/Paris":        {"2026-03-28T20:00:00Z", "2026-10-24T20:00:00Z"},
		"Australia/Lord_Howe": {"2026-04-04T10:00:00Z", "2026-10-03T10:00:00Z"},
	}
	for zone, around := range zones {
		for i := 0; i < 60; i++ {
			kv := []string{}
			for j := 0; j < 1+rng.Intn(3); j++ {
				from, to := clock(), clock()
				if from == to {
					continue
				}
				kv = append(kv, fmt.Sprintf("_bh_regular%d", j), fmt.Sprintf("%s %s-%s", days[rng.Intn(7)], from, to))
			}
			base := utc(around[rng.Intn(len(around))])
			if rng.Intn(2) == 0 {
				d := base.Add(time.Duration(rng.Intn(48)) * time.Hour).In(time.UTC).Format("2006-01-02")
				kv = append(kv, "_bh_date1", d)
				if from, to := clock(), clock(); from != to {
					kv = append(kv, "_bh_add1", d+" "+from+"-"+to)
				}
			}
			opts := map[string]string{KeyTimezone: zone}
			for k := 0; k+1 < len(kv); k += 2 {
				opts[kv[k]] = kv[k+1]
			}
			o, err := Parse(opts)
			require.NoError(t, err, "%v", opts)
			for k := 0; k < 400; k++ {
				start := base.Add(time.Duration(rng.Intn(72*60)) * time.Minute)
				end := start.Add(time.Duration(5+rng.Intn(116)) * time.Minute)
				require.Equal(t, scanOpen(o, start, end), o.OpenDuring(start, end), "%s %v [%s, %s)", zone, opts, start, end)
			}
		}
	}
}
