package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/workflows"
)

func (s *stack) startWithKey(path, key string, body map[string]any) reply {
	s.t.Helper()
	data, err := json.Marshal(body)
	require.NoError(s.t, err)
	return s.send(http.MethodPost, path, "application/json", bytes.NewReader(data), func(r *http.Request) {
		r.Header.Set("Idempotency-Key", key)
	})
}

func TestIdempotencyKeyReturnsTheSameCallback(t *testing.T) {
	s, c := throttleStack(t) // controllable clock
	path := "/genesys/1/service/callback/inherit"
	sched := map[string]any{"_customer_number": "1", "_desired_time": callback.FormatTime(c.Now().Add(time.Hour))}
	first := s.startWithKey(path, "k-1", sched)
	require.Equal(t, http.StatusOK, first.Status, "body: %s", first.Body)
	again := s.startWithKey(path, "k-1", sched)
	require.JSONEq(t, string(first.Body), string(again.Body))

	imm := s.startWithKey(path, "k-2", map[string]any{"_customer_number": "2"})
	require.Equal(t, http.StatusOK, imm.Status, "body: %s", imm.Body)
	immAgain := s.startWithKey(path, "k-2", map[string]any{"_customer_number": "2"})
	require.JSONEq(t, string(imm.Body), string(immAgain.Body), "an immediate retry gets the same confirmation")
	require.Len(t, s.ors.Starts(), 1, "submitted once")

	// Concurrent retries create one callback.
	var wg sync.WaitGroup
	ids := make([]string, 20)
	for i := range ids {
		wg.Go(func() {
			r := s.startWithKey(path, "k-3", map[string]any{"_customer_number": "3", "_desired_time": callback.FormatTime(c.Now().Add(time.Hour))})
			if r.Status == http.StatusOK {
				ids[i] = r.object(t)["_id"].(string)
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		require.Equal(t, ids[0], id)
	}
	require.NotEmpty(t, ids[0])

	other := s.startWithKey("/genesys/1/service/callback/own", "k-1", sched)
	require.Equal(t, http.StatusOK, other.Status)
	require.NotEqual(t, first.object(t)["_id"], other.object(t)["_id"], "keys are per service")

	c.Add(25 * time.Hour)
	sched["_desired_time"] = callback.FormatTime(c.Now().Add(time.Hour))
	later := s.startWithKey(path, "k-1", sched)
	require.Equal(t, http.StatusOK, later.Status, "body: %s", later.Body)
	require.NotEqual(t, first.object(t)["_id"], later.object(t)["_id"], "after 24 h a key is new again")

	var n int
	require.NoError(t, s.store.DB.Get(&n, `SELECT count(*) FROM callbacks WHERE service = 'inherit'`))
	require.Equal(t, 4, n)
}

func TestIdempotentRetryOfAFailedImmediateStart(t *testing.T) {
	s := newStack(t)
	s.ors.SetFailFirst(1000)
	body := map[string]any{"_customer_number": "1"}
	first := s.startWithKey(cbPath, "k", body).envelope(t, 500, 50006, "ORS_MAX_SUBMIT_RETRIES")
	again := s.startWithKey(cbPath, "k", body).envelope(t, 500, 50006, "ORS_MAX_SUBMIT_RETRIES")
	require.Equal(t, first["message"], again["message"])
	require.Equal(t, 3, s.ors.TotalAttempts(), "the retry did not submit again")
}

// A retried key whose callback's workflow has closed while the read model
// does not say COMPLETED answers from the read model: the start Temporal
// refuses (already started) is no outage.
func TestKeyedRetryOfAClosedWorkflowAnswersTheReadModel(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	ctx := context.Background()

	t.Run("immediate, QUEUED, then terminated", func(t *testing.T) {
		body := map[string]any{"_customer_number": "1"}
		first := s.startWithKey(cbPath, "k-imm", body)
		require.Equal(t, http.StatusOK, first.Status, "body: %s", first.Body)
		id := first.object(t)["_id"].(string)
		require.NoError(t, s.c.TerminateWorkflow(ctx, id, "", "operator"))
		again := s.startWithKey(cbPath, "k-imm", body)
		require.Equal(t, http.StatusOK, again.Status, "body: %s", again.Body)
		require.JSONEq(t, string(first.Body), string(again.Body))
		require.Equal(t, 1, s.ors.SessionsFor(id), "submitted once")
	})

	t.Run("scheduled, ended before any worker wrote", func(t *testing.T) {
		sched := orphan(callback.Scheduled, false, "2", time.Now().UTC())
		s.admitOnly("k-sched", sched)
		_, err := s.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: sched.ID, TaskQueue: "nobody-polls-this"},
			workflows.CallbackWorkflow, workflows.Input{Record: sched})
		require.NoError(t, err)
		require.NoError(t, s.c.TerminateWorkflow(ctx, sched.ID, "", "operator"))
		r := s.startWithKey(cbPath, "k-sched", map[string]any{"_customer_number": "2", "_desired_time": callback.FormatTime(sched.DesiredTime)})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		require.Equal(t, map[string]any{"_id": sched.ID}, r.object(t))
	})
}
