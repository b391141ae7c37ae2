package queries_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/notify"
	"github.com/opengms/callback/queries"
)

// kinds are the events of cb-1 after seq after, as "event STATE".
func kinds(t *testing.T, s *queries.Store, after int64) ([]string, int64) {
	t.Helper()
	evs, err := s.EventsAfter(context.Background(), "cb-1", after, 100)
	require.NoError(t, err)
	var out []string
	for _, e := range evs {
		require.Greater(t, e.Seq, after, "in order")
		require.Equal(t, "svc", e.Service)
		out = append(out, e.Event+" "+e.State)
		after = e.Seq
	}
	return out, after
}

// TestEveryChangeIsAnEvent: the trigger records each change of state,
// reason or desired time, whoever writes it, and nothing else; a late or
// repeated write records nothing; deleting the callback deletes them.
func TestEveryChangeIsAnEvent(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	require.NoError(t, s.Admit(ctx, queries.Admission{Record: record(0, callback.Scheduled, "1")}))
	got, last := kinds(t, s, 0)
	require.Equal(t, []string{notify.Created + " SCHEDULED"}, got, "the trigger names events as package notify does")

	moved := record(1, callback.Scheduled, "1")
	moved.DesiredTime = t0.Add(time.Hour)
	require.NoError(t, save(t, s, moved))
	props := record(2, callback.Scheduled, "1")
	props.DesiredTime, props.Properties["usr_x"] = moved.DesiredTime, "y"
	require.NoError(t, save(t, s, props)) // a property alone: no event
	queued := record(3, callback.Queued, "1")
	queued.DesiredTime = moved.DesiredTime
	require.NoError(t, save(t, s, queued))
	require.NoError(t, save(t, s, queued))                             // retried
	require.NoError(t, save(t, s, record(2, callback.Scheduled, "1"))) // late
	done := queued
	done.Version, done.State, done.Reason = 4, callback.Completed, "AGENT_CONNECTED"
	require.NoError(t, save(t, s, done))
	got, _ = kinds(t, s, last)
	require.Equal(t, []string{notify.Rescheduled + " SCHEDULED", notify.StateChanged + " QUEUED", notify.StateChanged + " COMPLETED"}, got)

	require.NoError(t, s.Delete(ctx, "cb-1"))
	got, _ = kinds(t, s, 0)
	require.Empty(t, got, "a deleted callback's events go with it")
}

// TestListenerWakesOnCommitsOfOtherConnections: a subscriber hears of a
// change another connection (another process) commits, and only of its
// callback's; a creation is not announced.
func TestListenerWakesOnCommitsOfOtherConnections(t *testing.T) {
	s := newStore(t)
	other, err := queries.Open(context.Background(), s.URL())
	require.NoError(t, err)
	t.Cleanup(func() { other.Close() })
	l, err := s.Listen(slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	mine, cancel := l.Subscribe("cb-1")
	defer cancel()
	theirs, cancel2 := l.Subscribe("cb-2")
	defer cancel2()

	require.NoError(t, save(t, other, record(1, callback.Scheduled, "1")))
	select {
	case <-mine:
		t.Fatal("woken by the callback's creation: nobody streams it before its _id is answered")
	case <-time.After(200 * time.Millisecond):
	}
	require.NoError(t, save(t, other, record(2, callback.Queued, "1")))
	select {
	case <-mine:
	case <-time.After(5 * time.Second):
		t.Fatal("the subscriber was not woken")
	}
	select {
	case <-theirs:
		t.Fatal("another callback's subscriber was woken")
	case <-time.After(200 * time.Millisecond):
	}
}

// TestDeliveryRecordsAreIdempotent: a retried or late attempt's write
// never moves a delivery back, and a delivered one stays delivered.
func TestDeliveryRecordsAreIdempotent(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	require.NoError(t, save(t, s, record(1, callback.Scheduled, "1")))
	d := queries.Delivery{ID: "cb-1", Seq: 1, Event: "created", State: "SCHEDULED", URL: "https://h/1", LastTry: t0}
	attempt := func(n int, status, e string) {
		d.Attempts, d.Status, d.Error = n, status, e
		d.LastTry = t0.Add(time.Duration(n) * time.Second)
		require.NoError(t, s.RecordDelivery(ctx, d))
	}
	attempt(1, queries.DeliveryRetrying, "refused")
	attempt(3, queries.DeliveryRetrying, "503")
	attempt(2, queries.DeliveryRetrying, "late") // an earlier attempt's late write
	ds, err := s.Deliveries(ctx, "cb-1")
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.Equal(t, 3, ds[0].Attempts)
	require.Equal(t, "503", ds[0].Error)
	attempt(4, queries.DeliveryDelivered, "")
	attempt(4, queries.DeliveryRetrying, "retried write") // cannot undo delivered
	require.NoError(t, s.GiveUpDelivery(ctx, "cb-1", 1))
	ds, err = s.Deliveries(ctx, "cb-1")
	require.NoError(t, err)
	require.Equal(t, queries.DeliveryDelivered, ds[0].Status)
	require.Equal(t, 4, ds[0].Attempts)

	d.ID = "gone" // a forgotten callback records nothing
	require.NoError(t, s.RecordDelivery(ctx, d))
	ds, err = s.Deliveries(ctx, "gone")
	require.NoError(t, err)
	require.Empty(t, ds)
}
