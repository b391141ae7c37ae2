package callback

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseTime: any string either fails or gives an instant whose API form
// (FormatTime) parses back to the same instant at millisecond precision, and
// formatting is then stable.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2026-01-02T15:04:05.000Z", "2026-01-02T15:04:05Z", "2026-01-02T15:04:05.123456789+02:00",
		"2026-01-02T15:04:05.000+0530", "2026-01-02T15:04:05", "2026-01-02T15:04", "2026-01-02T15:04:05.5",
		" 2026-03-29T02:30:00.000-05:00 ", "2026-02-30T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z",
		"", "now", "2026-01-02", "1767366245000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s)
		if err != nil {
			if !got.IsZero() {
				t.Fatalf("ParseTime(%q) failed (%v) but returned %v", s, err, got)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) = %v, not in UTC", s, got)
		}
		out := FormatTime(got)
		back, err := ParseTime(out)
		if err != nil {
			t.Fatalf("ParseTime(%q) = %v, but its API form %q does not parse: %v", s, got, out, err)
		}
		if !back.Equal(got.Truncate(time.Millisecond)) {
			t.Fatalf("ParseTime(%q) = %v: round trip through %q gives %v", s, got, out, back)
		}
		if again := FormatTime(back); again != out {
			t.Fatalf("ParseTime(%q): FormatTime not stable: %q then %q", s, out, again)
		}
	})
}

// FuzzParseState: ParseState accepts exactly the six states in any case and
// surrounding blanks; ParseBool exactly true/false. Neither panics.
func FuzzParseState(f *testing.F) {
	for _, s := range []string{"SCHEDULED", "queued", " Routing ", "!COMPLETED", "PAUSED\n", "", "true", "FALSE", "ſcheduled", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, ok := ParseState(s)
		want := false
		for _, known := range States {
			if strings.EqualFold(strings.TrimSpace(s), string(known)) && strings.ToUpper(strings.TrimSpace(s)) == string(known) {
				want = true
			}
		}
		if ok != want {
			t.Fatalf("ParseState(%q) = %q, %v; want ok=%v", s, st, ok, want)
		}
		if ok && st != State(strings.ToUpper(strings.TrimSpace(s))) {
			t.Fatalf("ParseState(%q) = %q", s, st)
		}
		if !ok && st != "" {
			t.Fatalf("ParseState(%q) failed but returned %q", s, st)
		}
		b, err := ParseBool(s)
		switch v := strings.ToLower(strings.TrimSpace(s)); {
		case v == "true" && (err != nil || !b), v == "false" && (err != nil || b):
			t.Fatalf("ParseBool(%q) = %v, %v", s, b, err)
		case v != "true" && v != "false" && err == nil:
			t.Fatalf("ParseBool(%q) accepted %v", s, b)
		}
		if err != nil && !utf8.ValidString(err.Error()) {
			t.Fatalf("ParseBool(%q): error text is not UTF-8: %q", s, err.Error())
		}
	})
}
