package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/metrics"
)

func TestSlowORSIsRetriedIntoTheSameSession(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	s.ors.SetDelay(11 * time.Second) // beyond the 10 s an attempt may take
	go func() {
		time.Sleep(2 * time.Second) // the first attempt is hanging by now
		s.ors.SetDelay(0)
	}()
	r := s.postJSON("/genesys/1/service/callback/once", map[string]any{"_customer_number": "1"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	id := r.object(t)["_id"].(string)
	require.Equal(t, 2, s.ors.Attempts(id), "the slow attempt timed out, the retry answered")
	require.Equal(t, 1, s.ors.SessionsFor(id), "one session: the retry carried the same idempotency key")
	st, _ := s.stateOf("once", id)
	require.Equal(t, "QUEUED", st)
}

func TestUnreachableORSEndsSubmitError(t *testing.T) {
	s := newStack(t)
	failed := func() float64 {
		return testutil.ToFloat64(metrics.ORSSubmits.WithLabelValues("unreachable", "failed"))
	}
	before := failed()
	m := s.postJSON("/genesys/1/service/callback/unreachable", map[string]any{"_customer_number": "1"}).
		envelope(t, 500, 50006, "ORS_MAX_SUBMIT_RETRIES")
	id := m["properties"].(map[string]any)["id"].(string)
	require.Equal(t, 3.0, failed()-before, "exactly _max_ors_submit_attempts attempts")
	st, reason := s.stateOf("unreachable", id)
	require.Equal(t, "COMPLETED", st)
	require.Equal(t, "SUBMIT_ERROR", reason)
}

func TestFlappingORSNeverStrandsACallback(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	s.ors.SetFailRate(0.5)
	var wg sync.WaitGroup
	ids := make([]string, 12)
	for i := range ids {
		wg.Go(func() {
			r := s.postJSON(cbPath, map[string]any{"_customer_number": fmt.Sprint(8100 + i)})
			require.Contains(t, []int{200, 500}, r.Status, "body: %s", r.Body)
			m := r.object(t)
			if id, ok := m["_id"].(string); ok {
				ids[i] = id
			} else {
				require.EqualValues(t, 50006, m["code"])
				ids[i] = m["properties"].(map[string]any)["id"].(string)
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		st, reason := s.stateOf("cb", id)
		require.LessOrEqual(t, s.ors.Attempts(id), 3)
		switch st {
		case "QUEUED":
			require.Equal(t, 1, s.ors.SessionsFor(id))
		case "COMPLETED":
			require.Equal(t, "SUBMIT_ERROR", reason)
			require.Equal(t, 3, s.ors.Attempts(id))
			require.Zero(t, s.ors.SessionsFor(id))
		default:
			t.Fatalf("callback %s stranded in %s", id, st)
		}
	}
}

func TestThousandParallelBookingsNeverOverbook(t *testing.T) {
	s := newStack(t)
	base := time.Now().Add(2 * time.Hour).Truncate(5 * time.Minute)
	const requests, buckets = 1000, 40
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range requests {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			at := base.Add(time.Duration(i%buckets) * 5 * time.Minute).Add(time.Duration(i%7) * 30 * time.Second)
			r := s.schedule("/genesys/1/service/callback/tight", fmt.Sprint(100000+i), at)
			if r.Status != http.StatusOK {
				require.Equal(t, http.StatusBadRequest, r.Status, "body: %s", r.Body)
			}
		}()
	}
	wg.Wait()
	var rows []struct {
		Bucket time.Time `db:"bucket"`
		N      int       `db:"n"`
	}
	require.NoError(t, s.store.DB.Select(&rows, `SELECT date_bin('5 minutes', desired_time, timestamptz 'epoch') AS bucket, count(*) AS n
		FROM callbacks WHERE service = 'tight' GROUP BY 1`))
	require.Len(t, rows, buckets)
	for _, r := range rows {
		require.Equal(t, 2, r.N, "bucket %v holds exactly its capacity", r.Bucket)
	}
}

func TestConcurrentCancelRescheduleAndORSReportStayConsistent(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	for i := range 15 {
		id := s.schedule(cbPath, fmt.Sprint(9100+i), time.Now().Add(time.Hour)).object(t)["_id"].(string)
		var wg sync.WaitGroup
		var cancel, move, report reply
		wg.Go(func() { cancel = s.do(http.MethodDelete, cbPath+"/"+id, "", nil) })
		wg.Go(func() {
			move = s.putForm(cbPath+"/"+id, url.Values{"_new_desired_time": {callback.FormatTime(time.Now().Add(2 * time.Hour))}})
		})
		wg.Go(func() { report = s.putForm(cbPath+"/"+id, url.Values{"_callback_state": {"ROUTING"}}) })
		wg.Wait()
		for _, r := range []reply{cancel, move, report} {
			require.Contains(t, []int{200, 400}, r.Status, "body: %s", r.Body)
		}
		// One consistent state: what the workflow holds is what lookups show.
		rec := s.lookupOne("cb", id)
		q, err := s.c.QueryWorkflow(t.Context(), id, "", "record")
		if err == nil {
			var wf callback.Record
			require.NoError(t, q.Get(&wf))
			require.Equal(t, string(wf.State), rec["_callback_state"])
			require.Equal(t, callback.FormatTime(wf.DesiredTime), rec["_desired_time"])
		}
		if cancel.Status == http.StatusOK {
			require.Equal(t, "COMPLETED", rec["_callback_state"], "a successful cancel is final")
			require.Equal(t, "CANCELLED", rec["_callback_reason"])
		} else {
			require.Equal(t, "ROUTING", rec["_callback_state"], "the cancel lost only to the ORS report")
		}
	}
}
