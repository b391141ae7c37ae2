package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
)

func TestAdminBulkCancel(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	scheduled := s.schedule(cbPath, "1", time.Now().Add(time.Hour)).object(t)["_id"].(string)
	queued := s.postJSON(cbPath, map[string]any{"_customer_number": "2"}).object(t)["_id"].(string)
	routing := s.postJSON(cbPath, map[string]any{"_customer_number": "3"}).object(t)["_id"].(string)
	processing := s.postJSON(cbPath, map[string]any{"_customer_number": "4"}).object(t)["_id"].(string)
	require.Equal(t, http.StatusOK, s.putForm(cbPath+"/"+routing, url.Values{"_callback_state": {"ROUTING"}}).Status)
	require.Equal(t, http.StatusOK, s.putForm(cbPath+"/"+processing, url.Values{"_callback_state": {"PROCESSING"}}).Status)
	unknown := "00000000-0000-4000-8000-000000000000"

	r := s.admin(http.MethodPost, "/genesys/1/admin/callback/cancel", map[string]any{
		"reason": "AGENT_SHORTAGE", "ids": []string{scheduled, queued, routing, processing, unknown}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var out struct {
		Success []map[string]any `json:"success"`
		Errors  []map[string]any `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &out))
	require.ElementsMatch(t, []map[string]any{{"_id": scheduled}, {"_id": queued}, {"_id": routing}}, out.Success)
	require.ElementsMatch(t, []map[string]any{
		{"_id": processing, "code": 40020.0, "phrase": "INVALID_OPERATION", "message": "Callback " + processing + " cannot be cancelled or completed - _callback_state=PROCESSING"},
		{"_id": unknown, "code": 40030.0, "phrase": "CALLBACK_NOT_FOUND", "message": "Callback " + unknown + " cannot be found"},
	}, out.Errors)
	for _, id := range []string{scheduled, queued, routing} {
		st, reason := s.stateOf("cb", id)
		require.Equal(t, "COMPLETED", st)
		require.Equal(t, "AGENT_SHORTAGE", reason)
	}
	st, _ := s.stateOf("cb", processing)
	require.Equal(t, "PROCESSING", st)
	require.Len(t, s.ors.Cancels(), 2, "ORS cancel events for the two with a session")

	// Without a reason: CANCELLED_BY_ADMIN, which the export lists.
	id := s.schedule(cbPath, "5", time.Now().Add(time.Hour)).object(t)["_id"].(string)
	require.Equal(t, http.StatusOK, s.admin(http.MethodPost, "/genesys/1/admin/callback/cancel", map[string]any{"ids": []string{id}}).Status)
	_, reason := s.stateOf("cb", id)
	require.Equal(t, "CANCELLED_BY_ADMIN", reason)
	require.Equal(t, http.StatusOK, s.admin(http.MethodPost, "/genesys/1/admin/callback/reportcancelled", map[string]any{"callback_reason": "CANCELLED_BY_ADMIN"}).Status)

	s.admin(http.MethodPost, "/genesys/1/admin/callback/cancel", map[string]any{"ids": []string{}}).envelope(t, 400, 40010, "BAD_PARAMETER")
	s.send(http.MethodPost, "/genesys/1/admin/callback/cancel", "application/json", nil, nil).envelope(t, 401, 40100, "UNAUTHORIZED")
}

func TestPhoneNumberFacts(t *testing.T) {
	s := newStack(t)
	facts := func(q url.Values) map[string]any {
		r := s.get("/genesys/1/phonenumber?" + q.Encode())
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		return r.object(t)
	}
	fr := facts(url.Values{"number": {"+33 6 12 34 56 78"}})
	require.Equal(t, "MOBILE", fr["number-type"])
	require.Equal(t, "FR", fr["region-code"])
	require.Equal(t, "+33612345678", fr["number-E164"])
	require.EqualValues(t, 33, fr["country-code"])
	require.Equal(t, true, fr["is-valid-number"])

	de := facts(url.Values{"number": {"030 123456"}, "country": {"DE"}, "geocodingLocale": {"de"}})
	require.Equal(t, "FIXED_LINE", de["number-type"])
	require.Equal(t, "DE", de["region-code"])
	require.Equal(t, "FROM_DEFAULT_COUNTRY", de["country-code-source"])
	require.Equal(t, "Berlin", de["location"])

	us := facts(url.Values{"number": {"1-900-555-0100"}, "country": {"US"}})
	require.Equal(t, "PREMIUM_RATE", us["number-type"])
	require.Equal(t, true, us["is-premium"])

	m := s.get("/genesys/1/phonenumber?number=abc&country=US").envelope(t, 400, 40010, "BAD_PARAMETER")
	require.Equal(t, "Invalid Phone Number abc for Country US (parsing impossible)", m["message"])
	s.get("/genesys/1/phonenumber").envelope(t, 400, 40010, "BAD_PARAMETER")
}

func TestCapacityServiceGrid(t *testing.T) {
	s := newStack(t)
	path := "/genesys/1/service/callback/gridded"
	monday9 := nextWeekday(time.Monday, 9, 0)
	require.Equal(t, http.StatusOK, s.schedule(path, "1", monday9.Add(10*time.Minute)).Status)
	m := s.schedule(path, "2", monday9.Add(20*time.Minute)).envelope(t, 400, 40051, "SLOT_UNAVAILABLE_PROPOSAL")
	require.Contains(t, m["message"], "Too many requests")
	for slot, left := range m["availability"].(map[string]any) {
		at, err := time.Parse(time.RFC3339, slot)
		require.NoError(t, err)
		require.Equal(t, time.Monday, at.In(newYork).Weekday(), "only Mondays have places")
		require.GreaterOrEqual(t, at.In(newYork).Hour(), 10, "10:00 onwards has 3 places")
		require.EqualValues(t, 3, left)
	}
	require.Equal(t, http.StatusOK, s.schedule(path, "3", monday9.Add(70*time.Minute)).Status)
	s.schedule(path, "4", monday9.Add(-time.Hour)).envelope(t, 400, 40051, "SLOT_UNAVAILABLE_PROPOSAL") // before the first key: no place

	q := url.Values{"start": {callback.FormatTime(monday9.Add(-time.Hour))}, "end": {callback.FormatTime(monday9.Add(3 * time.Hour))}, "report-busy": {"true"}}
	r := s.get("/genesys/2/service/callback/gridded/availability?" + q.Encode())
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var v2 v2Answer
	require.NoError(t, json.Unmarshal(r.Body, &v2))
	var got [][2]int
	for _, sl := range v2.Slots {
		got = append(got, [2]int{sl.Capacity, sl.Total})
	}
	require.Equal(t, [][2]int{{0, 0}, {0, 1}, {2, 3}, {3, 3}}, got, "total from the grid, not _max_request_by_time_bucket")
}
