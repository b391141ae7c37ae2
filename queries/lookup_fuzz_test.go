package queries

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opengms/callback/callback"
)

// placeholder matches one positional parameter of the generated SQL.
var placeholder = regexp.MustCompile(`\$([0-9]+)`)

// FuzzFilterWhere: the SQL text of a lookup depends only on the filter's
// shape (how many matches, which of them are _id, OR, state, bounds), never on
// the fuzzed service, keys, values or state: each is a bound parameter. The
// placeholders are exactly $1..$len(args), and each argument is the value it
// stands for.
func FuzzFilterWhere(f *testing.F) {
	f.Add("callback-test", "_customer_number", "+16175550100", "usr_account", "123456", "COMPLETED", uint8(0b0111), int64(1767366245), int64(1767970000))
	f.Add("", "k';DROP TABLE callbacks;--", "1' OR '1'='1", "_id", "x\") OR 1=1 --", "", uint8(0b1000), int64(0), int64(0))
	f.Add("cb$1", "$2", "$3::text", "c.id", "l.key = $1", "SCHEDULED' OR '1'='1", uint8(0b1111), int64(-1), int64(1))
	f.Add("", "", "", "", "", "", uint8(0), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, service, key1, value1, key2, value2, state string, flags uint8, from, to int64) {
		now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
		fz := Filter{Service: service, Or: flags&1 != 0, State: callback.State(state), NotState: flags&2 != 0}
		if flags&4 != 0 {
			fz.From = time.Unix(from, 0).UTC()
		}
		if flags&8 != 0 {
			fz.To = time.Unix(to, 0).UTC()
		}
		fz.Matches = append(fz.Matches, Match{Key: key1, Value: value1})
		if flags&16 == 0 {
			fz.Matches = append(fz.Matches, Match{Key: key2, Value: value2})
		}
		if flags&32 != 0 {
			fz.Matches = nil
		}
		sql, args := fz.where(now)

		// The same shape with benign strings gives the very same SQL text.
		shape := fz
		shape.Matches = nil
		if shape.Service != "" {
			shape.Service = "s"
		}
		if shape.State != "" {
			shape.State = callback.Scheduled
		}
		for _, m := range fz.Matches {
			k := "k"
			if m.Key == callback.KeyID {
				k = callback.KeyID
			}
			shape.Matches = append(shape.Matches, Match{Key: k, Value: "v"})
		}
		want, wantArgs := shape.where(now)
		if sql != want {
			t.Fatalf("SQL text depends on the fuzzed strings:\n got %s\nwant %s", sql, want)
		}
		if len(args) != len(wantArgs) {
			t.Fatalf("%d arguments, the same shape has %d", len(args), len(wantArgs))
		}
		for _, s := range []string{service, key1, value1, key2, value2, state} {
			if len(s) >= 3 && strings.Contains(sql, s) && !strings.Contains(want, s) {
				t.Fatalf("SQL contains fuzzed text %q: %s", s, sql)
			}
		}

		// $1..$n each exactly once, n = len(args).
		seen := map[int]int{}
		for _, m := range placeholder.FindAllStringSubmatch(sql, -1) {
			n, err := strconv.Atoi(m[1])
			if err != nil || n < 1 || n > len(args) {
				t.Fatalf("placeholder $%s out of range (%d args): %s", m[1], len(args), sql)
			}
			seen[n]++
		}
		if len(seen) != len(args) {
			t.Fatalf("%d distinct placeholders for %d args: %s", len(seen), len(args), sql)
		}
		for n, c := range seen {
			if c != 1 {
				t.Fatalf("$%d used %d times: %s", n, c, sql)
			}
		}

		// Every fuzzed string is an argument, as is (strings compared as bound).
		bound := map[string]int{}
		for _, a := range args {
			if s, ok := a.(string); ok {
				bound[s]++
			}
		}
		need := map[string]int{}
		if service != "" {
			need[service] += 1 + len(fz.Matches)
			for _, m := range fz.Matches {
				if m.Key == callback.KeyID {
					need[service]--
				}
			}
		}
		for _, m := range fz.Matches {
			need[m.Value]++
			if m.Key != callback.KeyID {
				need[m.Key]++
			}
		}
		if state != "" {
			need[state]++
		}
		for s, n := range need {
			if bound[s] < n {
				t.Fatalf("%q bound %d times, want %d (args %q)", s, bound[s], n, args)
			}
		}
	})
}
