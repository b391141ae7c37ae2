package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/worker"
)

const pauseINI = `
[ors]
url = {ORS}

[pauses]
svc = {PAUSED}

[service.svc]
_app_url = callback.scxml
_paused_services_list = pauses
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = false
_request_execution_time_buffer = 0
`

func TestPausedServiceHoldsAndResumes(t *testing.T) {
	s := newStackWith(t, strings.ReplaceAll(pauseINI, "{PAUSED}", "false"))
	s.ors.SetDrive(false)
	ctx := context.Background()
	pauser := &worker.Pauser{Temporal: s.c, Store: s.store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	reload := func(paused string) {
		ini := strings.NewReplacer("{PAUSED}", paused, "{ORS}", s.srv.Config().ORSURL).Replace(pauseINI)
		cfg, err := config.Parse([]byte(ini))
		require.NoError(t, err)
		s.srv.SetConfig(cfg) // what config.Watch does on SIGHUP or a file change
		pauser.Apply(ctx, cfg)
	}
	path := "/genesys/1/service/callback/svc"
	start := func(number string) string {
		r := s.postJSON(path, map[string]any{"_customer_number": number})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		return r.object(t)["_id"].(string)
	}
	state := func(id string) string { st, _ := s.stateOf("svc", id); return st }

	queued := start("1")
	session := s.lookupOne("svc", queued)["_ors_session_id"]
	byORS := start("2")
	require.Equal(t, http.StatusOK, s.putForm(path+"/"+byORS, url.Values{"_callback_state": {"PAUSED"}}).Status)

	reload("true")
	require.Equal(t, "PAUSED", state(queued))
	require.True(t, s.ors.Paused(session), "ORS got callback.pause")

	held := start("3")
	require.Equal(t, "PAUSED", state(held), "an immediate start is held while paused")
	scheduled := s.schedule(path, "4", time.Now().Add(2*time.Second)).object(t)["_id"].(string)
	cancelled := start("5")
	require.Equal(t, http.StatusOK, s.do(http.MethodDelete, path+"/"+cancelled, "", nil).Status, "cancel still works")
	time.Sleep(3 * time.Second)
	require.Equal(t, "PAUSED", state(scheduled), "due while paused: held")
	require.Len(t, s.ors.Starts(), 2, "nothing routed while paused")

	reload("false")
	require.Equal(t, "QUEUED", state(queued))
	require.False(t, s.ors.Paused(session), "ORS got callback.resume")
	eventually(t, 10*time.Second, func() bool { return state(held) == "QUEUED" && state(scheduled) == "QUEUED" },
		"held callbacks were not submitted after resume")
	require.Len(t, s.ors.Starts(), 4)
	require.Equal(t, "PAUSED", state(byORS), "a pause ORS reported is ORS's to end")
	st, reason := s.stateOf("svc", cancelled)
	require.Equal(t, "COMPLETED", st)
	require.Equal(t, callback.ReasonCancelled, reason)
}
