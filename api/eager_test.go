package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/opengms/callback/api"
	"github.com/opengms/callback/internal/env"
	"github.com/opengms/callback/internal/testenv"
	"github.com/opengms/callback/worker"
)

// An API process with its starter worker runs each new callback's first
// workflow task itself (eager start: the task comes back with the start,
// never queued); the worker process still fires the callback to ORS.
func TestStartsRunTheirFirstWorkflowTaskInTheAPIProcess(t *testing.T) {
	s := newStack(t)
	viaStarter, c := withStarter(t, s)
	id := viaStarter.schedule(cbPath, "5115", time.Now().Add(2*time.Second)).object(t)["_id"].(string)
	var started, completed []string
	eventually(t, 5*time.Second, func() bool {
		started, completed = taskIdentities(t, c, id)
		return len(completed) > 0
	}, "the first workflow task of %s never completed", id)
	t.Logf("started %q completed %q", started, completed)
	// An eagerly started task is started by the start request itself (the
	// API's client), not by a poller; the starter completes it.
	require.Equal(t, "api-client", started[0], "the first workflow task came back with the start")
	require.Contains(t, completed[0], worker.StarterRole, "the API's starter ran it")

	eventually(t, 20*time.Second, func() bool {
		state, _ := s.stateOf("cb", id)
		return state != "SCHEDULED"
	}, "callback %s never fired", id)
	require.Len(t, s.ors.Starts(), 1, "submitted to ORS once")
}

// taskIdentities are who started and who completed each workflow task of
// workflow id so far.
func taskIdentities(t *testing.T, c client.Client, id string) (started, completed []string) {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if a := ev.GetWorkflowTaskStartedEventAttributes(); a != nil {
			started = append(started, a.GetIdentity())
		}
		if a := ev.GetWorkflowTaskCompletedEventAttributes(); a != nil {
			completed = append(completed, a.GetIdentity())
		}
	}
	return started, completed
}

// The starter runs the workflow's pause check itself: a callback of a
// paused service falling due is held, not submitted, when the starter runs
// its timer's task (in this test process every worker shares one sticky
// cache, so the task that started it in the starter comes back there).
func TestStarterHoldsADueCallbackOfAPausedService(t *testing.T) {
	s := newStackWith(t, strings.ReplaceAll(pauseINI, "{PAUSED}", "true"))
	viaStarter, c := withStarter(t, s)
	id := viaStarter.schedule("/genesys/1/service/callback/svc", "4", time.Now().Add(time.Second)).object(t)["_id"].(string)
	var completed []string
	eventually(t, 10*time.Second, func() bool {
		_, completed = taskIdentities(t, c, id)
		return len(completed) >= 2
	}, "the timer's task of %s never completed", id)
	require.Contains(t, completed[1], worker.StarterRole, "the starter ran the timer's task")
	eventually(t, 5*time.Second, func() bool { st, _ := s.stateOf("svc", id); return st == "PAUSED" }, "due while paused: held")
	require.Empty(t, s.ors.Starts(), "nothing routed while paused")
}

// withStarter is a second API of stack s with its own Temporal client
// ("api-client") and a starter worker on it, as cmd/api runs them: eager
// starts go to that starter only, never to s's worker (another client).
func withStarter(t *testing.T, s *stack) (*stack, client.Client) {
	t.Helper()
	opts := client.Options{Identity: "api-client"}
	require.NoError(t, env.Encrypt(&opts, testenv.Secrets(t)))
	c, err := client.NewClientFromExisting(testenv.Temporal(t), opts)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	srv := &api.Server{Temporal: c, Store: s.store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		TaskQueue: s.taskQueue, Namespace: "default", PublicURL: s.url}
	withPrivacy(t, srv)
	srv.SetConfig(s.srv.Config())
	starter := worker.NewStarter(c, s.taskQueue, srv.Config)
	require.NoError(t, starter.Start())
	t.Cleanup(starter.Stop)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &stack{t: t, srv: srv, taskQueue: s.taskQueue, url: hs.URL, ors: s.ors, store: s.store, c: c}, c
}
