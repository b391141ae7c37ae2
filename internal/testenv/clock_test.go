package testenv

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestClockStart(t *testing.T) {
	real := time.Date(2026, 12, 31, 23, 50, 30, 0, time.FixedZone("Kiritimati", 14*3600)) // 09:50:30 UTC
	for _, tc := range []struct{ spec, want string }{
		{"", "2026-12-31T09:50:30Z"},
		{"12:00", "2026-12-31T12:00:00Z"},
		{"09:51", "2027-01-01T09:51:00Z"}, // 30 s ahead is less than a minute: tomorrow
		{"09:52", "2026-12-31T09:52:00Z"},
		{"00:30", "2027-01-01T00:30:00Z"},
		{" 23:59 ", "2026-12-31T23:59:00Z"},
		{"2027-02-28T23:50:00Z", "2027-02-28T23:50:00Z"},
		{"2027-01-01T01:00:00+02:00", "2026-12-31T23:00:00Z"},
	} {
		got, err := ClockStart(tc.spec, real)
		require.NoError(t, err, tc.spec)
		require.Equal(t, tc.want, got.Format(time.RFC3339), tc.spec)
		require.Equal(t, time.UTC, got.Location())
		require.False(t, got.Before(real), "%s starts in the past", tc.spec)
	}
	for _, spec := range []string{"2026-12-31T09:50:00Z", "2026-12-31T09:50:30Z", "25:00", "noon", "2026-12-31"} {
		_, err := ClockStart(spec, real)
		require.Error(t, err, spec)
	}
}

func TestClockMovesOnlyWhenTold(t *testing.T) {
	c := &Clock{t: time.Date(2026, 12, 31, 23, 50, 0, 0, time.UTC)}
	require.Equal(t, c.Now(), c.Now())
	c.Add(time.Minute)
	require.Equal(t, time.Date(2026, 12, 31, 23, 51, 0, 0, time.UTC), c.Now())
	require.Equal(t, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), c.NextUTCDay())
	require.Equal(t, time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC), c.NextUTCDay(), "at midnight: the next one")
}
