package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
)

const officePath = "/genesys/1/service/callback/office"

var newYork = mustLoad("America/New_York")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// nextWeekday is the next given weekday (at least two days ahead) at
// hh:mm New York time.
func nextWeekday(day time.Weekday, hh, mm int) time.Time {
	d := time.Now().In(newYork).AddDate(0, 0, 2)
	for d.Weekday() != day {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, newYork).UTC()
}

func (s *stack) schedule(path, number string, at time.Time) reply {
	return s.postJSON(path, map[string]any{"_customer_number": number, "_desired_time": callback.FormatTime(at)})
}

func proposals(t *testing.T, m map[string]any) []time.Time {
	t.Helper()
	av, ok := m["availability"].(map[string]any)
	require.True(t, ok, "no availability in %v", m)
	var out []time.Time
	for k, v := range av {
		ts, err := callback.ParseTime(k)
		require.NoError(t, err)
		require.Greater(t, v.(float64), 0.0)
		out = append(out, ts)
	}
	return out
}

func TestOfficeClosedProposesOpenSlots(t *testing.T) {
	s := newStack(t)
	sunday := nextWeekday(time.Sunday, 10, 0)
	m := s.schedule(officePath, "1", sunday).envelope(t, 400, 40051, "SLOT_UNAVAILABLE_PROPOSAL")
	slot := "[" + callback.FormatTime(sunday) + ", " + callback.FormatTime(sunday.Add(5*time.Minute)) + "]"
	require.Equal(t, "Office is closed at desired time slot "+slot+". Proposing time slots.", m["message"])
	got := proposals(t, m)
	require.Len(t, got, 6)
	for _, p := range got {
		local := p.In(newYork)
		require.Equal(t, time.Monday, local.Weekday(), "nearest open slots are Monday morning: %v", local)
		require.Equal(t, 9, local.Hour())
	}
	// Immediate callbacks need an open office too.
	require.Equal(t, time.Sunday, sunday.In(newYork).Weekday())
}

func TestFullBucketProposesAndCancelGivesPlaceBack(t *testing.T) {
	s := newStack(t)
	monday := nextWeekday(time.Monday, 10, 2)
	a := s.schedule(officePath, "1", monday)
	require.Equal(t, http.StatusOK, a.Status, "body: %s", a.Body)
	require.Equal(t, http.StatusOK, s.schedule(officePath, "2", monday.Add(time.Minute)).Status)
	m := s.schedule(officePath, "3", monday).envelope(t, 400, 40051, "SLOT_UNAVAILABLE_PROPOSAL")
	require.True(t, strings.HasPrefix(m["message"].(string), "Too many requests at desired time slot ["), m["message"])
	got := proposals(t, m)
	require.Len(t, got, 6)
	bucket := monday.Truncate(5 * time.Minute)
	for _, p := range got {
		require.NotEqual(t, bucket, p, "the full bucket is not proposed")
		require.LessOrEqual(t, absDuration(p.Sub(bucket)), 15*time.Minute, "nearest first")
	}

	id := a.object(t)["_id"].(string)
	require.Equal(t, http.StatusOK, s.do(http.MethodDelete, officePath+"/"+id, "", nil).Status)
	require.Equal(t, http.StatusOK, s.schedule(officePath, "3", monday).Status, "the cancelled callback gave its place back")
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func TestConcurrentBookingsNeverOverbook(t *testing.T) {
	s := newStack(t)
	monday := nextWeekday(time.Monday, 11, 0)
	const n = 40
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { statuses[i] = s.schedule(officePath, fmt.Sprint(1000+i), monday).Status })
	}
	wg.Wait()
	ok := 0
	for _, st := range statuses {
		require.Contains(t, []int{200, 400}, st)
		if st == 200 {
			ok++
		}
	}
	require.Equal(t, 2, ok, "bucket capacity is 2")
	var booked int
	require.NoError(t, s.store.DB.Get(&booked, `SELECT count(*) FROM callbacks WHERE service = 'office'`))
	require.Equal(t, 2, booked)
}

func TestConcurrentStartsRespectInQueueLimit(t *testing.T) {
	s := newStack(t)
	for _, tc := range []struct {
		path  string
		limit int
	}{{cbPath, 2}, {"/genesys/1/service/callback/strict", 1}} {
		const n = 100
		statuses := make([]int, n)
		bodies := make([]reply, n)
		later := time.Now().Add(time.Hour)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				bodies[i] = s.schedule(tc.path, "6000", later)
				statuses[i] = bodies[i].Status
			})
		}
		wg.Wait()
		ok := 0
		for i, st := range statuses {
			if st == 200 {
				ok++
				continue
			}
			m := bodies[i].envelope(t, 429, 40001, "NUMBER_ALREADY_BOOKED")
			require.Equal(t, fmt.Sprintf("There is already %d or more Callbacks QUEUED for this number, please refer to _enable_in_queue_checking for detail.", tc.limit), m["message"])
			require.Equal(t, float64(tc.limit), m["properties"].(map[string]any)["max_queued"], "a JSON number, as the seed shows it")
		}
		require.Equal(t, tc.limit, ok, tc.path)
	}
}

func TestRescheduleChecksOfficeHoursAndCapacity(t *testing.T) {
	s := newStack(t)
	monday := nextWeekday(time.Monday, 10, 0)
	require.Equal(t, http.StatusOK, s.schedule(officePath, "1", monday).Status)
	require.Equal(t, http.StatusOK, s.schedule(officePath, "2", monday).Status)
	id := s.schedule(officePath, "3", monday.Add(30*time.Minute)).object(t)["_id"].(string)

	move := func(to time.Time) reply {
		return s.putForm(officePath+"/"+id, url.Values{"_new_desired_time": {callback.FormatTime(to)}})
	}
	m := move(monday.Add(time.Minute)).envelope(t, 400, 40051, "SLOT_UNAVAILABLE_PROPOSAL")
	require.Contains(t, m["message"], "Too many requests")
	require.NotEmpty(t, proposals(t, m))
	m = move(nextWeekday(time.Sunday, 12, 0)).envelope(t, 400, 40051, "SLOT_UNAVAILABLE_PROPOSAL")
	require.Contains(t, m["message"], "Office is closed")
	require.Equal(t, callback.FormatTime(monday.Add(30*time.Minute)), s.lookupOne("office", id)["_desired_time"], "refusals changed nothing")

	require.Equal(t, http.StatusOK, move(monday.Add(5*time.Minute)).Status)
	require.Equal(t, callback.FormatTime(monday.Add(5*time.Minute)), s.lookupOne("office", id)["_desired_time"])
	// Its old place is free again: two more fit in the 10:30 bucket.
	require.Equal(t, http.StatusOK, s.schedule(officePath, "4", monday.Add(30*time.Minute)).Status)
	require.Equal(t, http.StatusOK, s.schedule(officePath, "5", monday.Add(31*time.Minute)).Status)
	// Moving within its own bucket never counts itself.
	require.Equal(t, http.StatusOK, s.schedule(officePath, "6", monday.Add(5*time.Minute)).Status)
	require.Equal(t, http.StatusOK, move(monday.Add(6*time.Minute)).Status)
}

func TestPhoneRules(t *testing.T) {
	s := newStack(t)
	path := "/genesys/1/service/callback/phones"
	later := callback.FormatTime(time.Now().Add(time.Hour))
	for _, tc := range []struct{ number, message string }{
		{"111", "Customer Number [111] is disallowed, because it is invalid. Check option _disallow_impossible_phone_numbers"},
		{"+1 900 234 5678", "Customer Number [+1 900 234 5678] is disallowed, because it's a premium number. Check option _disallow_premium_phone_numbers"},
		{"5551234567", "Customer Number [5551234567] is disallowed by exception pattern 555.*"},
	} {
		m := s.postJSON(path, map[string]any{"_customer_number": tc.number, "_desired_time": later}).envelope(t, 400, 40040, "NUMBER_REJECTED")
		require.Equal(t, tc.message, m["message"])
	}
	r := s.postJSON(path, map[string]any{"_customer_number": "+1 650 253 0000", "_desired_time": later})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	id := r.object(t)["_id"].(string)
	s.putForm(path+"/"+id, url.Values{"_customer_number": {"111"}}).envelope(t, 400, 40040, "NUMBER_REJECTED")
}

func TestRedialCopiesACompletedCallback(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	src := s.postJSON(cbPath, map[string]any{"_customer_number": "8001", "usr_name": "Ann", "usr_account": "A1"}).object(t)["_id"].(string)
	s.postJSON(cbPath, map[string]any{"_copy_from_id": src}).envelope(t, 400, 40020, "INVALID_OPERATION")
	require.Equal(t, http.StatusOK, s.putForm(cbPath+"/"+src, url.Values{"_callback_state": {"COMPLETED"}, "_callback_reason": {"FAIL_CALL_TO_CUSTOMER"}}).Status)

	later := callback.FormatTime(time.Now().Add(time.Hour))
	r := s.postJSON(cbPath, map[string]any{"_copy_from_id": src, "usr_name": "Ann B", "_desired_time": later})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	id := r.object(t)["_id"].(string)
	require.NotEqual(t, src, id)
	rec := s.lookupOne("cb", id)
	require.Equal(t, "8001", rec["_customer_number"])
	require.Equal(t, "SCHEDULED", rec["_callback_state"])
	require.Empty(t, rec["_callback_reason"])
	require.Equal(t, later, rec["_desired_time"])
	stored, err := s.store.Get(t.Context(), id)
	require.NoError(t, err)
	require.Equal(t, "Ann B", stored.Properties["usr_name"], "request overrides")
	require.Equal(t, "A1", stored.Properties["usr_account"], "copied")
	require.Equal(t, src, stored.Properties["_copy_from_id"], "kept")

	m := s.postJSON(cbPath, map[string]any{"_copy_from_id": "nope"}).envelope(t, 400, 40030, "CALLBACK_NOT_FOUND")
	require.Equal(t, "Callback nope to copy from cannot be found", m["message"])
}

func TestRedirect(t *testing.T) {
	s := newStack(t)
	later := callback.FormatTime(time.Now().Add(time.Hour))
	r := s.postJSON("/genesys/1/service/callback/redirector", map[string]any{"_customer_number": "9001", "_desired_time": later})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	rec := s.lookupOne("cb", r.object(t)["_id"].(string))
	require.Equal(t, "cb", rec["_service_name"], "the record is the target's")
	s.postJSON("/genesys/1/service/callback/redirector", map[string]any{"usr_name": "x"}).envelope(t, 400, 40010, "BAD_PARAMETER")
	m := s.postJSON("/genesys/1/service/callback/redirect-broken", map[string]any{"_customer_number": "9001"}).envelope(t, 500, 50040, "SERVICE_REDIRECT_FAILED")
	require.Equal(t, "Service broken has option _service != callback", m["message"])
}

func TestExpectedWaitTimeDecidesImmediacy(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	path := "/genesys/1/service/callback/ewt"
	in5 := func() string { return callback.FormatTime(time.Now().Add(5 * time.Minute)) }
	r := s.postJSON(path, map[string]any{"_customer_number": "1", "_desired_time": in5()})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.Nil(t, r.object(t)["Action"], "+5 min, buffer 120 s, EWT 0: scheduled")
	s.ors.SetEWT(300)
	r = s.postJSON(path, map[string]any{"_customer_number": "2", "_desired_time": in5()})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.Equal(t, "ConfirmationDialog", r.object(t)["Action"], "+5 min, buffer 120 s, EWT 5 min: immediate")
	q := s.ors.StatQueries()
	require.NotEmpty(t, q)
	require.Equal(t, url.Values{"name": {"ExpectedWaitTime"}, "object": {"Queue"}, "id": {"8999@SIP_Server"}, "tenant": {"Environment"}}, q[len(q)-1])
}

func TestForcedStateAtCreation(t *testing.T) {
	s := newStack(t)
	r := s.postJSON(cbPath, map[string]any{"_customer_number": "4001", "_callback_state": "processing"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	body := r.object(t)
	require.Len(t, body, 1, "a forced state answers only the _id")
	id := body["_id"].(string)
	require.Equal(t, "PROCESSING", s.lookupOne("cb", id)["_callback_state"])
	require.Empty(t, s.ors.Starts(), "an externally managed callback is never submitted")
	require.Equal(t, http.StatusOK, s.putForm(cbPath+"/"+id, url.Values{"_callback_state": {"COMPLETED"}}).Status)
	st, reason := s.stateOf("cb", id)
	require.Equal(t, "COMPLETED", st)
	require.Equal(t, "NOT_AVAILABLE", reason)
}
