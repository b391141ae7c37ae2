package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/api"
	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/stats"
)

// secondAPI serves the API from another api.Server: its own read-model
// connections and listener, nothing shared in memory with the stack's —
// what another API process behind the same load balancer is. heartbeat
// is its stream heartbeat.
func (s *stack) secondAPI(heartbeat time.Duration) (*api.Server, string) {
	s.t.Helper()
	ctx := context.Background()
	store, err := queries.Open(ctx, s.store.URL())
	require.NoError(s.t, err)
	s.t.Cleanup(func() { store.Close() })
	srv := &api.Server{Temporal: s.c, Store: store, Logger: s.logger, TaskQueue: s.taskQueue, Namespace: "default",
		Stats: &stats.Client{URL: s.srv.Config().StatURL}, PublicURL: s.srv.PublicURL, Heartbeat: heartbeat}
	withPrivacy(s.t, srv)
	srv.SetConfig(s.srv.Config())
	srv.Events, err = store.Listen(s.logger)
	require.NoError(s.t, err)
	s.t.Cleanup(func() { srv.Events.Close() })
	h := httptest.NewServer(srv.Handler())
	s.t.Cleanup(h.Close)
	return srv, h.URL
}

// TestEventStreamAcrossAPIProcesses: a client streaming from one API
// process sees the changes reported through another, resumes after the
// last event it saw, gets heartbeats and ETA updates, and the stream ends
// with COMPLETED; the long poll answers the same events.
func TestEventStreamAcrossAPIProcesses(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	otherSrv, other := s.secondAPI(300 * time.Millisecond)
	r := s.schedule(cbPath, "5550100", time.Now().Add(time.Hour))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	id := r.object(t)["_id"].(string)
	path := cbPath + "/" + id

	ctx, cancel := context.WithCancel(context.Background())
	resp, events := openStream(t, ctx, other, path, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	created := next(t, events, "created", 5*time.Second)
	require.Equal(t, "SCHEDULED", payloadOf(t, created)["_callback_state"])
	require.Equal(t, id, payloadOf(t, created)["_id"])
	next(t, events, "heartbeat", 5*time.Second)

	// Reported through the stack's API: a reschedule, then ORS's states.
	later := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Minute)
	r = s.putForm(path, url.Values{callback.KeyNewDesiredTime: {callback.FormatTime(later)}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	moved := next(t, events, "rescheduled", 5*time.Second)
	require.Equal(t, callback.FormatTime(later), payloadOf(t, moved)["_desired_time"])
	r = s.putForm(path, url.Values{callback.KeyState: {"QUEUED"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	queued := next(t, events, "state_changed", 5*time.Second)
	require.Equal(t, "QUEUED", payloadOf(t, queued)["_callback_state"])
	eta := next(t, events, "eta", 10*time.Second)
	require.Empty(t, eta.id, "an ETA event has no id: a resume goes on after the last state event")
	require.EqualValues(t, 1, payloadOf(t, eta)["_position"])
	require.EqualValues(t, 1, payloadOf(t, eta)["_total_waiting"])
	cancel()

	// Resume after the reschedule: the QUEUED change again, nothing before.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	_, events = openStream(t, ctx2, other, path, moved.id)
	again := next(t, events, "state_changed", 5*time.Second)
	require.Equal(t, queued.id, again.id)

	// Long poll (no text/event-stream): waits for the next change.
	type poll struct {
		Events []struct {
			Seq   int64  `json:"seq"`
			Event string `json:"event"`
			State string `json:"_callback_state"`
		} `json:"events"`
		LastEventID int64  `json:"last_event_id"`
		State       string `json:"_callback_state"`
	}
	polled := make(chan poll, 1)
	go func() {
		resp, err := http.Get(other + path + "/events?wait=20&last_event_id=" + queued.id)
		if err != nil {
			close(polled)
			return
		}
		defer resp.Body.Close()
		var p poll
		_ = json.NewDecoder(resp.Body).Decode(&p)
		polled <- p
	}()
	time.Sleep(500 * time.Millisecond)
	r = s.putForm(path, url.Values{callback.KeyState: {"COMPLETED"}, callback.KeyReason: {"AGENT_CONNECTED"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	select {
	case p, ok := <-polled:
		require.True(t, ok, "the long poll failed")
		require.Len(t, p.Events, 1)
		require.Equal(t, "COMPLETED", p.Events[0].State)
		require.Equal(t, "COMPLETED", p.State)
		require.Equal(t, p.Events[0].Seq, p.LastEventID)
	case <-time.After(15 * time.Second):
		t.Fatal("the long poll did not answer the change")
	}

	// The stream ends with COMPLETED; a reconnect with nothing new is 204.
	done := next(t, events, "state_changed", 5*time.Second)
	require.Equal(t, "AGENT_CONNECTED", payloadOf(t, done)["_callback_reason"])
	for range events {
	}
	resp, _ = openStream(t, context.Background(), other, path, done.id)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)

	// A forgotten callback's stream ends: its events are gone with it.
	r = s.schedule(cbPath, "5550102", time.Now().Add(time.Hour))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	forgotten := r.object(t)["_id"].(string)
	_, events = openStream(t, context.Background(), other, cbPath+"/"+forgotten, "")
	next(t, events, "created", 5*time.Second)
	r = s.admin(http.MethodPost, "/genesys/1/admin/callback/ops/delete", map[string]any{"_id": []string{forgotten}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	ended := time.After(10 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-events:
		case <-ended:
			t.Fatal("the forgotten callback's stream did not end")
		}
	}

	// A shutting-down process ends its open streams (clients reconnect to
	// another).
	r = s.schedule(cbPath, "5550101", time.Now().Add(time.Hour))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	_, events = openStream(t, context.Background(), other, cbPath+"/"+r.object(t)["_id"].(string), "")
	next(t, events, "created", 5*time.Second)
	otherSrv.EndStreams()
	ended = time.After(5 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-events:
		case <-ended:
			t.Fatal("EndStreams did not end the stream")
		}
	}

	// Errors are envelopes.
	s.get(cbPath+"/no-such-id/events").envelope(t, http.StatusBadRequest, 40030, "CALLBACK_NOT_FOUND")
	s.get("/genesys/1/service/callback/office/"+id+"/events").envelope(t, http.StatusBadRequest, 40030, "CALLBACK_NOT_FOUND")
	s.get(path+"/events?last_event_id=x").envelope(t, http.StatusBadRequest, 40010, "BAD_PARAMETER")
	s.get(path+"/events?wait=-1").envelope(t, http.StatusBadRequest, 40010, "BAD_PARAMETER")
}
