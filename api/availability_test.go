package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
)

type v2Answer struct {
	Slots []struct {
		UTCTime   string `json:"utcTime"`
		LocalTime string `json:"localTime"`
		Capacity  int    `json:"capacity"`
		Total     int    `json:"total"`
	} `json:"slots"`
	DurationMin int    `json:"durationMin"`
	Timezone    string `json:"timezone"`
}

func TestAvailability(t *testing.T) {
	s := newStack(t)
	monday := nextWeekday(time.Monday, 16, 45) // 16:45-17:15 New York: 3 open buckets, then closed
	require.Equal(t, http.StatusOK, s.schedule(officePath, "1", monday.Add(5*time.Minute)).Status)
	require.Equal(t, http.StatusOK, s.schedule(officePath, "2", monday.Add(10*time.Minute)).Status)
	require.Equal(t, http.StatusOK, s.schedule(officePath, "3", monday.Add(11*time.Minute)).Status)
	q := url.Values{"start": {callback.FormatTime(monday)}, "end": {callback.FormatTime(monday.Add(30 * time.Minute))}}

	r := s.get(officePath + "/availability?" + q.Encode())
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var v1 map[string]string
	require.NoError(t, json.Unmarshal(r.Body, &v1))
	require.Equal(t, map[string]string{
		callback.FormatTime(monday):                      "2",
		callback.FormatTime(monday.Add(5 * time.Minute)): "1",
	}, v1, "closed after 17:00, the full 16:55 bucket left out")

	q.Set("timezone", "Europe/Paris")
	q.Set("report-busy", "true")
	r = s.get("/genesys/2/service/callback/office/availability?" + q.Encode())
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var v2 v2Answer
	require.NoError(t, json.Unmarshal(r.Body, &v2))
	require.Equal(t, 5, v2.DurationMin)
	require.Equal(t, "Europe/Paris", v2.Timezone)
	require.Len(t, v2.Slots, 3, "report-busy keeps the full bucket")
	paris := mustLoad("Europe/Paris")
	for i, sl := range v2.Slots {
		at := monday.Add(time.Duration(i) * 5 * time.Minute)
		require.Equal(t, callback.FormatTime(at), sl.UTCTime)
		require.Equal(t, at.In(paris).Format("2006-01-02T15:04:05.000"), sl.LocalTime)
		require.Equal(t, 2, sl.Total)
		require.Equal(t, []int{2, 1, 0}[i], sl.Capacity)
	}

	// v2 offset-less times are local to timezone; max-time-slots cuts.
	local := url.Values{"start": {monday.In(newYork).Format("2006-01-02T15:04:05.000")}, "number-of-days": {"1"},
		"timezone": {"America/New_York"}, "max-time-slots": {"1"}}
	r = s.get("/genesys/2/service/callback/office/availability?" + local.Encode())
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	v2 = v2Answer{}
	require.NoError(t, json.Unmarshal(r.Body, &v2))
	require.Len(t, v2.Slots, 1)
	require.Equal(t, callback.FormatTime(monday), v2.Slots[0].UTCTime)

	// start-ms and no end: one bucket.
	r = s.get("/genesys/2/service/callback/office/availability?start-ms=" + strconv.FormatInt(monday.UnixMilli(), 10))
	require.NoError(t, json.Unmarshal(r.Body, &v2))
	require.Len(t, v2.Slots, 1)
	require.Equal(t, "America/New_York", v2.Timezone, "default: the office's time zone")

	// v2 takes timestamp too, the alias of start (SPEC §2.5).
	r = s.get("/genesys/2/service/callback/office/availability?timestamp=" + url.QueryEscape(callback.FormatTime(monday)))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	v2 = v2Answer{}
	require.NoError(t, json.Unmarshal(r.Body, &v2))
	require.Len(t, v2.Slots, 1)
	require.Equal(t, callback.FormatTime(monday), v2.Slots[0].UTCTime)
}

func TestAvailabilityErrors(t *testing.T) {
	s := newStack(t)
	v1 := officePath + "/availability?"
	v2 := "/genesys/2/service/callback/office/availability?"
	m := s.get(v1+"number-of-days=8").envelope(t, 400, 40010, "BAD_PARAMETER")
	require.Equal(t, "day parameter must be between 1 and 7, inclusively. Actual value is: 8", m["message"])
	m = s.get(v1+"start=2014-12-03T15:00:00.000Z").envelope(t, 400, 40010, "BAD_PARAMETER")
	require.Equal(t, "No time slots available. The requested time period is in the past.", m["message"])
	s.get(v1+"start=2030-01-01T00:00:00Z&timestamp=2030-01-01T00:00:00Z").envelope(t, 400, 40010, "BAD_PARAMETER")
	s.get(v2+"end=2030-01-01T00:00:00Z&number-of-days=1").envelope(t, 400, 40010, "BAD_PARAMETER")
	s.get(v2+"timezone=Mars/Olympus").envelope(t, 400, 40010, "BAD_PARAMETER")
	s.get(v2+"report-busy=yes").envelope(t, 400, 40010, "BAD_PARAMETER")
	s.get(v2+"start=tomorrow").envelope(t, 400, 40010, "BAD_PARAMETER")
	s.get(v2+"start-ms=abc").envelope(t, 400, 40010, "BAD_PARAMETER")
	s.get(v2+"start=2030-01-01T00:00:00Z&timestamp=2030-01-01T00:00:00Z").envelope(t, 400, 40010, "BAD_PARAMETER")
	s.get(v2+"start-ms=1893456000000&timestamp=2030-01-01T00:00:00Z").envelope(t, 400, 40010, "BAD_PARAMETER")
	s.get(v1+"max-time-slots=0").envelope(t, 400, 40010, "BAD_PARAMETER")
	far := time.Now().Add(24 * time.Hour)
	s.get(v2+url.Values{"start": {callback.FormatTime(far)}, "end": {callback.FormatTime(far.Add(40 * 24 * time.Hour))}}.Encode()).envelope(t, 400, 40010, "BAD_PARAMETER")
	s.get("/genesys/1/service/callback/nope/availability").envelope(t, 500, 50020, "BAD_CONFIGURATION")
}
