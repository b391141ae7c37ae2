package api_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/worker"
)

func TestTwoWorkersShareOneTaskQueueWithoutDoubleWork(t *testing.T) {
	s := newStack(t)
	second := worker.New(s.c, s.taskQueue, s.store, s.srv.Config, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, second.Start())
	t.Cleanup(second.Stop)

	const n = 20
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := s.postJSON(cbPath, map[string]any{"_customer_number": fmt.Sprint(7000 + i)})
			if r.Status == http.StatusOK {
				ids[i] = r.object(t)["_id"].(string)
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		require.NotEmpty(t, id)
		eventually(t, 20*time.Second, func() bool { st, _ := s.stateOf("cb", id); return st == "COMPLETED" }, "callback %s stuck", id)
		require.Equal(t, 1, s.ors.Attempts(id), "submitted once")
		require.Equal(t, 1, s.ors.SessionsFor(id))
	}
	require.Len(t, s.ors.Starts(), n)
}
