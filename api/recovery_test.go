package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/opengms/callback/api"
	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/worker"
	"github.com/opengms/callback/workflows"
)

// admitOnly records an admission as a start that died before reaching
// Temporal would have left it.
func (s *stack) admitOnly(key string, rec callback.Record) {
	s.t.Helper()
	require.NoError(s.t, s.store.Admit(context.Background(), queries.Admission{Record: rec, IdempotencyKey: key}))
}

func orphan(state callback.State, immediate bool, number string, created time.Time) callback.Record {
	return callback.Record{ID: uuid.NewString(), Service: "cb", State: state, Immediate: immediate,
		DesiredTime: created.Add(time.Hour), CreatedAt: created, LookupKeys: []string{callback.KeyCustomerNumber},
		Properties: map[string]string{callback.KeyCustomerNumber: number}}
}

func TestKeyedRetryResumesAStartThatNeverReachedTemporal(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	now := time.Now().UTC()
	sched := orphan(callback.Scheduled, false, "1", now)
	s.admitOnly("k-sched", sched)
	r := s.startWithKey(cbPath, "k-sched", map[string]any{"_customer_number": "1", "_desired_time": callback.FormatTime(sched.DesiredTime)})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.Equal(t, sched.ID, r.object(t)["_id"])
	_, err := s.c.DescribeWorkflowExecution(context.Background(), sched.ID, "")
	require.NoError(t, err, "the retry started the workflow")
	eventually(t, 5*time.Second, func() bool {
		got, err := s.store.Get(context.Background(), sched.ID)
		return err == nil && got.Version > 0
	}, "the workflow never wrote")

	imm := orphan(callback.Queued, true, "2", now)
	imm.DesiredTime = now
	s.admitOnly("k-imm", imm)
	r = s.startWithKey(cbPath, "k-imm", map[string]any{"_customer_number": "2"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.Equal(t, "ConfirmationDialog", r.object(t)["Action"])
	require.Equal(t, 1, s.ors.SessionsFor(imm.ID), "submitted once, by the resumed workflow")
	again := s.startWithKey(cbPath, "k-imm", map[string]any{"_customer_number": "2"})
	require.JSONEq(t, string(r.Body), string(again.Body))
	require.Equal(t, 1, s.ors.SessionsFor(imm.ID))
}

func TestJanitorFreesOrphanedAdmissionsAndPurges(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	old := time.Now().Add(-10 * time.Minute)
	lost := orphan(callback.Scheduled, false, "1", old)
	s.admitOnly("", lost)
	// A workflow that started but whose worker has not written yet is kept.
	slow := orphan(callback.Scheduled, false, "2", old)
	s.admitOnly("", slow)
	_, err := s.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: slow.ID, TaskQueue: "nobody-polls-this"},
		workflows.CallbackWorkflow, workflows.Input{Record: slow})
	require.NoError(t, err)
	fresh := orphan(callback.Scheduled, false, "3", time.Now())
	s.admitOnly("", fresh)
	expired := orphan(callback.Completed, false, "4", old.AddDate(0, 0, -40))
	expired.DesiredTime, expired.Version = old.AddDate(0, 0, -40), 5
	_, err = s.store.Save(ctx, expired)
	require.NoError(t, err)

	j := &worker.Janitor{Temporal: s.c, Store: s.store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Grace: 2 * time.Minute}
	j.Sweep(ctx, time.Now())

	exists := func(id string) bool { _, err := s.store.Get(ctx, id); return err == nil }
	require.False(t, exists(lost.ID), "no workflow ever started: its place is freed")
	require.True(t, exists(slow.ID), "its workflow exists")
	got, err := s.store.Get(ctx, slow.ID)
	require.NoError(t, err)
	require.EqualValues(t, workflows.StartedVersion, got.Version, "marked started: the next sweep asks Temporal no more")
	require.True(t, exists(fresh.ID), "within the grace period")
	require.False(t, exists(expired.ID), "past its expiration time")
}

func TestAPIMarksStartedCallbacksForTheJanitor(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	const n = 40
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := s.schedule(cbPath, fmt.Sprint(1000+i), time.Now().Add(2*time.Hour))
			if id, ok := r.object(t)["_id"].(string); ok {
				ids <- id
			}
		})
	}
	wg.Wait()
	close(ids)
	require.Len(t, ids, n)
	for id := range ids {
		eventually(t, 5*time.Second, func() bool {
			got, err := s.store.Get(ctx, id)
			return err == nil && got.Version >= workflows.StartedVersion
		}, "callback %s never marked started", id)
	}
	stale, err := s.store.StaleAdmissions(ctx, time.Now().Add(time.Hour))
	require.NoError(t, err)
	require.Empty(t, stale, "the janitor has nothing to ask Temporal about")
}

func TestORSReportsAndCancelsWorkWhileTheReadModelIsDown(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	a := s.postJSON(cbPath, map[string]any{"_customer_number": "1"}).object(t)["_id"].(string)
	b := s.schedule(cbPath, "2", time.Now().Add(time.Hour)).object(t)["_id"].(string)

	// A second API process whose PostgreSQL is unreachable.
	down, err := sqlx.Open("postgres", "postgres://postgres@127.0.0.1:1/gms?sslmode=disable&connect_timeout=1")
	require.NoError(t, err)
	srv := &api.Server{Temporal: s.c, Store: &queries.Store{DB: down}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		TaskQueue: s.taskQueue, Namespace: "default", PublicURL: s.url}
	withPrivacy(t, srv)
	srv.SetConfig(s.srv.Config())
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	other := &stack{t: t, url: hs.URL}

	r := other.putForm(cbPath+"/"+a, url.Values{"_callback_state": {"ROUTING"}})
	require.Equal(t, http.StatusOK, r.Status, "an ORS report needs no read model: body %s", r.Body)
	r = other.do(http.MethodDelete, cbPath+"/"+b, "", nil)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	other.putForm("/genesys/1/service/callback/buffered/"+a, url.Values{"usr_x": {"1"}}).envelope(t, 400, 40030, "CALLBACK_NOT_FOUND")
	m := other.get(cbPath+"?_customer_number=1").envelope(t, 503, 50300, "SERVICE_UNAVAILABLE")
	require.Contains(t, m["message"], "read model")
	require.NotContains(t, m["message"], "127.0.0.1", "internal addresses stay in the logs")
	other.get("/healthz").envelope(t, 503, 50300, "SERVICE_UNAVAILABLE")

	st, _ := s.stateOf("cb", a) // the healthy side sees what the other accepted
	require.Equal(t, "ROUTING", st)
	st, reason := s.stateOf("cb", b)
	require.Equal(t, "COMPLETED", st)
	require.Equal(t, "CANCELLED", reason)
}
