package calendar

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseErrors(t *testing.T) {
	ny := map[string]string{KeyTimezone: "America/New_York"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range ny {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		opts map[string]string
		key  string
	}{
		{"missing timezone", map[string]string{"_bh_regular1": "Mon 09:00-17:00"}, KeyTimezone},
		{"empty timezone", map[string]string{KeyTimezone: "  "}, KeyTimezone},
		{"unknown timezone", map[string]string{KeyTimezone: "Mars/Olympus_Mons"}, KeyTimezone},
		{"local timezone", map[string]string{KeyTimezone: "Local"}, KeyTimezone},
		{"unknown day", with("_bh_regular1", "Mon-Fry 09:00-17:00"), "_bh_regular1"},
		{"unknown day in list", with("_bh_regular2", "Mon,Xyz 09:00-17:00"), "_bh_regular2"},
		{"empty day in list", with("_bh_regular2", "Mon,,Tue 09:00-17:00"), "_bh_regular2"},
		{"missing days", with("_bh_regular1", "09:00-17:00"), "_bh_regular1"},
		{"missing hours", with("_bh_regular1", "Mon-Fri"), "_bh_regular1"},
		{"hour 25", with("_bh_regular1", "Mon 25:00-26:00"), "_bh_regular1"},
		{"end 25:00", with("_bh_regular1", "Mon 09:00-25:00"), "_bh_regular1"},
		{"minute 60", with("_bh_regular1", "Mon 09:60-17:00"), "_bh_regular1"},
		{"one-digit minute", with("_bh_regular1", "Mon 09:0-17:00"), "_bh_regular1"},
		{"start 24:00", with("_bh_regular1", "24:00-05:00 Mon"), "_bh_regular1"},
		{"24:30", with("_bh_regular1", "Mon 09:00-24:30"), "_bh_regular1"},
		{"empty range", with("_bh_regular1", "Mon 09:00-09:00"), "_bh_regular1"},
		{"00:00-00:00", with("_bh_regular1", "Mon 00:00-00:00"), "_bh_regular1"},
		{"hours in the middle", with("_bh_regular1", "Mon 09:00-17:00 Tue"), "_bh_regular1"},
		{"garbage", with("_bh_regular1", "whenever"), "_bh_regular1"},
		{"bad add date", with("_bh_add1", "2026-02-30 09:00-10:00"), "_bh_add1"},
		{"add without hours", with("_bh_add1", "2026-12-24"), "_bh_add1"},
		{"add without date", with("_bh_add1", "09:00-10:00"), "_bh_add1"},
		{"add with days", with("_bh_add1", "Mon 09:00-10:00"), "_bh_add1"},
		{"bad yearly date", with("_bh_date3", "13-01"), "_bh_date3"},
		{"year zero", with("_bh_date3", "0000-01-01"), "_bh_date3"},
		{"date garbage", with("_bh_date3", "tomorrow"), "_bh_date3"},
		{"date with hours", with("_bh_date3", "2026-12-24 09:00-10:00"), "_bh_date3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Parse(tt.opts)
			require.Nil(t, o)
			require.Error(t, err)
			var pe *ParseError
			require.True(t, errors.As(err, &pe))
			require.Equal(t, tt.key, pe.Key)
			require.Equal(t, strings.TrimSpace(tt.opts[tt.key]), strings.TrimSpace(pe.Value))
			require.NotEmpty(t, pe.Reason)
			require.Contains(t, err.Error(), tt.key)
		})
	}
}

func TestParseErrorText(t *testing.T) {
	_, err := Parse(map[string]string{KeyTimezone: "UTC", "_bh_regular1": "Mon-Fry 09:00-17:00"})
	require.EqualError(t, err, `_bh_regular1=Mon-Fry 09:00-17:00: unknown day "Fry"`)
	_, err = Parse(map[string]string{})
	require.EqualError(t, err, `_timezone: missing time zone`)
}

func TestParseAccepts(t *testing.T) {
	for _, v := range []string{
		"Mon-Fri 09:00-17:00", "09:00-17:00 Mon-Fri", "Sat 09:00-13:00", "Mon,Wed,Fri 10:00-12:00",
		"Mon, Wed, Fri 10:00-12:00", "sat-mon 9:00-13:00", "Monday,Tuesday 00:00-24:00",
		"Thurs 19:00-07:00", "Sun 22:00-24:00", "Tue-Tue 08:00-09:00",
	} {
		_, err := Parse(map[string]string{KeyTimezone: "Europe/Paris", "_bh_regular": v})
		require.NoError(t, err, v)
	}
	for _, v := range []string{"2026-12-24 10:00-12:00", "12-24 10:00-12:00", "10:00-12:00 2026-12-24", "02-29 22:00-02:00"} {
		_, err := Parse(map[string]string{KeyTimezone: "Europe/Paris", "_bh_add1": v})
		require.NoError(t, err, v)
	}
	for _, v := range []string{"2026-12-24", "12-25", "02-29", "2028-02-29", "  "} {
		_, err := Parse(map[string]string{KeyTimezone: "Europe/Paris", "_bh_date7": v})
		require.NoError(t, err, v)
	}
}

func TestWeekdayExpansion(t *testing.T) {
	days, reason := parseDays("Fri-Tue")
	require.Empty(t, reason)
	require.Len(t, days, 5)
	days, _ = parseDays("Wed")
	require.Len(t, days, 1)
}
