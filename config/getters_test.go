package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{DefaultReturnedKeys, []string{"_desired_time", "_callback_state", "_callback_reason", "_ors_session_id"}},
		{" a , b,,a ,c, ", []string{"a", "b", "c"}},
		{"", nil},
		{" , ,", nil},
	} {
		require.Equal(t, tc.want, SplitList(tc.in), tc.in)
		require.Equal(t, tc.want, Effective{"k": tc.in}.List("k"), tc.in)
	}
	c := mustParse(t, "[callback]\nreturned-keys = _a,_b,_a\nfilter-keys =\n")
	require.Equal(t, []string{"_a", "_b"}, c.ReturnedKeys)
	require.Nil(t, c.FilterKeys, "configured empty: no filter keys")
}

func TestGetters(t *testing.T) {
	e := Effective{"i": " 42 ", "bad": "x", "t": "TRUE", "f": "false", "e": ""}
	for _, tc := range []struct {
		name string
		i    int
		b    bool
		has  bool
	}{
		{"i", 42, false, true},
		{"bad", 0, false, true},
		{"t", 0, true, true},
		{"f", 0, false, true},
		{"e", 0, false, false},
		{"absent", 0, false, false},
	} {
		require.Equal(t, tc.i, e.Int(tc.name), tc.name)
		require.Equal(t, tc.b, e.Bool(tc.name), tc.name)
		require.Equal(t, tc.has, e.Has(tc.name), tc.name)
	}
	require.Equal(t, 42*time.Second, e.Seconds("i"))
	require.Equal(t, " 42 ", e.String("i"))

	for _, tc := range []struct {
		v    string
		want int
	}{{"true", 2}, {"TRUE", 2}, {"strict", 1}, {"Strict", 1}, {"false", 0}, {"", 2}} {
		require.Equal(t, tc.want, Effective{OptEnableInQueueChecking: tc.v}.InQueueLimit(), tc.v)
	}
	for _, tc := range []struct {
		v    string
		want int
	}{{"", 6}, {"-1", 6}, {"0", 0}, {"9", 9}} {
		require.Equal(t, tc.want, Effective{OptThrottleRequestParametersLimit: tc.v}.ThrottleParameterLimit(), tc.v)
	}
	require.Empty(t, Effective{"_throttle_callbacks_per_service_1": "5"}.IntervalThrottles(), "no ttl, no rule")
}

func TestSpan(t *testing.T) {
	now := time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in     string
		want   Span
		after  time.Time
		before time.Time
	}{
		{"300", Span{Seconds: 300}, now.Add(5 * time.Minute), now.Add(-5 * time.Minute)},
		{"30s", Span{Seconds: 30}, now.Add(30 * time.Second), now.Add(-30 * time.Second)},
		{"10m", Span{Seconds: 600}, now.Add(10 * time.Minute), now.Add(-10 * time.Minute)},
		{"2h", Span{Seconds: 7200}, now.Add(2 * time.Hour), now.Add(-2 * time.Hour)},
		{"365d", Span{Seconds: 365 * 86400}, now.AddDate(0, 0, 365), now.AddDate(0, 0, -365)},
		{"1M", Span{Months: 1}, now.AddDate(0, 1, 0), now.AddDate(0, -1, 0)},
	} {
		s, err := ParseSpan(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, s, tc.in)
		require.Equal(t, tc.after, s.After(now), tc.in)
		require.Equal(t, tc.before, s.Before(now), tc.in)
	}
	for _, bad := range []string{"", "-1", "1y", "m", "1.5h", "99999999999"} {
		_, err := ParseSpan(bad)
		require.Error(t, err, bad)
	}
	require.Equal(t, Span{Seconds: 300}, Effective{OptRejectPastDesiredTime: "junk"}.Span(OptRejectPastDesiredTime))
}
