package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func fixed(n int) func(time.Time) int { return func(time.Time) int { return n } }

func TestBucketStartIsEpochAligned(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		size time.Duration
		want time.Time
	}{
		{t0.Add(4*time.Minute + 59*time.Second), 5 * time.Minute, t0},
		{t0.Add(5 * time.Minute), 5 * time.Minute, t0.Add(5 * time.Minute)},
		{t0.Add(-time.Nanosecond), 5 * time.Minute, t0.Add(-5 * time.Minute)},
		{t0.Add(89 * time.Minute), 120 * time.Minute, t0},
		{time.Date(2026, 3, 2, 13, 7, 0, 0, time.FixedZone("X", 3600)), 15 * time.Minute, t0},
	} {
		require.Equal(t, tc.want, BucketStart(tc.at, tc.size), "%v / %v", tc.at, tc.size)
	}
}

func TestSlotsSkipClosedFullAndPast(t *testing.T) {
	p := Plan{Size: 5 * time.Minute, Total: fixed(2),
		Open:   func(t time.Time) bool { return t.Minute() != 10 },
		Booked: map[time.Time]int{t0.Add(5 * time.Minute): 2, t0.Add(15 * time.Minute): 1}}
	now := t0.Add(2 * time.Minute)
	got := p.Slots(t0.Add(-10*time.Minute), t0.Add(20*time.Minute), now, false, 0)
	require.Equal(t, []Slot{{t0, 2, 2}, {t0.Add(15 * time.Minute), 1, 2}}, got, "past, full and closed left out; current bucket kept")
	busy := p.Slots(t0, t0.Add(20*time.Minute), now, true, 2)
	require.Equal(t, []Slot{{t0, 2, 2}, {t0.Add(5 * time.Minute), 0, 2}, {t0.Add(15 * time.Minute), 1, 2}}, busy,
		"report-busy keeps full ones; the limit counts the open ones only")
	one := p.Slots(t0, t0.Add(20*time.Minute), now, true, 1)
	require.Equal(t, []Slot{{t0, 2, 2}}, one)
}

func TestProposeNearestEarlierFirst(t *testing.T) {
	p := Plan{Size: 10 * time.Minute, Total: fixed(1), Booked: map[time.Time]int{
		t0: 1, t0.Add(-10 * time.Minute): 1, t0.Add(20 * time.Minute): 1}}
	got := p.Propose(t0.Add(3*time.Minute), t0.Add(-time.Hour), 7*24*time.Hour, 3)
	require.Equal(t, []time.Time{t0.Add(-30 * time.Minute), t0.Add(-20 * time.Minute), t0.Add(10 * time.Minute)}, starts(got), "tie at distance 3: the earlier")
}

func TestProposeNeverPastNorBeyondWindow(t *testing.T) {
	p := Plan{Size: time.Hour, Total: fixed(1), Booked: map[time.Time]int{}}
	got := p.Propose(t0, t0, 3*time.Hour, 6)
	require.Equal(t, []time.Time{t0.Add(time.Hour), t0.Add(2 * time.Hour), t0.Add(3 * time.Hour)}, starts(got))
	none := Plan{Size: time.Hour, Total: fixed(0)}
	require.Empty(t, none.Propose(t0, t0, 24*time.Hour, 6))
}

func starts(s []Slot) []time.Time {
	var out []time.Time
	for _, x := range s {
		out = append(out, x.Start)
	}
	return out
}

func BenchmarkSlots30Days(b *testing.B) {
	p := Plan{Size: 5 * time.Minute, Total: fixed(100), Open: func(t time.Time) bool { return t.Hour() >= 8 && t.Hour() < 20 },
		Booked: map[time.Time]int{}}
	for i := 0; i < b.N; i++ {
		p.Slots(t0, t0.Add(30*24*time.Hour), t0, false, 0)
	}
}
