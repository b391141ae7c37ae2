package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/opengms/callback/activities"
	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/gmserr"
)

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// act names the activities in mocks (the workflow names them by string).
var act *activities.Activities

// harness runs one CallbackWorkflow on the test environment and records
// what it asked of ORS and of the read model.
type harness struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	saved   []callback.Record
	submits []time.Time
	cancels int
}

func newHarness(t *testing.T) *harness {
	var s testsuite.WorkflowTestSuite
	h := &harness{t: t, env: s.NewTestWorkflowEnvironment()}
	h.env.SetStartTime(t0)
	h.env.RegisterWorkflow(CallbackWorkflow)
	h.env.RegisterActivity(&activities.Activities{})
	h.env.OnActivity(act.SaveCallback, mock.Anything, mock.Anything).Return(func(_ context.Context, rec callback.Record) error {
		h.saved = append(h.saved, rec)
		return nil
	}).Maybe()
	return h
}

// orsAccepts makes every submit succeed with session "s-1".
func (h *harness) orsAccepts() {
	h.env.OnActivity(act.SubmitToORS, mock.Anything, mock.Anything).Return(func(_ context.Context, req contract.SubmitRequest) (contract.SubmitResult, error) {
		h.submits = append(h.submits, h.env.Now().UTC())
		require.Equal(h.t, req.ID, req.Params[callback.KeyID])
		require.Equal(h.t, "http://api/cb", req.Params[callback.KeyCallbackURL])
		return contract.SubmitResult{SessionID: "s-1"}, nil
	}).Maybe()
}

func (h *harness) orsCancel(err error) {
	h.env.OnActivity(act.CancelORSSession, mock.Anything, mock.Anything).Return(func(_ context.Context, req contract.CancelRequest) error {
		h.cancels++
		require.Equal(h.t, "s-1", req.SessionID)
		return err
	}).Maybe()
}

// at schedules fn at workflow time t0+d.
func (h *harness) at(d time.Duration, fn func()) { h.env.RegisterDelayedCallback(fn, d) }

// update sends an update and returns a function reporting its outcome
// (rejected or failed: the envelope; else nil).
func (h *harness) update(name string, arg any) func() *gmserr.Error {
	var got error
	done := false
	cb := &testsuite.TestUpdateCallback{
		OnAccept:   func() {},
		OnReject:   func(err error) { got, done = err, true },
		OnComplete: func(_ any, err error) { got, done = err, true },
	}
	h.env.UpdateWorkflow(name, "", cb, arg)
	return func() *gmserr.Error {
		require.True(h.t, done, "update %s did not finish", name)
		if got == nil {
			return nil
		}
		e := gmserr.FromTemporal(got)
		require.NotNil(h.t, e, "update %s failed without an envelope: %v", name, got)
		return e
	}
}

func (h *harness) run(in Input) callback.Record {
	h.env.ExecuteWorkflow(CallbackWorkflow, in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	var rec callback.Record
	require.NoError(h.t, h.env.GetWorkflowResult(&rec))
	return rec
}

func (h *harness) lastSaved() callback.Record { return h.saved[len(h.saved)-1] }

func input(desired time.Duration, immediate bool) Input {
	state := callback.Scheduled
	if immediate {
		state = callback.Queued
	}
	return Input{
		Record: callback.Record{ID: "cb-1", Service: "svc", State: state, DesiredTime: t0.Add(desired),
			Properties: map[string]string{callback.KeyCustomerNumber: "5115", "usr_name": "Bob"}},
		Settings: Settings{ORSURL: "http://ors", AppURL: "app.scxml", CallbackURL: "http://api/cb",
			MaxSubmitAttempts: 3, ExecutionBuffer: 2 * time.Minute, MandatoryKeys: []string{callback.KeyCustomerNumber},
			Options: map[string]string{"_media_type": "voice"}},
		Immediate: immediate,
	}
}

func report(state callback.State, reason string) ChangeRequest {
	return ChangeRequest{State: state, Reason: reason}
}

func TestScheduledCallbackSleepsSubmitsAndFollowsORS(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	var routing, processing, completed func() *gmserr.Error
	h.at(time.Hour, func() {
		require.Equal(t, callback.Queued, h.lastSaved().State)
		require.Equal(t, "s-1", h.lastSaved().ORSSessionID)
		routing = h.update(UpdateChange, report(callback.Routing, ""))
	})
	h.at(time.Hour+time.Minute, func() { processing = h.update(UpdateChange, report(callback.Processing, "")) })
	h.at(time.Hour+2*time.Minute, func() { completed = h.update(UpdateChange, report(callback.Completed, "AGENT_CONNECTED")) })

	rec := h.run(input(time.Hour, false))

	require.Equal(t, []time.Time{t0.Add(time.Hour - 2*time.Minute)}, h.submits, "submitted once, buffer before due")
	require.Nil(t, routing())
	require.Nil(t, processing())
	require.Nil(t, completed())
	require.Equal(t, callback.Completed, rec.State)
	require.Equal(t, "AGENT_CONNECTED", rec.Reason)
	var states []callback.State
	for i, s := range h.saved {
		require.Equal(t, int64(i+1), s.Version, "versions increase by one")
		states = append(states, s.State)
	}
	require.Equal(t, []callback.State{callback.Queued, callback.Routing, callback.Processing, callback.Completed}, states,
		"the admission row holds the initial SCHEDULED record: the first write is the first change")
}

func TestImmediateCallbackSubmitsAtOnceAndAnswersSubmitted(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	var submitted func() *gmserr.Error
	h.at(0, func() { submitted = h.update(UpdateSubmitted, nil) })
	h.at(time.Minute, func() { h.update(UpdateChange, report(callback.Completed, "AGENT_CONNECTED")) })

	h.run(input(0, true))

	require.Nil(t, submitted())
	require.Equal(t, []time.Time{t0}, h.submits)
}

func TestSubmitExhaustionEndsSubmitError(t *testing.T) {
	h := newHarness(t)
	attempts := 0
	h.env.OnActivity(act.SubmitToORS, mock.Anything, mock.Anything).Return(func(_ context.Context, _ contract.SubmitRequest) (contract.SubmitResult, error) {
		attempts++
		return contract.SubmitResult{}, errors.New("ORS answered 503")
	})
	var submitted func() *gmserr.Error
	h.at(0, func() { submitted = h.update(UpdateSubmitted, nil) })

	rec := h.run(input(0, true))

	require.Equal(t, 3, attempts, "_max_ors_submit_attempts")
	require.Equal(t, callback.Completed, rec.State)
	require.Equal(t, callback.ReasonSubmitError, rec.Reason)
	e := submitted()
	require.NotNil(t, e)
	require.Equal(t, 50006, e.Code)
	require.Equal(t, "ORS_MAX_SUBMIT_RETRIES", e.Phrase)
	require.EqualValues(t, 3, e.Properties["max-attempts"])
}

func TestCancelWhileSleepingNeverSubmits(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	var cancel func() *gmserr.Error
	h.at(10*time.Minute, func() { cancel = h.update(UpdateCancel, CancelRequest{}) })

	rec := h.run(input(time.Hour, false))

	require.Nil(t, cancel())
	require.Empty(t, h.submits)
	require.Zero(t, h.cancels)
	require.Equal(t, callback.Completed, rec.State)
	require.Equal(t, callback.ReasonCancelled, rec.Reason)
	require.Equal(t, callback.ReasonCancelled, h.lastSaved().Reason)
}

func TestRescheduleWhileSleepingRestartsTimer(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	var later, earlier func() *gmserr.Error
	h.at(10*time.Minute, func() { later = h.update(UpdateChange, ChangeRequest{NewDesiredTime: t0.Add(3 * time.Hour)}) })
	h.at(20*time.Minute, func() { earlier = h.update(UpdateChange, ChangeRequest{NewDesiredTime: t0.Add(2 * time.Hour)}) })
	h.at(3*time.Hour, func() { h.update(UpdateChange, report(callback.Completed, "")) })

	rec := h.run(input(time.Hour, false))

	require.Nil(t, later())
	require.Nil(t, earlier())
	require.Equal(t, []time.Time{t0.Add(2*time.Hour - 2*time.Minute)}, h.submits, "fires at the last desired time only")
	require.Equal(t, t0.Add(2*time.Hour), rec.DesiredTime)
	require.Equal(t, callback.ReasonNotAvailable, rec.Reason, "COMPLETED without reason")
}

func TestRescheduleIntoThePastSubmitsNow(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	h.at(10*time.Minute, func() { h.update(UpdateChange, ChangeRequest{NewDesiredTime: t0.Add(11 * time.Minute)}) })
	h.at(time.Hour, func() { h.update(UpdateChange, report(callback.Completed, "")) })
	h.run(input(time.Hour, false))
	require.Equal(t, []time.Time{t0.Add(10 * time.Minute)}, h.submits)
}

func TestCancelQueuedSendsORSCancel(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	h.orsCancel(nil)
	var cancel func() *gmserr.Error
	h.at(time.Minute, func() { cancel = h.update(UpdateCancel, CancelRequest{}) })
	rec := h.run(input(0, true))
	require.Nil(t, cancel())
	require.Equal(t, 1, h.cancels)
	require.Equal(t, callback.ReasonCancelled, rec.Reason)
}

func TestCancelRefusedByORS(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	h.orsCancel(temporal.NewNonRetryableApplicationError("ORS answered 500: boom", "ORS_CANCEL", nil))
	var refused, discarded func() *gmserr.Error
	h.at(time.Minute, func() { refused = h.update(UpdateCancel, CancelRequest{}) })
	h.at(2*time.Minute, func() {
		require.Equal(t, callback.Queued, h.lastSaved().State, "a refused cancel changes nothing")
		discarded = h.update(UpdateCancel, CancelRequest{DiscardORSFailure: true})
	})
	rec := h.run(input(0, true))
	e := refused()
	require.NotNil(t, e)
	require.Equal(t, 50030, e.Code)
	require.Contains(t, e.Message, "boom")
	require.Nil(t, discarded())
	require.Equal(t, 2, h.cancels)
	require.Equal(t, callback.ReasonCancelled, rec.Reason)
}

func TestGuardsRejectForbiddenChanges(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	var reschedQueued, backToScheduled, emptied, props func() *gmserr.Error
	h.at(time.Minute, func() {
		reschedQueued = h.update(UpdateChange, ChangeRequest{NewDesiredTime: t0.Add(time.Hour)})
		backToScheduled = h.update(UpdateChange, report(callback.Scheduled, ""))
		emptied = h.update(UpdateChange, ChangeRequest{Properties: map[string]string{callback.KeyCustomerNumber: ""}})
		props = h.update(UpdateChange, ChangeRequest{Properties: map[string]string{"usr_name": "", "usr_new": "x", callback.KeyID: "hack"}})
	})
	h.at(2*time.Minute, func() { h.update(UpdateChange, report(callback.Completed, "")) })
	rec := h.run(input(0, true))
	for _, e := range []*gmserr.Error{reschedQueued(), backToScheduled()} {
		require.NotNil(t, e)
		require.Equal(t, 40020, e.Code)
		require.Equal(t, "Callback cb-1 is no longer scheduled. State=QUEUED", e.Message)
	}
	e := emptied()
	require.NotNil(t, e)
	require.Equal(t, 40010, e.Code)
	require.Nil(t, props())
	require.Equal(t, "cb-1", rec.ID)
	require.Equal(t, map[string]string{callback.KeyCustomerNumber: "5115", "usr_new": "x"}, rec.Properties)
}

func TestCompletedRejectsEverything(t *testing.T) {
	f := &flow{cb: callback.Record{ID: "cb-1", Service: "svc", State: callback.Completed, DesiredTime: t0}, phase: PhaseCompleted}
	e := gmserr.FromTemporal(f.checkChange(ChangeRequest{State: callback.Routing}))
	require.Equal(t, 40020, e.Code)
	require.Equal(t, "Rejecting update : svc=[cb-1 @ 2026-03-02T12:00:00.000Z] - reached state COMPLETED", e.Message)
	e = gmserr.FromTemporal(f.checkCancel(CancelRequest{}))
	require.Equal(t, 40020, e.Code)
	require.Equal(t, "Callback cb-1 cannot be cancelled or completed - _callback_state=COMPLETED", e.Message)
}

func TestQueuedWithoutSessionCannotBeCancelled(t *testing.T) {
	f := &flow{cb: callback.Record{ID: "cb-1", State: callback.Queued}, phase: PhaseQueued}
	e := gmserr.FromTemporal(f.checkCancel(CancelRequest{}))
	require.Equal(t, 40020, e.Code)
	require.Contains(t, e.Message, "No ORS session found")
}

func TestForcedStateIsNeverSubmitted(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	in := input(0, false)
	in.Record.State = callback.Processing
	h.at(time.Hour, func() { h.update(UpdateChange, report(callback.Completed, "AGENT_CONNECTED")) })
	rec := h.run(in)
	require.Empty(t, h.submits)
	require.Equal(t, "AGENT_CONNECTED", rec.Reason)
}

func TestExpectedWaitTimeMovesSubmitEarlier(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	h.env.OnActivity(act.ExpectedWaitTime, mock.Anything, mock.Anything).Return(600, nil)
	in := input(time.Hour, false)
	in.Settings.QueueTimeStat = "ExpectedWaitTime;Queue;8999@SIP_Server;Environment"
	h.at(2*time.Hour, func() { h.update(UpdateChange, report(callback.Completed, "")) })
	h.run(in)
	require.Equal(t, []time.Time{t0.Add(time.Hour - 2*time.Minute - 10*time.Minute)}, h.submits)
}

func TestExpectedWaitTimeIsReadWhenTheCallbackNearsDue(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	var reads []time.Time
	h.env.OnActivity(act.ExpectedWaitTime, mock.Anything, mock.Anything).Return(func(context.Context, string) (int, error) {
		reads = append(reads, h.env.Now().UTC())
		return 600, nil
	})
	in := input(3*time.Hour, false) // booked 3 h ahead, buffer 2 min
	in.Settings.QueueTimeStat = "ExpectedWaitTime;Queue;8999@SIP_Server;Environment"
	h.at(4*time.Hour, func() { h.update(UpdateChange, report(callback.Completed, "")) })
	h.run(in)
	due := t0.Add(3*time.Hour - 2*time.Minute)
	require.NotEmpty(t, reads)
	require.Equal(t, due.Add(-ewtLookahead), reads[0], "not read when booked: an hour before due")
	require.Equal(t, []time.Time{due.Add(-10 * time.Minute)}, h.submits, "the wait read then moves the submit earlier")
}

func TestDueCallbackTakesTheConfigurationInForce(t *testing.T) {
	h := newHarness(t)
	var sent []contract.SubmitRequest
	h.env.OnActivity(act.SubmitToORS, mock.Anything, mock.Anything).Return(func(_ context.Context, req contract.SubmitRequest) (contract.SubmitResult, error) {
		h.submits = append(h.submits, h.env.Now().UTC())
		sent = append(sent, req)
		return contract.SubmitResult{SessionID: "s-1"}, nil
	})
	in := input(time.Hour, false) // buffer 2 min, ORS http://ors, _media_type voice
	changed := in.Settings
	changed.ORSURL, changed.CallbackURL, changed.ExecutionBuffer = "http://ors-2", "", 0
	changed.Options = map[string]string{"_media_type": "chat"}
	var asked []contract.ResolveRequest
	h.env.OnActivity(act.ResolveSettings, mock.Anything, mock.Anything).Return(func(_ context.Context, req contract.ResolveRequest) (contract.Settings, error) {
		asked = append(asked, req)
		return changed, nil
	})
	h.at(2*time.Hour, func() { h.update(UpdateChange, report(callback.Completed, "")) })
	h.run(in)
	require.NotEmpty(t, asked, "re-read when due")
	require.Equal(t, contract.ResolveRequest{Service: "svc", Properties: in.Record.Properties}, asked[0])
	require.Equal(t, []time.Time{t0.Add(time.Hour)}, h.submits, "the buffer now 0: submitted at the desired time, not 2 min before")
	require.Len(t, sent, 1)
	require.Equal(t, "http://ors-2", sent[0].ORSURL, "the ORS of the configuration in force")
	require.Equal(t, "chat", sent[0].Params["_media_type"], "the options in force reach ORS")
	require.Equal(t, "http://api/cb", sent[0].Params[callback.KeyCallbackURL], "the API's URL is the callback's")
}

func TestDueCallbackKeepsItsSettingsWhenTheServiceIsGone(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	h.env.OnActivity(act.ResolveSettings, mock.Anything, mock.Anything).Return(contract.Settings{},
		temporal.NewNonRetryableApplicationError("Service undefined: svc", "BAD_CONFIGURATION", nil))
	h.at(2*time.Hour, func() { h.update(UpdateChange, report(callback.Completed, "")) })
	h.run(input(time.Hour, false))
	require.Equal(t, []time.Time{t0.Add(time.Hour - 2*time.Minute)}, h.submits, "submitted with its own settings")
}

func TestLongLivedCallbackContinuesAsNew(t *testing.T) {
	h := newHarness(t)
	h.at(time.Minute, func() {
		h.update(UpdateChange, ChangeRequest{Properties: map[string]string{"usr_n": "1"}})
	})
	h.at(2*time.Minute, func() {
		h.env.SetCurrentHistoryLength(maxHistoryEvents)
		h.update(UpdateChange, ChangeRequest{Properties: map[string]string{"usr_n": "2"}})
	})
	h.env.ExecuteWorkflow(CallbackWorkflow, input(24*time.Hour, false))
	require.True(t, h.env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)
	var next Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, PhaseScheduled, next.Phase)
	require.Equal(t, callback.Scheduled, next.Record.State)
	require.Equal(t, int64(2), next.Record.Version, "carries its version")
	require.Equal(t, h.lastSaved().Version, next.Record.Version, "every write finished first")
	require.Equal(t, "2", next.Record.Properties["usr_n"])
}

func TestResumedRunDoesNotRewriteItsState(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	in := input(time.Hour, false)
	in.Phase, in.Record.Version = PhaseScheduled, 7
	h.at(2*time.Hour, func() { h.update(UpdateChange, report(callback.Completed, "")) })
	h.run(in)
	require.Equal(t, int64(8), h.saved[0].Version, "first write after resume continues the versions")
	require.Equal(t, callback.Queued, h.saved[0].State)
}

func TestRescheduleIntoAFullBucketChangesNothing(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	var moved []contract.MoveRequest
	full := true
	h.env.OnActivity(act.MoveCallback, mock.Anything, mock.Anything).Return(func(_ context.Context, req contract.MoveRequest) error {
		moved = append(moved, req)
		if full {
			return temporal.NewNonRetryableApplicationError("time bucket full", contract.ErrTypeBucketFull, nil)
		}
		return nil
	})
	target := t0.Add(3 * time.Hour)
	bucket := callback.Bucket{Start: target, End: target.Add(5 * time.Minute), Capacity: 2}
	var refused, accepted func() *gmserr.Error
	// Sent with the start, as a fast client does: it runs in the first task.
	h.at(0, func() { refused = h.update(UpdateChange, ChangeRequest{NewDesiredTime: target, Bucket: &bucket}) })
	h.at(time.Minute, func() {
		full = false
		accepted = h.update(UpdateChange, ChangeRequest{NewDesiredTime: target, Bucket: &bucket})
	})
	h.at(4*time.Hour, func() { h.update(UpdateChange, report(callback.Completed, "")) })

	rec := h.run(input(time.Hour, false))

	e := refused()
	require.NotNil(t, e)
	require.Equal(t, 40051, e.Code)
	require.Equal(t, "Too many requests at desired time slot [2026-03-02T15:00:00.000Z, 2026-03-02T15:05:00.000Z]. Proposing time slots.", e.Message)
	require.Nil(t, accepted())
	require.Len(t, moved, 2)
	for _, s := range h.saved {
		if s.Version < moved[1].Record.Version {
			require.Equal(t, t0.Add(time.Hour), s.DesiredTime, "no write carries a refused time")
		} else {
			require.Equal(t, target, s.DesiredTime)
		}
	}
	require.Less(t, moved[0].Record.Version, moved[1].Record.Version)
	require.Equal(t, []time.Time{target.Add(-2 * time.Minute)}, h.submits, "fires at the moved time")
	require.Equal(t, target, rec.DesiredTime)
}

func TestForgetEndsAScheduledCallbackWithoutATrace(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	var forgot func() *gmserr.Error
	h.at(time.Minute, func() { forgot = h.update(UpdateForget, nil) })
	h.run(input(30*time.Minute, false))
	require.Nil(t, forgot())
	require.Empty(t, h.submits, "never submitted")
	require.Empty(t, h.saved, "nothing written: the API deletes the admission row")
}

func TestForgetRefusesAQueuedCallback(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	var forgot func() *gmserr.Error
	h.at(time.Minute, func() { forgot = h.update(UpdateForget, nil) })
	h.at(2*time.Minute, func() { h.update(UpdateChange, report(callback.Completed, "")) })
	h.run(input(0, true))
	e := forgot()
	require.NotNil(t, e)
	require.Equal(t, "Callback cb-1 cannot be deleted - _callback_state=QUEUED", e.Message)
}
