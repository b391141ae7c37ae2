package testenv

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// ClockEnv names the variable that runs every test Clock "as if" at another
// instant: HH:MM starts at the next instant, at least a minute after the
// real now, whose UTC time of day is HH:MM; an RFC 3339 instant (which must
// lie in the future of the real clock) starts there. Unset: the real now.
const ClockEnv = "GMS_TEST_CLOCK"

// Clock is a controllable clock for the API of an integration test, whose
// Temporal runs on the real clock. It starts never in the past of the real
// clock and moves only when told, so an instant a test derives from it by
// adding at least the test's duration is in Temporal's future too.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a Clock where GMS_TEST_CLOCK says (the real now by
// default) and logs its start; a malformed value fails the test.
func NewClock(t testing.TB) *Clock {
	t.Helper()
	start, err := ClockStart(os.Getenv(ClockEnv), time.Now())
	if err != nil {
		t.Fatalf("%s: %v", ClockEnv, err)
	}
	t.Logf("test clock starts at %s (real now %s)", start.Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339))
	return &Clock{t: start}
}

// ClockStart is the start GMS_TEST_CLOCK's value spec asks for when the real
// clock reads now, in UTC.
func ClockStart(spec string, now time.Time) (time.Time, error) {
	now = now.UTC()
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return now, nil
	}
	if at, err := time.Parse("15:04", spec); err == nil {
		start := time.Date(now.Year(), now.Month(), now.Day(), at.Hour(), at.Minute(), 0, 0, time.UTC)
		for start.Before(now.Add(time.Minute)) {
			start = start.AddDate(0, 0, 1)
		}
		return start, nil
	}
	at, err := time.Parse(time.RFC3339, spec)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither HH:MM nor an RFC 3339 instant: %w", spec, err)
	}
	if !at.After(now) {
		return time.Time{}, fmt.Errorf("%s is not in the future of the real clock (%s)", spec, now.Format(time.RFC3339))
	}
	return at.UTC(), nil
}

// Now is the clock's time (in UTC).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock d forward.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// NextUTCDay moves the clock to the next UTC midnight and returns it.
func (c *Clock) NextUTCDay() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Truncate(24 * time.Hour).Add(24 * time.Hour)
	return c.t
}
