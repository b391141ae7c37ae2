package api_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
)

func TestStartErrors(t *testing.T) {
	s := newStack(t)
	future := func(d time.Duration) string { return callback.FormatTime(time.Now().Add(d)) }
	cases := []struct {
		name        string
		path        string
		contentType string
		body        string
		status      int
		code        int
		phrase      string
		message     string // prefix
	}{
		{"unknown service", "/genesys/1/service/callback/nope", "application/json", `{"_customer_number":"1"}`,
			500, 50020, "BAD_CONFIGURATION", "Service undefined: nope"},
		{"not a callback service", "/genesys/1/service/callback/broken", "application/json", `{"_customer_number":"1"}`,
			500, 50020, "BAD_CONFIGURATION", "Service broken has option _service != callback"},
		{"malformed JSON", cbPath, "application/json", `{"_customer_number":`,
			400, 40010, "BAD_PARAMETER", "Malformed JSON body"},
		{"JSON not an object", cbPath, "application/json", `["5115"]`,
			400, 40010, "BAD_PARAMETER", "Malformed JSON body"},
		{"unsupported content type", cbPath, "text/plain", `_customer_number=5115`,
			400, 40010, "BAD_PARAMETER", "Unsupported content type"},
		{"bad desired time", cbPath, "application/json", `{"_customer_number":"1","_desired_time":"tomorrow"}`,
			400, 40010, "BAD_PARAMETER", "Invalid _desired_time"},
		{"desired time in the past", cbPath, "application/json", `{"_customer_number":"1","_desired_time":"` + future(-time.Hour) + `"}`,
			400, 40010, "BAD_PARAMETER", "Callback "},
		{"desired time too far", cbPath, "application/json", `{"_customer_number":"1","_desired_time":"` + future(400*24*time.Hour) + `"}`,
			400, 40010, "BAD_PARAMETER", "Callback request contains _desired_time property too far in future (-300s < "},
		{"missing customer number", cbPath, "application/json", `{"usr_name":"Bob"}`,
			400, 40010, "BAD_PARAMETER", "Callback "},
		{"empty mandatory option", cbPath, "application/json", `{"_customer_number":"1","_media_type":""}`,
			400, 40010, "BAD_PARAMETER", "Cannot create service, empty mandatory callback option _media_type"},
		{"bad forced state", cbPath, "application/json", `{"_customer_number":"1","_callback_state":"DONE"}`,
			400, 40010, "BAD_PARAMETER", "Invalid _callback_state: DONE"},
		{"bad option from request", "/genesys/1/service/callback/buffered", "application/json", `{"_customer_number":"1","_max_ors_submit_attempts":"many"}`,
			400, 40010, "BAD_PARAMETER", "Invalid _max_ors_submit_attempts: many"},
		{"phone checks without a country", "/genesys/1/service/callback/no-country", "application/json", `{"_customer_number":"1"}`,
			500, 50020, "BAD_CONFIGURATION", "Service option no-country / _default_country is not configured. But option _disallow_impossible_phone_numbers is set."},
		{"unknown office hours", "/genesys/1/service/callback/bad-hours", "application/json", `{"_customer_number":"1"}`,
			500, 50020, "BAD_CONFIGURATION", "Option _business_hours_service is invalid: "},
		{"office never open", "/genesys/1/service/callback/never-open", "application/json", `{"_customer_number":"1"}`,
			400, 40050, "SLOT_UNAVAILABLE", "No time slots available."},
		{"unknown service POST route", "/genesys/1/service/other/x", "application/json", `{}`,
			404, 40400, "NOT_FOUND", "No such resource"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := s.do(http.MethodPost, tc.path, tc.contentType, strings.NewReader(tc.body)).envelope(t, tc.status, tc.code, tc.phrase)
			require.True(t, strings.HasPrefix(m["message"].(string), tc.message), "message %q", m["message"])
		})
	}
	require.Empty(t, s.ors.Starts(), "no rejected request reached ORS")
	var n int
	require.NoError(t, s.store.DB.Get(&n, "SELECT count(*) FROM callbacks"))
	require.Zero(t, n, "no rejected request left a row")
}

func TestDesiredTimeMessages(t *testing.T) {
	s := newStack(t)
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	m := s.postJSON(cbPath, map[string]any{"_customer_number": "1", "_desired_time": callback.FormatTime(past)}).envelope(t, 400, 40010, "BAD_PARAMETER")
	require.Regexp(t, `^Callback [0-9a-f-]{36} contains _desired_time property in the past \(-300s < -3[56][0-9][0-9]s < 31536000s\) - epoch `+
		strconv.FormatInt(past.Unix(), 10)+`s$`, m["message"])
	m = s.postJSON(cbPath, map[string]any{"usr_name": "x"}).envelope(t, 400, 40010, "BAD_PARAMETER")
	require.Regexp(t, `^Callback [0-9a-f-]{36} does not contain the mandatory customer lookup keys _customer_number$`, m["message"])
	require.Equal(t, "_customer_number", m["properties"].(map[string]any)["keys"])
}

func TestCancelAndUpdateErrors(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	scheduled := s.postJSON(cbPath, map[string]any{"_customer_number": "7001", "_desired_time": callback.FormatTime(time.Now().Add(time.Hour))}).object(t)["_id"].(string)
	queued := s.postJSON(cbPath, map[string]any{"_customer_number": "7002"}).object(t)["_id"].(string)
	unknown := "00000000-0000-4000-8000-000000000000"

	m := s.do(http.MethodDelete, cbPath+"/"+unknown, "", nil).envelope(t, 400, 40030, "CALLBACK_NOT_FOUND")
	require.Equal(t, "Callback "+unknown+" cannot be found", m["message"])
	s.do(http.MethodDelete, "/genesys/1/service/callback/buffered/"+scheduled, "", nil).envelope(t, 400, 40030, "CALLBACK_NOT_FOUND")
	s.do(http.MethodDelete, "/genesys/1/service/callback/nope/"+scheduled, "", nil).envelope(t, 500, 50020, "BAD_CONFIGURATION")
	s.do(http.MethodDelete, cbPath+"/"+scheduled+"?discard_ors_failure=maybe", "", nil).envelope(t, 400, 40010, "BAD_PARAMETER")

	s.putForm(cbPath+"/"+unknown, url.Values{"usr_x": {"1"}}).envelope(t, 400, 40030, "CALLBACK_NOT_FOUND")
	s.putForm(cbPath+"/"+scheduled, url.Values{"_callback_state": {"NOPE"}}).envelope(t, 400, 40010, "BAD_PARAMETER")
	s.putForm(cbPath+"/"+scheduled, url.Values{"_new_desired_time": {"soon"}}).envelope(t, 400, 40010, "BAD_PARAMETER")
	s.putForm(cbPath+"/"+scheduled, url.Values{"_new_desired_time": {callback.FormatTime(time.Now().Add(-time.Hour))}}).envelope(t, 400, 40010, "BAD_PARAMETER")
	m = s.putForm(cbPath+"/"+scheduled, url.Values{"_customer_number": {""}}).envelope(t, 400, 40010, "BAD_PARAMETER")
	require.Equal(t, "Callback "+scheduled+" does not contain the mandatory customer lookup keys _customer_number", m["message"])
	m = s.putForm(cbPath+"/"+queued, url.Values{"_new_desired_time": {callback.FormatTime(time.Now().Add(time.Hour))}}).envelope(t, 400, 40020, "INVALID_OPERATION")
	require.Equal(t, "Callback "+queued+" is no longer scheduled. State=QUEUED", m["message"])
	s.putForm(cbPath+"/"+queued, url.Values{"_callback_state": {"SCHEDULED"}}).envelope(t, 400, 40020, "INVALID_OPERATION")
	s.do(http.MethodPut, cbPath+"/"+queued, "application/json", strings.NewReader(`{`)).envelope(t, 400, 40010, "BAD_PARAMETER")

	st, _ := s.stateOf("cb", scheduled)
	require.Equal(t, "SCHEDULED", st, "rejected requests changed nothing")
	st, _ = s.stateOf("cb", queued)
	require.Equal(t, "QUEUED", st)
}

func TestLookupErrors(t *testing.T) {
	s := newStack(t)
	m := s.get(cbPath).envelope(t, 400, 40010, "BAD_PARAMETER")
	require.Equal(t, "No lookup possible. No properties to look for.", m["message"])
	m = s.get(cbPath+"?usr_name=Bob").envelope(t, 400, 40010, "BAD_PARAMETER")
	require.Equal(t, "No such lookup possible for {usr_name=Bob}", m["message"])
	require.Equal(t, "{usr_name=Bob}", m["properties"].(map[string]any)["properties"])
	m = s.get(cbPath+"?_customer_number=1&_callback_state=DONE").envelope(t, 400, 40020, "INVALID_OPERATION")
	require.Equal(t, "Cannot process 'filter' parameter correctly : _callback_state=DONE", m["message"])
	s.get(cbPath+"?_customer_number=1&operand=XOR").envelope(t, 400, 40010, "BAD_PARAMETER")
	s.get(cbPath+"?_customer_number=1&_desired_time_from=yesterday").envelope(t, 400, 40010, "BAD_PARAMETER")
	s.get("/genesys/1/service/callback/nope?_customer_number=1").envelope(t, 500, 50020, "BAD_CONFIGURATION")
	r := s.get(cbPath + "?_customer_number=nobody")
	require.Equal(t, http.StatusOK, r.Status)
	require.JSONEq(t, `[]`, string(r.Body))
}

func TestRoutingAndLimits(t *testing.T) {
	s := newStack(t)
	s.get("/nowhere").envelope(t, 404, 40400, "NOT_FOUND")
	s.do(http.MethodPatch, cbPath, "", nil).envelope(t, 405, 40500, "METHOD_NOT_ALLOWED")
	big := bytes.Repeat([]byte("a"), 2<<20)
	body := append([]byte(`{"_customer_number":"1","usr_blob":"`), append(big, []byte(`"}`)...)...)
	s.do(http.MethodPost, cbPath, "application/json", bytes.NewReader(body)).envelope(t, 413, 40010, "BAD_PARAMETER")
}

func TestHealthzReportsADownDatabase(t *testing.T) {
	s := newStack(t)
	require.NoError(t, s.store.Close())
	m := s.get("/healthz").envelope(t, 503, 50300, "SERVICE_UNAVAILABLE")
	require.Contains(t, m["message"], "PostgreSQL")
}
