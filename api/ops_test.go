package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"golang.org/x/crypto/bcrypt"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/internal/testenv"
)

func (s *stack) admin(method, path string, body any) reply {
	s.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		data, err := json.Marshal(body)
		require.NoError(s.t, err)
		rd = bytes.NewReader(data)
	} else {
		rd = bytes.NewReader(nil)
	}
	return s.send(method, path, "application/json", rd, asAdmin)
}

func TestAdminAuthentication(t *testing.T) {
	s := newStack(t)
	routes := []struct{ method, path string }{
		{http.MethodGet, "/genesys/1/admin/callback/queues"},
		{http.MethodGet, "/genesys/1/admin/callback/watermarks"},
		{http.MethodPost, "/genesys/1/admin/callback/ops/delete"},
		{http.MethodPost, "/genesys/1/admin/callback/reportcancelled"},
	}
	creds := map[string]func(*http.Request){
		"missing":      nil,
		"wrong":        func(r *http.Request) { r.SetBasicAuth("admin", "nope") },
		"unknown user": func(r *http.Request) { r.SetBasicAuth("root", adminPassword) },
		"malformed":    func(r *http.Request) { r.Header.Set("Authorization", "Basic !!!not-base64") },
		"not basic":    func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") },
	}
	for _, rt := range routes {
		for name, auth := range creds {
			r := s.send(rt.method, rt.path, "application/json", strings.NewReader(`{}`), auth)
			r.envelope(t, 401, 40100, "UNAUTHORIZED")
			require.Equal(t, `Basic realm="GMS"`, r.Header.Get("WWW-Authenticate"), "%s %s %s", rt.method, rt.path, name)
		}
	}
	require.Equal(t, http.StatusOK, s.admin(http.MethodGet, "/genesys/1/admin/callback/watermarks", nil).Status)
	require.Equal(t, http.StatusOK, s.admin(http.MethodGet, "/genesys/1/admin/callback/watermarks", nil).Status, "remembered")
	for _, auth := range creds { // accepted credentials remembered: the wrong ones still fail
		s.send(http.MethodGet, "/genesys/1/admin/callback/watermarks", "", nil, auth).envelope(t, 401, 40100, "UNAUTHORIZED")
	}
	// A new configuration with another hash for the user: the remembered
	// password no longer opens.
	cfg := *s.srv.Config()
	changed, err := bcrypt.GenerateFromPassword([]byte("changed"), bcrypt.MinCost)
	require.NoError(t, err)
	cfg.AdminUsers = map[string]string{"admin": string(changed)}
	s.srv.SetConfig(&cfg)
	s.admin(http.MethodGet, "/genesys/1/admin/callback/watermarks", nil).envelope(t, 401, 40100, "UNAUTHORIZED")
	r := s.send(http.MethodGet, "/genesys/1/admin/callback/watermarks", "", nil, func(r *http.Request) { r.SetBasicAuth("admin", "changed") })
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	// A DELETE with wrong admin credentials is refused too.
	id := s.schedule(cbPath, "1", time.Now().Add(time.Hour)).object(t)["_id"].(string)
	s.send(http.MethodDelete, cbPath+"/"+id, "", nil, creds["wrong"]).envelope(t, 401, 40100, "UNAUTHORIZED")
}

func TestWatermarks(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	for _, n := range []string{"1", "2"} {
		require.Equal(t, http.StatusOK, s.postJSON(cbPath, map[string]any{"_customer_number": n}).Status)
	}
	s.schedule(cbPath, "3", time.Now().Add(time.Hour))
	var got struct {
		Total    int            `json:"total"`
		Services map[string]int `json:"services"`
	}
	r := s.admin(http.MethodGet, "/genesys/1/admin/callback/watermarks", nil)
	require.NoError(t, json.Unmarshal(r.Body, &got))
	require.Equal(t, 2, got.Total)
	require.Equal(t, 2, got.Services["cb"])
	require.Contains(t, got.Services, "office", "every callback service, zeros too")
	require.NotContains(t, got.Services, "hours", "builtin sections are not callback services")

	r = s.admin(http.MethodGet, "/genesys/1/admin/callback/watermarks?service_name=cb&service_name=unknown", nil)
	require.JSONEq(t, `{"total":2,"services":{"cb":2,"unknown":0}}`, string(r.Body))
}

func TestQueues(t *testing.T) {
	s := newStack(t)
	now := time.Now()
	a := s.schedule(cbPath, "1", now.Add(time.Hour)).object(t)["_id"].(string)
	b := s.schedule(cbPath, "2", now.Add(2*time.Hour)).object(t)["_id"].(string)
	s.schedule(cbPath, "3", now.Add(48*time.Hour))
	s.schedule("/genesys/1/service/callback/strict", "4", now.Add(time.Hour))

	queues := func(q string) map[string][]map[string]string {
		r := s.admin(http.MethodGet, "/genesys/1/admin/callback/queues"+q, nil)
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		var out map[string][]map[string]string
		require.NoError(t, json.Unmarshal(r.Body, &out))
		return out
	}
	all := queues("")
	require.Len(t, all, 2, "one group per service, no empty groups")
	require.Equal(t, []string{a, b}, ids(all["cb"]), "due within 24 h, in desired-time order")
	require.Equal(t, "/1/service/callback/cb/"+a, all["cb"][0]["url"])
	require.Equal(t, all["cb"][0]["url"], all["cb"][0]["_url"])

	require.Equal(t, []string{a}, ids(queues("?target=cb&max=1")["cb"]))
	require.Len(t, queues("?target=cb&end_time=" + url.QueryEscape(callback.FormatTime(now.Add(72*time.Hour))))["cb"], 3)
	require.Len(t, queues("?target=cb&_callback_state=SCHEDULED")["cb"], 2)
	require.Empty(t, queues("?target=cb&_callback_state=!SCHEDULED"))
	require.Len(t, queues("?target=cb&usr_not_a_filter_key=1")["cb"], 2, "keys outside filter-keys are ignored")

	// A callback completed within 3 hours is still listed.
	require.Equal(t, http.StatusOK, s.do(http.MethodDelete, cbPath+"/"+a, "", nil).Status)
	done := queues("?target=cb&_callback_state=COMPLETED")["cb"]
	require.Equal(t, []string{a}, ids(done))
	require.Equal(t, "CANCELLED", done[0]["_callback_reason"])

	m := s.admin(http.MethodGet, "/genesys/1/admin/callback/queues?end_time="+url.QueryEscape(callback.FormatTime(now.Add(40*24*time.Hour))), nil).
		envelope(t, 400, 40020, "INVALID_OPERATION")
	require.Regexp(t, `^Query range spans too wide time range \(\d+ / 2592000\)\. Adjust query parameters for time range\.$`, m["message"])
	s.admin(http.MethodGet, "/genesys/1/admin/callback/queues?max=0", nil).envelope(t, 400, 40010, "BAD_PARAMETER")
	s.admin(http.MethodGet, "/genesys/1/admin/callback/queues?end_time=soon", nil).envelope(t, 400, 40010, "BAD_PARAMETER")
	s.admin(http.MethodGet, "/genesys/1/admin/callback/queues?target=nope", nil).envelope(t, 500, 50020, "BAD_CONFIGURATION")
}

func ids(recs []map[string]string) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r["_id"])
	}
	return out
}

func TestForgetMeDeletesRowsAndHistories(t *testing.T) {
	t.Parallel() // a closed execution is deleted by Temporal some seconds later
	s := newStack(t)
	s.ors.SetDrive(false)
	later := time.Now().Add(time.Hour)
	scheduled := s.schedule(cbPath, "7777", later).object(t)["_id"].(string)
	completed := s.schedule(cbPath, "7777", later.Add(time.Hour)).object(t)["_id"].(string)
	require.Equal(t, http.StatusOK, s.do(http.MethodDelete, cbPath+"/"+completed, "", nil).Status)
	queued := s.postJSON(cbPath, map[string]any{"_customer_number": "8888"}).object(t)["_id"].(string)

	r := s.admin(http.MethodPost, "/genesys/1/admin/callback/ops/delete", map[string]any{
		"_customer_number": []string{"7777", "9999"},
		"_id":              []string{queued, "00000000-0000-4000-8000-000000000000"},
		"usr_name":         "x",
	})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var out struct {
		Success []map[string]any `json:"success"`
		Errors  []map[string]any `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &out))
	require.ElementsMatch(t, []map[string]any{
		{"_id": scheduled}, {"_id": completed},
		{"reason": "no callback(s) to delete", "_customer_number": "9999"},
	}, out.Success)
	require.ElementsMatch(t, []map[string]any{
		{"_id": queued, "code": 40020.0, "phrase": "INVALID_OPERATION", "message": "Callback " + queued + " cannot be deleted - _callback_state=QUEUED"},
		{"_id": "00000000-0000-4000-8000-000000000000", "code": 40030.0, "phrase": "CALLBACK_NOT_FOUND", "message": "Callback 00000000-0000-4000-8000-000000000000 cannot be found"},
		{"usr_name": "x", "code": 40010.0, "phrase": "BAD_PARAMETER", "message": "No such lookup possible for {usr_name=x}"},
	}, out.Errors)

	// The proof: no lookup and no Temporal execution returns the number.
	require.JSONEq(t, `[]`, string(s.get("/genesys/1/service/callback?_customer_number=7777").Body))
	var n int
	require.NoError(t, s.store.DB.Get(&n, `SELECT (SELECT count(*) FROM callbacks WHERE customer_number = '7777' OR properties::text LIKE '%7777%')
		+ (SELECT count(*) FROM callback_lookup WHERE value = '7777')`))
	require.Zero(t, n)
	ctx := context.Background()
	for _, id := range []string{scheduled, completed} {
		eventually(t, 90*time.Second, func() bool {
			_, err := s.c.DescribeWorkflowExecution(ctx, id, "")
			var nf *serviceerror.NotFound
			return errors.As(err, &nf)
		}, "workflow %s still exists", id)
		it := s.c.GetWorkflowHistory(ctx, id, "", false, 0)
		if it.HasNext() {
			_, err := it.Next()
			require.Error(t, err, "history of %s is gone", id)
		}
	}
	// Nor does Temporal's visibility: no execution indexed by the number's hash.
	query := `CustomerNumber = "` + testenv.Secrets(t).Hasher().Hash("7777") + `"`
	eventually(t, 30*time.Second, func() bool {
		resp, err := s.c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", Query: query})
		return err == nil && len(resp.Executions) == 0
	}, "visibility still lists the number's callbacks")
	// A late write of the forgotten workflow cannot bring it back.
	rec := callback.Record{ID: scheduled, Service: "cb", State: callback.Scheduled, DesiredTime: later, Version: 99,
		Properties: map[string]string{callback.KeyCustomerNumber: "7777"}}
	applied, err := s.store.Save(ctx, rec)
	require.NoError(t, err)
	require.False(t, applied)
	require.JSONEq(t, `[]`, string(s.get(cbPath+"?_customer_number=7777").Body))
	// The QUEUED one is untouched.
	st, _ := s.stateOf("cb", queued)
	require.Equal(t, "QUEUED", st)

	s.admin(http.MethodPost, "/genesys/1/admin/callback/ops/delete", map[string]any{}).envelope(t, 400, 40010, "BAD_PARAMETER")
	s.send(http.MethodPost, "/genesys/1/admin/callback/ops/delete", "application/json", strings.NewReader(`{"_id":`), asAdmin).
		envelope(t, 400, 40010, "BAD_PARAMETER")
}

func TestExportCancelledCallbacks(t *testing.T) {
	s := newStack(t)
	now := time.Now()
	mk := func(number string, at time.Time) string {
		r := s.postJSON(cbPath, map[string]any{"_customer_number": number, "_desired_time": callback.FormatTime(at),
			"_target": "Billing@Stat_Server.GA", "usr_name": "N" + number, "vq": "OUT"})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		return r.object(t)["_id"].(string)
	}
	a, b, c := mk("1", now.Add(time.Hour)), mk("2", now.Add(2*time.Hour)), mk("3", now.Add(3*time.Hour))
	require.Equal(t, http.StatusOK, s.send(http.MethodDelete, cbPath+"/"+a, "", nil, asAdmin).Status)
	require.Equal(t, http.StatusOK, s.send(http.MethodDelete, cbPath+"/"+b+"?_callback_reason=CANCELLED_BY_ADMIN", "", nil, nil).Status)
	require.Equal(t, http.StatusOK, s.do(http.MethodDelete, cbPath+"/"+c, "", nil).Status)

	r := s.admin(http.MethodPost, "/genesys/1/admin/callback/reportcancelled", map[string]any{"callback_reason": "CANCELLED_BY_ADMIN", "exported_properties": []string{}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.Equal(t, "text/csv", r.Header.Get("Content-Type"))
	require.Equal(t, `attachment; filename="report.csv"`, r.Header.Get("Content-Disposition"))
	rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, [][]string{
		{"_desired_time", "_service_name", "_customer_number", "_target", "_vq_for_outbound_calls", "_urs_virtual_queue"},
		{callback.FormatTime(now.Add(2 * time.Hour)), "cb", "2", "Billing@Stat_Server.GA", "VQ_OUT", ""},
		{callback.FormatTime(now.Add(time.Hour)), "cb", "1", "Billing@Stat_Server.GA", "VQ_OUT", ""},
	}, rows, "newest first; the plain cancel is not listed; options resolved with the callback's tokens")

	r = s.admin(http.MethodPost, "/genesys/1/admin/callback/reportcancelled", map[string]any{"callback_reason": "CANCELLED", "exported_properties": []string{"_id,_customer_number", "usr_name"}})
	rows, err = csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, [][]string{{"_id", "_customer_number", "usr_name"}, {c, "3", "N3"}}, rows)

	r = s.admin(http.MethodPost, "/genesys/1/admin/callback/reportcancelled", map[string]any{"callback_reason": "FAIL_TIMEOUT_TTL"})
	require.Equal(t, http.StatusNoContent, r.Status)
	require.Empty(t, r.Body)
	m := s.admin(http.MethodPost, "/genesys/1/admin/callback/reportcancelled", map[string]any{"exported_properties": []string{}}).envelope(t, 400, 40010, "BAD_PARAMETER")
	require.Equal(t, "Callback reason is missing.", m["message"])
}

func TestCheckQueuePosition(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	var queued []string
	for _, n := range []string{"1", "2", "3"} {
		queued = append(queued, s.postJSON(cbPath, map[string]any{"_customer_number": n}).object(t)["_id"].(string))
	}
	// ORS raises the last one's priority and reports what it knows.
	require.Equal(t, http.StatusOK, s.putForm(cbPath+"/"+queued[2], url.Values{"priority": {"900"}, "channel": {"WEB"}, "is_snoozed": {"false"}}).Status)

	position := func(id string) map[string]any {
		r := s.do(http.MethodPost, "/genesys/1/service/"+id+"/check-queue-position", "application/x-www-form-urlencoded", nil)
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		return r.object(t)
	}
	top := position(queued[2])
	require.EqualValues(t, 1, top["_position"])
	require.EqualValues(t, 0, top["positioninqueue"])
	require.EqualValues(t, 3, top["_total_waiting"])
	require.EqualValues(t, 900, top["priority"])
	require.Equal(t, "WEB", top["channel"])
	require.Equal(t, false, top["is_snoozed"])
	require.Equal(t, s.lookupOne("cb", queued[2])["_ors_session_id"], top["ors_session_id"])
	require.NotEmpty(t, top["app_version"])
	require.Contains(t, top, "wt")
	require.EqualValues(t, 0, top["ewt"])
	require.Equal(t, top["ewt"], top["_eta"])
	require.EqualValues(t, 2, position(queued[0])["_position"], "then by time queued")
	require.EqualValues(t, 3, position(queued[1])["_position"])
	require.NotContains(t, position(queued[1]), "channel", "unknown keys are omitted")

	scheduled := s.schedule(cbPath, "4", time.Now().Add(time.Hour)).object(t)["_id"].(string)
	m := s.do(http.MethodPost, "/genesys/1/service/"+scheduled+"/check-queue-position", "", nil).envelope(t, 400, 40020, "INVALID_OPERATION")
	require.Equal(t, "Callback "+scheduled+" is not QUEUED. State=SCHEDULED", m["message"])
	s.do(http.MethodPost, "/genesys/1/service/nope/check-queue-position", "", nil).envelope(t, 400, 40030, "CALLBACK_NOT_FOUND")
}
