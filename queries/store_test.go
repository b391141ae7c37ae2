package queries_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/internal/testenv"
	"github.com/opengms/callback/queries"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func save(t *testing.T, s *queries.Store, rec callback.Record) error {
	t.Helper()
	_, err := s.Save(context.Background(), rec)
	return err
}

func newStore(t *testing.T) *queries.Store {
	t.Helper()
	ctx := context.Background()
	s, err := queries.Open(ctx, testenv.Database(t))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Migrate(ctx))
	require.NoError(t, s.Migrate(ctx), "migrations are idempotent")
	return s
}

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func record(version int64, state callback.State, number string) callback.Record {
	return callback.Record{ID: "cb-1", Service: "svc", State: state, DesiredTime: t0, Version: version,
		Properties: map[string]string{callback.KeyCustomerNumber: number}, LookupKeys: []string{callback.KeyCustomerNumber}}
}

func TestStaleWritesNeverMoveACallbackBackwards(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	require.NoError(t, save(t, s, record(1, callback.Scheduled, "1")))
	require.NoError(t, save(t, s, record(3, callback.Routing, "3")))
	require.NoError(t, save(t, s, record(2, callback.Queued, "2")), "a late write is not an error")
	require.NoError(t, save(t, s, record(3, callback.Routing, "3")), "a retried write is harmless")
	got, err := s.Get(ctx, "cb-1")
	require.NoError(t, err)
	require.Equal(t, int64(3), got.Version)
	require.Equal(t, callback.Routing, got.State)

	// The stale write did not record its lookup value either; the earlier
	// ones are still found.
	find := func(number string) int {
		recs, err := s.Lookup(ctx, queries.Filter{Matches: []queries.Match{{Key: callback.KeyCustomerNumber, Value: number}}}, t0)
		require.NoError(t, err)
		return len(recs)
	}
	require.Equal(t, 1, find("1"))
	require.Equal(t, 0, find("2"))
	require.Equal(t, 1, find("3"))

	require.NoError(t, s.Admit(ctx, queries.Admission{Record: record(0, callback.Scheduled, "9")}))
	got, err = s.Get(ctx, "cb-1")
	require.NoError(t, err)
	require.Equal(t, int64(3), got.Version, "an admission never overwrites a callback")
	require.NoError(t, s.DeleteAdmission(ctx, "cb-1"))
	_, err = s.Get(ctx, "cb-1")
	require.NoError(t, err, "only a version-0 row is an admission to delete")
}

func TestLookupExpiresAndFilters(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	rec := record(1, callback.Scheduled, "5")
	require.NoError(t, save(t, s, rec))
	match := []queries.Match{{Key: callback.KeyCustomerNumber, Value: "5"}}
	got, err := s.Lookup(ctx, queries.Filter{Service: "svc", Matches: match, State: callback.Completed, NotState: true}, t0)
	require.NoError(t, err)
	require.Len(t, got, 1)
	got, err = s.Lookup(ctx, queries.Filter{Service: "other", Matches: match}, t0)
	require.NoError(t, err)
	require.Empty(t, got)
	got, err = s.Lookup(ctx, queries.Filter{Matches: match}, t0.Add(callback.Retention+time.Second))
	require.NoError(t, err)
	require.Empty(t, got, "past its expiration time")
	// Values that look like SQL are data.
	got, err = s.Lookup(ctx, queries.Filter{Matches: []queries.Match{{Key: "k' OR '1'='1", Value: "x'; DROP TABLE callbacks; --"}}}, t0)
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = s.Get(ctx, rec.ID)
	require.NoError(t, err)
}

func TestBookedCountsOpenCallbacksPerBucket(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for i, tc := range []struct {
		at    time.Duration
		state callback.State
	}{{0, callback.Scheduled}, {4 * time.Minute, callback.Queued}, {5 * time.Minute, callback.Scheduled}, {time.Minute, callback.Completed}} {
		rec := record(1, tc.state, "1")
		rec.ID, rec.DesiredTime = string(rune('a'+i)), t0.Add(tc.at)
		require.NoError(t, save(t, s, rec))
	}
	got, err := s.Booked(ctx, "svc", 5*time.Minute, t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, map[time.Time]int{t0: 2, t0.Add(5 * time.Minute): 1}, got)
}

func TestQueuesListOpenAndRecentlyCompletedCallbacks(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	rec := func(id string, state callback.State, at time.Time) callback.Record {
		r := record(1, state, "1")
		r.ID, r.DesiredTime = id, at
		return r
	}
	for _, r := range []callback.Record{
		rec("open-late", callback.Scheduled, t0.Add(2*time.Hour)),
		rec("open-early", callback.Queued, t0),
		rec("done-recently", callback.Completed, t0.Add(time.Hour)),
		rec("done-long-ago", callback.Completed, t0.Add(30*time.Minute)),
		rec("open-beyond-end", callback.Scheduled, t0.Add(48*time.Hour)),
	} {
		require.NoError(t, save(t, s, r))
	}
	_, err := s.DB.ExecContext(ctx, `UPDATE callbacks SET updated_at = now() - interval '10 hours' WHERE id = 'done-long-ago'`)
	require.NoError(t, err)
	ids := func(max int) []string {
		got, err := s.Queues(ctx, queries.QueueFilter{Service: "svc", End: t0.Add(24 * time.Hour),
			CompletedSince: time.Now().Add(-3 * time.Hour), Max: max})
		require.NoError(t, err)
		var out []string
		for _, r := range got["svc"] {
			out = append(out, r.ID)
		}
		return out
	}
	require.Equal(t, []string{"open-early", "done-recently", "open-late"}, ids(10), "desired-time order; old completions and later ones left out")
	require.Equal(t, []string{"open-early", "done-recently"}, ids(2), "cut at max")
}

func TestMigrationsLeaveTheIndexesQueriesUse(t *testing.T) {
	s := newStore(t)
	var names []string
	require.NoError(t, s.DB.Select(&names, `SELECT indexname FROM pg_indexes WHERE tablename = 'callbacks' ORDER BY 1`))
	require.Contains(t, names, "callbacks_executing")
	require.Contains(t, names, "callbacks_completed_by_update")
	require.NotContains(t, names, "callbacks_properties", "unused: dropped")
	require.NotContains(t, names, "callbacks_service_number", "unused: dropped")
	var invalid int
	require.NoError(t, s.DB.Get(&invalid, `SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
		WHERE c.relname = 'callbacks' AND NOT i.indisvalid`))
	require.Zero(t, invalid, "every index built (CONCURRENTLY leaves invalid ones on failure)")
}
