package api_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/config"
)

const cbPath = "/genesys/1/service/callback/cb"

func TestImmediateCallbackCompletesThroughORS(t *testing.T) {
	s := newStack(t)
	r := s.postJSON(cbPath, map[string]any{"_customer_number": "5115", "usr_name": "Bob Markel", "usr_account": 42})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	body := r.object(t)
	id := body["_id"].(string)
	require.Equal(t, "ConfirmationDialog", body["Action"])
	require.Equal(t, "You will receive the call shortly", body["Text"])
	require.Equal(t, "ConfirmationDialog", body["_action"])

	starts := s.ors.Starts()
	require.Len(t, starts, 1, "ORS accepted before the POST answered")
	require.Equal(t, id, starts[0].Key, "idempotency key is the _id")
	require.Equal(t, "callback.scxml", starts[0].Src)
	require.Equal(t, "5115", starts[0].Params["_customer_number"])
	require.Equal(t, "cb", starts[0].Params["_service_name"])
	require.Equal(t, s.url+cbPath+"/"+id, starts[0].Params["_callback_url"])

	eventually(t, 10*time.Second, func() bool {
		st, _ := s.stateOf("cb", id)
		return st == "COMPLETED"
	}, "callback %s never completed", id)
	rec := s.lookupOne("cb", id)
	require.Equal(t, "AGENT_CONNECTED", rec["_callback_reason"])
	require.Equal(t, starts[0].SessionID, rec["_ors_session_id"])
	require.Equal(t, "Bob Markel", rec["usr_name"], "returned-keys")
	require.Equal(t, "/1/service/callback/cb/"+id, rec["_url"])
	require.Equal(t, rec["_url"], rec["url"])
	require.Equal(t, rec["_desired_time"], rec["desired_time"])

	byNumber := s.get(cbPath + "?_customer_number=5115").records(t)
	require.Len(t, byNumber, 1)
	require.Equal(t, id, byNumber[0]["_id"])
	byAccount := s.get("/genesys/1/service/callback?usr_account=42").records(t)
	require.Len(t, byAccount, 1, "lookup across services by a lookup key")
	require.Equal(t, "42", byAccount[0]["usr_account"], "records carry the service's _customer_lookup_keys")
	require.NotContains(t, byAccount[0], "usr_customer_name", "but not every property")
	require.Equal(t, 1, s.ors.SessionsFor(id))

	m := s.get("/metrics")
	require.Equal(t, http.StatusOK, m.Status)
	for _, series := range []string{
		`gms_callbacks_started_total{service="cb",state="QUEUED"}`,
		`gms_callbacks_completed_total{reason="AGENT_CONNECTED",service="cb"}`,
		`gms_ors_submit_attempts_total{outcome="ok",service="cb"}`,
		`gms_fire_lateness_seconds_count{service="cb"}`,
		`gms_http_request_duration_seconds_bucket{method="POST",route="/genesys/1/service/:a/:b",status="200"`,
		`temporal_request_latency_seconds_bucket{`, // the SDK's own metrics, as histograms
	} {
		require.Contains(t, string(m.Body), series)
	}
	require.NotContains(t, string(m.Body), "temporal_temporal_", "one prefix")
	s.putForm(cbPath+"/"+id, url.Values{"_callback_state": {"ROUTING"}}).envelope(t, 400, 40020, "INVALID_OPERATION")
	s.do(http.MethodDelete, cbPath+"/"+id, "", nil).envelope(t, 400, 40020, "INVALID_OPERATION")
	s.recordHistory("immediate-completed", id)
}

func TestScheduledCallbackFiresAtDesiredTime(t *testing.T) {
	s := newStack(t)
	desired := time.Now().Add(3 * time.Second).UTC()
	r := s.postJSON(cbPath, map[string]any{"_customer_number": "5116", "_desired_time": callback.FormatTime(desired)})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	id := r.object(t)["_id"].(string)
	require.Len(t, r.object(t), 1, "a scheduled start answers only its _id")

	st, _ := s.stateOf("cb", id)
	require.Equal(t, "SCHEDULED", st, "visible at once")
	require.Empty(t, s.ors.Starts(), "not submitted before its time")

	eventually(t, 15*time.Second, func() bool {
		st, _ := s.stateOf("cb", id)
		return st == "COMPLETED"
	}, "scheduled callback never completed")
	starts := s.ors.Starts()
	require.Len(t, starts, 1)
	require.False(t, starts[0].Time.Before(desired.Truncate(time.Millisecond)), "submitted at %v, before desired %v", starts[0].Time, desired)
	require.WithinDuration(t, desired, starts[0].Time, 3*time.Second)
	s.recordHistory("scheduled-completed", id)
}

func TestCancelAndRescheduleAreVisibleInLookups(t *testing.T) {
	s := newStack(t)
	inAnHour := callback.FormatTime(time.Now().Add(time.Hour))
	a := s.postJSON(cbPath, map[string]any{"_customer_number": "5117", "_desired_time": inAnHour}).object(t)["_id"].(string)
	b := s.postJSON(cbPath, map[string]any{"_customer_number": "5118", "_desired_time": inAnHour}).object(t)["_id"].(string)

	r := s.do(http.MethodDelete, cbPath+"/"+a, "", nil)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.JSONEq(t, `{}`, string(r.Body))
	st, reason := s.stateOf("cb", a)
	require.Equal(t, "COMPLETED", st)
	require.Equal(t, "CANCELLED", reason)
	m := s.do(http.MethodDelete, cbPath+"/"+a, "", nil).envelope(t, 400, 40020, "INVALID_OPERATION")
	require.Equal(t, "Callback "+a+" cannot be cancelled or completed - _callback_state=COMPLETED", m["message"])

	later := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	r = s.putForm(cbPath+"/"+b, url.Values{"_new_desired_time": {callback.FormatTime(later)}, "usr_note": {"moved"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	rec := s.lookupOne("cb", b)
	require.Equal(t, callback.FormatTime(later), rec["_desired_time"])
	require.Equal(t, callback.FormatTime(later.Add(callback.Retention)), rec["_expiration_time"])
	require.Equal(t, "SCHEDULED", rec["_callback_state"])

	inWindow := s.get(cbPath + "?_customer_number=5118&_desired_time_from=" + url.QueryEscape(callback.FormatTime(later)) + "&_callback_state=SCHEDULED").records(t)
	require.Len(t, inWindow, 1)
	require.Empty(t, s.get(cbPath+"?_customer_number=5118&_callback_state=!SCHEDULED").records(t))
	require.Len(t, s.get(cbPath+"?_customer_number=5117&_customer_number=5118&operand=OR").records(t), 1, "repeated key: first value")
	require.Empty(t, s.ors.Starts())
	s.recordHistory("scheduled-cancelled", a)
	require.Equal(t, http.StatusOK, s.do(http.MethodDelete, cbPath+"/"+b, "", nil).Status)
	s.recordHistory("rescheduled-cancelled", b)
}

func TestORSStatePutsAndPropertyUpdates(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	id := s.postJSON(cbPath, map[string]any{"_customer_number": "5119", "usr_name": "A"}).object(t)["_id"].(string)
	require.Equal(t, http.StatusOK, s.putForm(cbPath+"/"+id, url.Values{"_callback_state": {"PROCESSING"}, "usr_name": {"B"}}).Status)
	rec := s.lookupOne("cb", id)
	require.Equal(t, "PROCESSING", rec["_callback_state"])
	require.Equal(t, "B", rec["usr_name"])
	// A lookup finds it by an earlier value of a lookup key too.
	require.Equal(t, http.StatusOK, s.putForm(cbPath+"/"+id, url.Values{"_customer_number": {"5120"}}).Status)
	require.Len(t, s.get(cbPath+"?_customer_number=5119").records(t), 1)
	require.Len(t, s.get(cbPath+"?_customer_number=5120").records(t), 1)
	r := s.putForm(cbPath+"/"+id, url.Values{"_callback_state": {"COMPLETED"}, "_callback_reason": {"AGENT_CONNECTED"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	st, reason := s.stateOf("cb", id)
	require.Equal(t, "COMPLETED", st)
	require.Equal(t, "AGENT_CONNECTED", reason)
	m := s.putForm(cbPath+"/"+id, url.Values{"usr_name": {"C"}}).envelope(t, 400, 40020, "INVALID_OPERATION")
	require.Contains(t, m["message"], "reached state COMPLETED")
	s.recordHistory("ors-puts-and-properties", id)
}

func TestImmediateSubmitExhaustedAnswers50006(t *testing.T) {
	s := newStack(t)
	s.ors.SetFailFirst(1000)
	r := s.postJSON(cbPath, map[string]any{"_customer_number": "5121"})
	m := r.envelope(t, 500, 50006, "ORS_MAX_SUBMIT_RETRIES")
	require.Equal(t, float64(3), m["properties"].(map[string]any)["max-attempts"], "a JSON number, as the seed shows it")
	id := m["properties"].(map[string]any)["id"].(string)
	require.Equal(t, 3, s.ors.Attempts(id), "_max_ors_submit_attempts")
	require.Zero(t, s.ors.SessionsFor(id))
	st, reason := s.stateOf("cb", id)
	require.Equal(t, "COMPLETED", st)
	require.Equal(t, "SUBMIT_ERROR", reason)
	s.recordHistory("submit-exhausted", id)
}

func TestRetriedSubmitStartsOneSession(t *testing.T) {
	s := newStack(t)
	s.ors.SetFailFirst(2)
	r := s.postJSON(cbPath, map[string]any{"_customer_number": "5122"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	id := r.object(t)["_id"].(string)
	require.Equal(t, 3, s.ors.Attempts(id))
	require.Equal(t, 1, s.ors.SessionsFor(id))
}

func TestCancelQueuedSendsORSCancel(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	id := s.postJSON(cbPath, map[string]any{"_customer_number": "5123"}).object(t)["_id"].(string)
	session := s.lookupOne("cb", id)["_ors_session_id"]
	require.NotEmpty(t, session)

	s.ors.SetCancelStatus(http.StatusInternalServerError)
	s.do(http.MethodDelete, cbPath+"/"+id, "", nil).envelope(t, 500, 50030, "ORS_ERROR")
	st, _ := s.stateOf("cb", id)
	require.Equal(t, "QUEUED", st, "a refused ORS cancel changes nothing")

	r := s.do(http.MethodDelete, cbPath+"/"+id+"?discard_ors_failure=true", "", nil)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	st, reason := s.stateOf("cb", id)
	require.Equal(t, "COMPLETED", st)
	require.Equal(t, "CANCELLED", reason)
	require.Empty(t, s.ors.Cancels(), "ORS refused both")
	s.recordHistory("queued-cancel-refused-then-discarded", id)

	s.ors.SetCancelStatus(0)
	id = s.postJSON(cbPath, map[string]any{"_customer_number": "5126"}).object(t)["_id"].(string)
	session = s.lookupOne("cb", id)["_ors_session_id"]
	require.Equal(t, http.StatusOK, s.do(http.MethodDelete, cbPath+"/"+id, "", nil).Status)
	require.Equal(t, []string{session}, s.ors.Cancels())
	st, reason = s.stateOf("cb", id)
	require.Equal(t, "COMPLETED", st)
	require.Equal(t, "CANCELLED", reason)
}

func TestStartAcceptsFormAndMultipart(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	desired := callback.FormatTime(time.Now().Add(time.Hour))
	form := url.Values{"_customer_number": {"5124"}, "_desired_time": {desired}, "usr_name": {"form"}}
	r := s.do(http.MethodPost, cbPath, "application/x-www-form-urlencoded", bytes.NewBufferString(form.Encode()))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.Equal(t, "form", s.lookupOne("cb", r.object(t)["_id"].(string))["usr_name"])

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(t, mw.WriteField("_customer_number", "5125"))
	require.NoError(t, mw.WriteField("_desired_time", desired))
	require.NoError(t, mw.WriteField("usr_name", "multipart"))
	require.NoError(t, mw.Close())
	r = s.do(http.MethodPost, cbPath, mw.FormDataContentType(), &buf)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.Equal(t, "multipart", s.lookupOne("cb", r.object(t)["_id"].(string))["usr_name"])
}

func TestHealthz(t *testing.T) {
	s := newStack(t)
	r := s.get("/healthz")
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
}

// A callback booked hours ahead on a service that reads the expected wait
// time, then brought forward: it falls due within seconds.
func TestBookedAheadWithExpectedWaitRescheduledCompletes(t *testing.T) {
	s := newStack(t)
	path := "/genesys/1/service/callback/ewt"
	id := s.schedule(path, "5121", time.Now().Add(3*time.Hour).UTC().Truncate(time.Second)).object(t)["_id"].(string)
	soon := time.Now().Add(2*time.Minute + 6*time.Second).UTC().Truncate(time.Second)
	require.Equal(t, http.StatusOK, s.putForm(path+"/"+id, url.Values{"_new_desired_time": {callback.FormatTime(soon)}}).Status)
	eventually(t, 30*time.Second, func() bool {
		st, _ := s.stateOf("ewt", id)
		return st == "COMPLETED"
	}, "never completed")
	require.Len(t, s.ors.Starts(), 1)
	require.False(t, s.ors.Starts()[0].Time.Before(soon.Add(-2*time.Minute)), "not submitted before due")
	s.recordHistory("booked-ahead-ewt-rescheduled-completed", id)
}

// "Changes take effect immediately": a callback booked before a
// configuration change is submitted with the options in force when it
// falls due.
func TestConfigurationChangeReachesABookedCallback(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	id := s.schedule(cbPath, "5122", time.Now().Add(4*time.Second)).object(t)["_id"].(string)

	s.reconfigure("cb", "_vq_for_outbound_calls", "VQ_CHANGED", nil)

	eventually(t, 20*time.Second, func() bool { return len(s.ors.Starts()) == 1 }, "never submitted")
	start := s.ors.Starts()[0]
	require.Equal(t, id, start.Params["_id"])
	require.Equal(t, "VQ_CHANGED", start.Params["_vq_for_outbound_calls"], "the option in force when due, not at booking")
}

// returned-keys naming a configured option (not a request property) show
// its value in force, in lookups and in the admin queues.
func TestReturnedKeysShowConfiguredOptions(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	id := s.schedule(cbPath, "5123", time.Now().Add(time.Hour)).object(t)["_id"].(string)
	require.NotContains(t, s.lookupOne("cb", id), "_app_url", "not a returned key yet")

	s.reconfigure("cb", "_app_url", "changed.scxml", func(cfg *config.Config) {
		cfg.ReturnedKeys = append(slices.Clone(cfg.ReturnedKeys), "_app_url")
	})

	require.Equal(t, "changed.scxml", s.lookupOne("cb", id)["_app_url"], "the configured value in force")
	r := s.send(http.MethodGet, "/genesys/1/admin/callback/queues?service_name=cb", "", nil, asAdmin)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var queues map[string][]map[string]string
	require.NoError(t, json.Unmarshal(r.Body, &queues))
	found := false
	for _, rec := range queues["cb"] {
		if rec["_id"] == id {
			found = true
			require.Equal(t, "changed.scxml", rec["_app_url"])
		}
	}
	require.True(t, found, "the callback is in its queue: %s", r.Body)
}

// filter-keys naming a configured option filter the admin queues by its
// value in force, for callbacks that do not carry it themselves.
func TestFilterKeysSeeConfiguredOptions(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	id := s.schedule(cbPath, "5124", time.Now().Add(time.Hour)).object(t)["_id"].(string)
	s.reconfigure("cb", "_app_url", "changed.scxml", func(cfg *config.Config) {
		cfg.FilterKeys = append(slices.Clone(cfg.FilterKeys), "_app_url")
	})

	listed := func(filter string) bool {
		r := s.send(http.MethodGet, "/genesys/1/admin/callback/queues?target=cb&"+filter, "", nil, asAdmin)
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		return strings.Contains(string(r.Body), id)
	}
	require.True(t, listed("_app_url=changed.scxml"), "the configured value matches")
	require.False(t, listed("_app_url=callback.scxml"), "the value configured at booking does not")
	require.False(t, listed("_app_url=!changed.scxml"), "excluded by its configured value")
	require.True(t, listed("_app_url=!other.scxml"))
}

// reconfigure installs a copy of the stack's configuration with option k
// of service set to v and edit (if any) applied, as a reload does; the
// stack's worker reads the same configuration.
func (s *stack) reconfigure(service, k, v string, edit func(*config.Config)) {
	old := s.srv.Config()
	cfg := *old
	cfg.Services = maps.Clone(old.Services)
	svc := *old.Services[service]
	svc.Options = maps.Clone(svc.Options)
	svc.Options[k] = v
	cfg.Services[service] = &svc
	if edit != nil {
		edit(&cfg)
	}
	s.srv.SetConfig(&cfg)
}
