package workflows

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/gmserr"
)

func TestTransitionsOutsideTheDiagramPanic(t *testing.T) {
	f := &flow{cb: callback.Record{ID: "cb-1"}, phase: PhaseQueued}
	require.PanicsWithValue(t, "callback cb-1: no transition queued -> scheduled", func() { f.to(PhaseScheduled) })
	f.to(PhasePaused)
	require.Equal(t, PhasePaused, f.phase)
	for p := range transitions {
		require.False(t, p.final(), "nothing leaves %s", p)
	}
	require.Empty(t, transitions[PhaseCompleted])
	require.Empty(t, transitions[PhaseForgotten])
}

func TestStartPhaseFollowsTheAdmission(t *testing.T) {
	rec := func(s callback.State) callback.Record { return callback.Record{State: s} }
	for _, c := range []struct {
		in   Input
		want Phase
	}{
		{Input{Record: rec(callback.Scheduled)}, PhaseScheduled},
		{Input{Record: rec(callback.Queued), Immediate: true}, PhaseSubmitting},
		{Input{Record: rec(callback.Paused), Immediate: true, Paused: true}, PhaseHeld},
		{Input{Record: rec(callback.Processing)}, PhaseQueued},
		{Input{Record: rec(callback.Completed)}, PhaseCompleted},
		{Input{Record: rec(callback.Paused), Phase: PhasePaused}, PhasePaused},
	} {
		require.Equal(t, c.want, startPhase(c.in), "%+v", c.in)
	}
}

// A cancel of a QUEUED callback is in flight at ORS when a pause and a
// second cancel arrive: they wait for it, so ORS gets one cancel and no
// pause event for a session being cancelled.
func TestHandlersWaitForAnotherHandlersORSCall(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	h.env.OnActivity(act.CancelORSSession, mock.Anything, mock.Anything).After(5 * time.Second).Return(func(_ context.Context, _ contract.CancelRequest) error {
		h.cancels++
		return nil
	})
	var events []string
	h.env.OnActivity(act.NotifyORS, mock.Anything, mock.Anything).Return(func(_ context.Context, req contract.EventRequest) error {
		events = append(events, req.Event)
		return nil
	}).Maybe()
	var first, pause, second func() *gmserr.Error
	h.at(time.Minute, func() {
		first = h.update(UpdateCancel, CancelRequest{})
		pause = h.update(UpdatePause, PauseRequest{Paused: true})
		second = h.update(UpdateCancel, CancelRequest{})
	})

	rec := h.run(input(0, true))

	require.Nil(t, first())
	require.Nil(t, pause(), "nothing to pause once completed")
	e := second()
	require.NotNil(t, e)
	require.Equal(t, "Callback cb-1 cannot be cancelled or completed - _callback_state=COMPLETED", e.Message)
	require.Equal(t, 1, h.cancels, "one ORS cancel")
	require.Empty(t, events, "no callback.pause to a session being cancelled")
	require.Equal(t, callback.ReasonCancelled, rec.Reason)
}

// A reschedule into a full bucket is refused as a whole: the properties it
// carried are not kept either.
func TestRefusedRescheduleKeepsNoPropertyChange(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	h.env.OnActivity(act.MoveCallback, mock.Anything, mock.Anything).Return(
		temporal.NewNonRetryableApplicationError("time bucket full", contract.ErrTypeBucketFull, nil))
	target := t0.Add(3 * time.Hour)
	bucket := callback.Bucket{Start: target, End: target.Add(5 * time.Minute), Capacity: 1}
	var refused func() *gmserr.Error
	h.at(time.Minute, func() {
		refused = h.update(UpdateChange, ChangeRequest{NewDesiredTime: target, Bucket: &bucket,
			Properties: map[string]string{"usr_name": "Eve", "usr_new": "x"}})
	})
	h.at(2*time.Minute, func() { h.update(UpdateChange, ChangeRequest{Properties: map[string]string{"usr_other": "y"}}) })
	h.at(time.Hour, func() { h.update(UpdateChange, report(callback.Completed, "")) })

	rec := h.run(input(time.Hour, false))

	require.Equal(t, 40051, refused().Code)
	require.NotEmpty(t, h.saved)
	for _, s := range h.saved {
		require.Equal(t, "Bob", s.Properties["usr_name"], "version %d", s.Version)
		require.NotContains(t, s.Properties, "usr_new", "version %d", s.Version)
	}
	require.Equal(t, "y", rec.Properties["usr_other"])
	require.Equal(t, t0.Add(time.Hour), rec.DesiredTime)
}

// A bucketed reschedule shows its new desired time in Temporal search.
func TestBucketedMoveUpsertsDesiredTime(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	h.env.OnActivity(act.MoveCallback, mock.Anything, mock.Anything).Return(nil)
	var desired []time.Time
	h.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		if d, ok := sa.GetTime(callback.SearchDesiredTime); ok {
			desired = append(desired, d)
		}
	}).Return(nil)
	target := t0.Add(3 * time.Hour)
	bucket := callback.Bucket{Start: target, End: target.Add(5 * time.Minute), Capacity: 1}
	h.at(time.Minute, func() { h.update(UpdateChange, ChangeRequest{NewDesiredTime: target, Bucket: &bucket}) })
	var afterMove []time.Time
	h.at(5*time.Minute, func() { afterMove = append(afterMove, desired...) })
	h.at(10*time.Minute, func() { h.update(UpdateChange, report(callback.Completed, "")) })

	h.run(input(time.Hour, false))

	require.Equal(t, []time.Time{target}, afterMove, "the move upserts the new desired time, before any other write")
}

// What ORS receives obeys the override rule: the effective options (which
// hold a request's value only where the rule lets it through) win over the
// request's properties; other properties pass as they are.
func TestORSReceivesTheEffectiveOptions(t *testing.T) {
	h := newHarness(t)
	var params map[string]string
	h.env.OnActivity(act.SubmitToORS, mock.Anything, mock.Anything).Return(func(_ context.Context, req contract.SubmitRequest) (contract.SubmitResult, error) {
		params = req.Params
		return contract.SubmitResult{SessionID: "s-1"}, nil
	})
	in := input(0, true)
	in.Record.Properties["_target"] = "Evil@X.GA"
	in.Record.Properties["_urs_virtual_queue"] = "VQ_JUMP"
	in.Record.Properties["order_id"] = "42"
	in.Settings.Options = map[string]string{"_target": "Billing@Stat_Server.GA", "_urs_virtual_queue": "VQ_Billing",
		"_media_type": "voice"}
	h.at(time.Minute, func() { h.update(UpdateChange, report(callback.Completed, "")) })

	h.run(in)

	require.Equal(t, "Billing@Stat_Server.GA", params["_target"])
	require.Equal(t, "VQ_Billing", params["_urs_virtual_queue"])
	require.Equal(t, "voice", params["_media_type"])
	require.Equal(t, "42", params["order_id"])
	require.Equal(t, "5115", params[callback.KeyCustomerNumber])
	require.Equal(t, "cb-1", params[callback.KeyID])
}

// The API's waits cover the longest a submission can take: every attempt
// running into the ORS time-out plus the backoff between them.
func TestWaitsCoverTheWorstSubmission(t *testing.T) {
	for n := 1; n <= 20; n++ {
		worst := time.Duration(n) * contract.ORSTimeout
		for i, iv := 1, time.Second; i < n; i, iv = i+1, min(2*iv, 10*time.Second) {
			worst += iv
		}
		require.Greater(t, SubmitWait(n), worst, "attempts %d", n)
		require.Greater(t, UpdateWait(n), SubmitWait(n)+contract.ORSTimeout, "attempts %d", n)
	}
	require.Greater(t, SubmitWait(10), 90*time.Second, "the old fixed wait expired while ORS was still being tried")
	require.Equal(t, SubmitWait(1), SubmitWait(0), "at least one attempt")
}

// Workflow code links no read-model or database code.
func TestWorkflowPackageLinksNoDatabase(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/opengms/callback/queries", "github.com/jmoiron/sqlx", "github.com/lib/pq", "database/sql"} {
			require.NotEqual(t, banned, dep, "workflows links %s", banned)
		}
	}
}

// A continued-as-new run resumes in the phase it was carried over in: a
// held callback stays held (never submitted, no pause check) until its
// service resumes, and keeps when it fell due.
func TestContinuedRunResumesItsPhase(t *testing.T) {
	h := newHarness(t)
	var dues []time.Time
	h.env.OnActivity(act.SubmitToORS, mock.Anything, mock.Anything).Return(func(_ context.Context, req contract.SubmitRequest) (contract.SubmitResult, error) {
		h.submits = append(h.submits, h.env.Now().UTC())
		dues = append(dues, req.Due)
		return contract.SubmitResult{SessionID: "s-1"}, nil
	})
	in := input(-time.Hour, false)
	in.Record.State, in.Phase, in.Due = callback.Paused, PhaseHeld, t0.Add(-time.Hour)
	var resumed func() *gmserr.Error
	h.at(10*time.Minute, func() {
		require.Empty(t, h.submits, "held")
		resumed = h.update(UpdatePause, PauseRequest{Paused: false})
	})
	h.at(20*time.Minute, func() { h.update(UpdateChange, report(callback.Completed, "")) })

	h.run(in)

	require.Nil(t, resumed())
	require.Equal(t, []time.Time{t0.Add(10 * time.Minute)}, h.submits)
	require.Equal(t, []time.Time{t0.Add(-time.Hour)}, dues, "fire lateness from when it fell due")
}
