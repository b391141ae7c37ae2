package capacity

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// withZone returns a New York capacity section with the given key/value pairs.
func withZone(kv ...string) map[string]string {
	m := map[string]string{"_type": "builtin", "_service": "capacity", KeyTimezone: "America/New_York"}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		opts   map[string]string
		key    string
		reason string
	}{
		{"missing timezone", map[string]string{KeyDays: "[Mon]", "_capacity_1": `{"1":{"0900":1}}`}, KeyTimezone, "missing time zone"},
		{"empty timezone", map[string]string{KeyTimezone: "  "}, KeyTimezone, "missing time zone"},
		{"unknown timezone", map[string]string{KeyTimezone: "Mars/Olympus_Mons"}, KeyTimezone, "unknown IANA time zone"},
		{"local timezone", map[string]string{KeyTimezone: "Local"}, KeyTimezone, "unknown IANA time zone"},
		{"unknown weekday", withZone(KeyDays, "[Mon, Tue, Wedn, Thu]"), KeyDays, `unknown day "Wedn"`},
		{"empty weekday", withZone(KeyDays, "[Mon,,Tue]"), KeyDays, `unknown day ""`},
		{"weekday twice", withZone(KeyDays, "[Mon, Tue, monday]"), KeyDays, `day "monday" listed twice`},
		{"no days", withZone(KeyDays, "[ ]"), KeyDays, "no days"},
		{"unbalanced", withZone(KeyDays, "[Mon, Tue"), KeyDays, "unbalanced brackets"},
		{"bad JSON", withZone("_capacity_1", `{"1":{"0900":5,}}`), "_capacity_1", "bad JSON: "},
		{"truncated JSON", withZone("_capacity_1", `{"1":{"0900":5}`), "_capacity_1", "bad JSON: "},
		{"trailing data", withZone("_capacity_1", `{"1":{"0900":5}} x`), "_capacity_1", "bad JSON: data after the object"},
		{"not an object", withZone("_capacity_1", `[1,2]`), "_capacity_1", "not a JSON object"},
		{"grid not an object", withZone("_capacity_1", `{"1":5}`), "_capacity_1", "not a JSON object"},
		{"hour 24", withZone("_capacity_1", `{"1":{"2460":5}}`), "_capacity_1", `bad time "2460" (HHMM, 0000 to 2359)`},
		{"2400", withZone("_capacity_1", `{"1":{"2400":5}}`), "_capacity_1", `bad time "2400"`},
		{"minute 60", withZone("_capacity_1", `{"1":{"0960":5}}`), "_capacity_1", `bad time "0960"`},
		{"three digits", withZone("_capacity_1", `{"1":{"900":5}}`), "_capacity_1", `bad time "900"`},
		{"HH:MM", withZone("_capacity_1", `{"1":{"09:00":5}}`), "_capacity_1", `bad time "09:00"`},
		{"negative count", withZone("_capacity_2", `{"2":{"0900":-1}}`), "_capacity_2", `bad count -1 at "0900"`},
		{"fractional count", withZone("_capacity_2", `{"2":{"0900":2.5}}`), "_capacity_2", `bad count 2.5 at "0900"`},
		{"string count", withZone("_capacity_2", `{"2":{"0900":"5"}}`), "_capacity_2", `bad count "5" at "0900"`},
		{"null count", withZone("_capacity_2", `{"2":{"0900":null}}`), "_capacity_2", `bad count null at "0900"`},
		{"time twice", withZone("_capacity_2", `{"2":{"0900":1,"0900":2}}`), "_capacity_2", `key "0900" given twice`},
		{"wrong day key", withZone("_capacity_2", `{"1":{"0900":5}}`), "_capacity_2", `day key "1" is not "2"`},
		{"two day keys", withZone("_capacity_2", `{"2":{"0900":5},"3":{}}`), "_capacity_2", `want one day key {"2":{...}}`},
		{"day beyond list", withZone(KeyDays, "[Mon, Tue]", "_capacity_3", `{"3":{"0900":5}}`), "_capacity_3", "no day 3 in _capacity (2 days)"},
		{"day zero", withZone("_capacity_0", `{"0":{}}`), "_capacity_0", "no day 0 in _capacity (7 days)"},
		{"day 8", withZone("_capacity_8", `{"8":{}}`), "_capacity_8", "no day 8 in _capacity (7 days)"},
		{"day set twice", withZone("_capacity_01", `{"1":{}}`, "_capacity_1", `{"1":{}}`), "_capacity_1", "day 1 already set by _capacity_01"},
		{"bad exception date", withZone(KeyExceptions, `{"2026-02-30":{"0900":1}}`), KeyExceptions, `bad date "2026-02-30"`},
		{"bad yearly date", withZone(KeyExceptions, `{"13-01":{}}`), KeyExceptions, `bad date "13-01"`},
		{"year zero", withZone(KeyExceptions, `{"0000-01-01":{}}`), KeyExceptions, `bad date "0000-01-01"`},
		{"exception weekday", withZone(KeyExceptions, `{"Mon":{}}`), KeyExceptions, `bad date "Mon" (YYYY-MM-DD or MM-DD)`},
		{"exception date twice", withZone(KeyExceptions, `{"2026-12-24":{},"2026-12-24 ":{}}`), KeyExceptions, `date "2026-12-24 " given twice`},
		{"exception same date spelled twice", withZone(KeyExceptions, `{"12-25":{},"12-25":{}}`), KeyExceptions, `key "12-25" given twice`},
		{"yearly twice", withZone(KeyExceptions, `{"12-25":{},"12-5":{},"1-1":{},"01-01":{}}`), KeyExceptions, `date "01-01" given twice`},
		{"exception bad grid", withZone(KeyExceptions, `{"12-25":{"0900":-3}}`), KeyExceptions, `date "12-25": bad count -3 at "0900"`},
		{"exception not an object", withZone(KeyExceptions, `12-25`), KeyExceptions, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Parse(tt.opts)
			require.Nil(t, g)
			require.Error(t, err)
			var pe *ParseError
			require.True(t, errors.As(err, &pe))
			require.Equal(t, tt.key, pe.Key)
			if tt.key == KeyTimezone && strings.TrimSpace(tt.opts[tt.key]) == "" {
				require.Empty(t, pe.Value) // "missing", whatever the blanks
			} else {
				require.Equal(t, tt.opts[tt.key], pe.Value)
			}
			require.Contains(t, pe.Reason, tt.reason)
			require.True(t, strings.HasPrefix(err.Error(), tt.key), err.Error())
			if pe.Value != "" {
				require.Contains(t, err.Error(), tt.key+"="+pe.Value+": ")
			}
		})
	}
}

func TestParseErrorText(t *testing.T) {
	_, err := Parse(withZone("_capacity_1", `{"1":{"2460":5}}`))
	require.EqualError(t, err, `_capacity_1={"1":{"2460":5}}: bad time "2460" (HHMM, 0000 to 2359)`)
	_, err = Parse(map[string]string{})
	require.EqualError(t, err, "_timezone: missing time zone")
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		opts map[string]string
	}{
		{"GMS sample", map[string]string{
			"_type": "builtin", "_service": "capacity", KeyTimezone: "UTC",
			KeyDays:         "[Mon, Tue, Wed, Thu, Fri, Sat, Sun]",
			"_capacity_1":   `{"1":{"0000":1,"0100":3}}`,
			"_capacity_2":   `{"2":{"0100":3}}`,
			"_capacity_3":   `{"3":{"1000":6,"2300":6,"0000":6,"0900":6}}`,
			"_capacity_4":   `{"4":{"1100":3,"0100":3}}`,
			"_capacity_5":   `{"5":{"0100":3}}`,
			"_capacity_6":   `{"6":{"0100":3}}`,
			"_capacity_7":   `{"7":{"0000":1,"0100":3}}`,
			KeyExceptions:   `{}`,
			"_max_capacity": "1000",
		}},
		{"only zone", withZone()},
		{"no brackets, full names, mixed case", withZone(KeyDays, "sunday, MONDAY,Tue")},
		{"empty values ignored", withZone(KeyDays, "", "_capacity_1", " ", KeyExceptions, "", "_capacity_9", "")},
		{"empty grids", withZone("_capacity_1", "{}", "_capacity_2", `{"2":{}}`, KeyExceptions, `{"12-25":{}}`)},
		{"blanks in JSON", withZone("_capacity_1", ` { "1" : { "0900" : 5 , "1200" : 0 } } `)},
		{"leap day yearly", withZone(KeyExceptions, `{"02-29":{"0900":1},"2028-02-29":{}}`)},
		{"other keys ignored", withZone("_capacity_service", "x", "_capacity_foo", "[")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Parse(tt.opts)
			require.NoError(t, err)
			require.NotNil(t, g)
		})
	}
}

func TestLocation(t *testing.T) {
	g, err := Parse(map[string]string{KeyTimezone: " Europe/Paris "})
	require.NoError(t, err)
	require.Equal(t, "Europe/Paris", g.Location().String())
	var none *Grid
	require.Equal(t, time.UTC, none.Location())
	require.Equal(t, 0, none.Total(time.Now()))
}
