package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/internal/testenv"
)

const throttleINI = `
[callback]
_throttle_request_parameters_limit = 2
max_queued_callbacks_per_service = 3

[ors]
url = {ORS}

[service.inherit]
_app_url = callback.scxml
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = false

[service.own]
_app_url = callback.scxml
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = false
_throttle_request_parameters_limit = 1
_max_queued_callbacks_per_service = 100

[service.zero]
_app_url = callback.scxml
_disallow_impossible_phone_numbers = false
_throttle_request_parameters_limit = 0

[service.interval]
_app_url = callback.scxml
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = false
_throttle_callbacks_per_service_1 = 2
_throttle_ttl_1 = 60
_throttle_callbacks_per_service_2 = 3
_throttle_ttl_2 = 3600
`

// throttleStack runs throttleINI with the API on a controllable clock
// (testenv.Clock: GMS_TEST_CLOCK runs it as if at another hour or date).
func throttleStack(t *testing.T) (*stack, *testenv.Clock) {
	s := newStackWith(t, throttleINI)
	s.ors.SetDrive(false)
	c := testenv.NewClock(t)
	s.srv.Now = c.Now
	return s, c
}

func TestIntervalThrottle(t *testing.T) {
	s, c := throttleStack(t)
	path := "/genesys/1/service/callback/interval"
	sched := func(n int) reply { return s.schedule(path, fmt.Sprint(n), c.Now().Add(2*time.Hour)) }
	require.Equal(t, http.StatusOK, sched(1).Status)
	require.Equal(t, http.StatusOK, sched(2).Status)
	m := sched(3).envelope(t, 429, 40003, "THROTTLE_SERVICE_INTERVAL_LIMIT")
	require.Equal(t, "Limit of queued callbacks for interval is reached for interval 60s.", m["message"])
	require.Equal(t, map[string]any{"service": "interval", "interval": "60", "attempts": "2"}, m["properties"])
	sched(4).envelope(t, 429, 40003, "THROTTLE_SERVICE_INTERVAL_LIMIT") // refused requests do not count...
	c.Add(61 * time.Second)
	require.Equal(t, http.StatusOK, sched(5).Status, "...so the 60 s window has room again")
	m = sched(6).envelope(t, 429, 40003, "THROTTLE_SERVICE_INTERVAL_LIMIT")
	require.Equal(t, "Limit of queued callbacks for interval is reached for interval 3600s.", m["message"])
	c.Add(time.Hour)
	require.Equal(t, http.StatusOK, sched(7).Status)
}

func TestParameterThrottleInheritedPerDayImmediateOnly(t *testing.T) {
	s, c := throttleStack(t)
	path := "/genesys/1/service/callback/inherit"
	var ids []string
	now := func() reply {
		r := s.postJSON(path, map[string]any{"_customer_number": "5115"})
		if r.Status == http.StatusOK {
			ids = append(ids, r.object(t)["_id"].(string))
		}
		return r
	}
	require.Equal(t, http.StatusOK, now().Status)
	require.Equal(t, http.StatusOK, now().Status)
	m := now().envelope(t, 429, 40004, "THROTTLE_SERVICE_PARAMETER_LIMIT")
	require.Equal(t, "Limit of queued callbacks for inherit is reached for parameter 5115. Reached 2 times today.", m["message"])
	require.Equal(t, "2", m["properties"].(map[string]any)["attempts"])
	require.Equal(t, http.StatusOK, s.schedule(path, "5115", c.Now().Add(2*time.Hour)).Status, "scheduled callbacks are not counted")
	require.Equal(t, http.StatusOK, s.postJSON(path, map[string]any{"_customer_number": "5116"}).Status, "per value")
	for _, id := range ids { // keep the service under its inherited queued limit
		require.Equal(t, http.StatusOK, s.do(http.MethodDelete, path+"/"+id, "", nil).Status)
	}
	now().envelope(t, 429, 40004, "THROTTLE_SERVICE_PARAMETER_LIMIT") // completed ones still count today...
	if last := c.Now().Truncate(24 * time.Hour).Add(24*time.Hour - time.Millisecond); c.Now().Before(last) {
		c.Add(last.Sub(c.Now()))
	}
	now().envelope(t, 429, 40004, "THROTTLE_SERVICE_PARAMETER_LIMIT") // ...until the UTC day's last millisecond
	c.NextUTCDay()
	require.Equal(t, http.StatusOK, now().Status, "a new UTC day counts afresh")

	own := "/genesys/1/service/callback/own"
	require.Equal(t, http.StatusOK, s.postJSON(own, map[string]any{"_customer_number": "5115"}).Status)
	s.postJSON(own, map[string]any{"_customer_number": "5115"}).envelope(t, 429, 40004, "THROTTLE_SERVICE_PARAMETER_LIMIT")

	s.postJSON("/genesys/1/service/callback/zero", map[string]any{"_customer_number": "5115"}).envelope(t, 429, 40004, "THROTTLE_SERVICE_PARAMETER_LIMIT")
}

func TestQueuedLimitPerService(t *testing.T) {
	s, c := throttleStack(t)
	path := "/genesys/1/service/callback/inherit"
	for i := range 3 {
		require.Equal(t, http.StatusOK, s.postJSON(path, map[string]any{"_customer_number": fmt.Sprint(100 + i)}).Status)
	}
	m := s.postJSON(path, map[string]any{"_customer_number": "200"}).envelope(t, 429, 40002, "THROTTLE_SERVICE_LIMIT")
	require.Equal(t, "Limit of queued callbacks for inherit is reached.", m["message"])
	require.Equal(t, http.StatusOK, s.schedule(path, "201", c.Now().Add(time.Hour)).Status, "scheduled starts are not limited")
	// Its own value wins over [callback]'s.
	own := "/genesys/1/service/callback/own"
	for i := range 4 {
		require.Equal(t, http.StatusOK, s.postJSON(own, map[string]any{"_customer_number": fmt.Sprint(300 + i)}).Status)
	}
}

func TestConcurrentStartsRespectThrottles(t *testing.T) {
	s, c := throttleStack(t)
	path := "/genesys/1/service/callback/interval"
	var wg sync.WaitGroup
	statuses := make([]int, 30)
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = s.schedule(path, fmt.Sprint(i), c.Now().Add(2*time.Hour)).Status
		})
	}
	wg.Wait()
	ok := 0
	for _, st := range statuses {
		if st == http.StatusOK {
			ok++
		} else {
			require.Equal(t, http.StatusTooManyRequests, st)
		}
	}
	require.Equal(t, 2, ok, "the 60 s window admits 2, whatever the concurrency")
}

func TestDesiredTimeLimitOptions(t *testing.T) {
	s := newStackWith(t, `
[ors]
url = {ORS}

[service.limits]
_app_url = callback.scxml
_disallow_impossible_phone_numbers = false
_reject_past_desired_time = 10m
_reject_future_desired_time = 1M
`)
	s.ors.SetDrive(false)
	path := "/genesys/1/service/callback/limits"
	at := func(d time.Duration) reply {
		return s.postJSON(path, map[string]any{"_customer_number": "1", "_desired_time": callback.FormatTime(time.Now().Add(d))})
	}
	require.Equal(t, http.StatusOK, at(-5*time.Minute).Status)
	m := at(-15*time.Minute).envelope(t, 400, 40010, "BAD_PARAMETER")
	require.Regexp(t, `contains _desired_time property in the past \(-600s < -9\d\ds < \d+s\)`, m["message"])
	require.Equal(t, http.StatusOK, s.postJSON(path, map[string]any{"_customer_number": "2", "_desired_time": callback.FormatTime(time.Now().AddDate(0, 0, 20))}).Status)
	m = at(40*24*time.Hour).envelope(t, 400, 40010, "BAD_PARAMETER")
	require.Contains(t, m["message"], "too far in future")
}
