package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/opengms/callback/activities"
	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/gmserr"
)

// act is the nil receiver the workflow names activities by.
var act *activities.Activities

// CallbackWorkflow is one callback's whole life (workflow ID = `_id`):
//
//	SCHEDULED --due--> submit --ok--> QUEUED --PUT--> ROUTING/PAUSED/PROCESSING --PUT--> COMPLETED
//	          \-- cancel --> COMPLETED/CANCELLED        submit exhausted --> COMPLETED/SUBMIT_ERROR
//
// An immediate callback starts QUEUED and submits at once. Cancels,
// reschedules, state reports and property changes arrive as Updates; every
// change is written to the read model by an activity.
func CallbackWorkflow(ctx workflow.Context, in Input) (callback.Record, error) {
	f := &flow{cb: in.Record, set: in.Settings, submitNow: in.Immediate, held: in.Paused, pausedInORS: in.PausedInORS,
		checkPause: in.Resumed && in.Immediate, indexed: indexKey(&in.Record)} // set at start (continue-as-new carries them)
	// The admission row already holds in.Record; the first write is the
	// first change.
	if err := f.register(ctx); err != nil {
		return f.cb, err
	}
	return f.run(ctx)
}

// flow is the workflow's state.
type flow struct {
	cb          callback.Record
	set         Settings
	submitNow   bool      // submit at the next turn of the loop
	submitting  bool      // an ORS submit is in flight
	moving      bool      // a reschedule is taking its new place
	forgotten   bool      // deleted on request: end without another write
	checkPause  bool      // ask whether the service is paused before submitting
	held        bool      // due, but its service is paused: PAUSED until resumed
	pausedInORS bool      // QUEUED in ORS, paused with its service
	due         time.Time // when the callback fell due (scheduled)
	indexed     string    // what the search attributes show (indexKey)
	rev         int       // bumped by every change; wakes the main loop
	settled     int64     // highest version whose read-model write finished
	pending     int       // read-model writes in flight
}

func (f *flow) submitPending() bool { return f.submitNow || f.submitting }

// idle tells that no submit or move is in flight: changes wait for it, so
// none interleaves with another.
func (f *flow) idle() bool { return !f.submitting && !f.moving }

// run is the main loop: sleep while SCHEDULED, submit when due, otherwise
// wait for the next change, until COMPLETED.
func (f *flow) run(ctx workflow.Context) (callback.Record, error) {
	for f.cb.State != callback.Completed && !f.forgotten {
		if err := workflow.Await(ctx, f.idle); err != nil {
			return f.cb, err
		}
		var err error
		switch {
		case f.submitNow && f.checkPause:
			f.checkPause = false
			if f.servicePaused(ctx) {
				f.held = true
				f.cb.State = callback.Paused
				f.changed(ctx)
			}
		case f.submitNow && !f.held:
			f.submit(ctx)
		case f.cb.State == callback.Scheduled:
			err = f.sleepUntilDue(ctx)
		default:
			rev := f.rev
			err = workflow.Await(ctx, func() bool { return f.rev != rev })
		}
		if err != nil {
			return f.cb, err
		}
		if f.cb.State != callback.Completed && !f.forgotten && historyLarge(ctx) {
			if err := f.drain(ctx); err != nil {
				return f.cb, err
			}
			return f.cb, workflow.NewContinueAsNewError(ctx, CallbackWorkflow,
				Input{Record: f.cb, Settings: f.set, Immediate: f.submitNow, Paused: f.held, PausedInORS: f.pausedInORS, Resumed: true})
		}
	}
	if f.forgotten {
		// Stay open, inert, until the API deletes this execution: deleting
		// a running execution takes effect at once.
		_, err := workflow.AwaitWithTimeout(ctx, forgetGrace, func() bool { return false })
		return f.cb, err
	}
	return f.cb, f.drain(ctx)
}

// historyLarge tells when to continue as new.
func historyLarge(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= maxHistoryEvents
}

// drain waits until every update handler has answered and every read-model
// write has finished, so nothing is lost when the run ends.
func (f *flow) drain(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return f.pending == 0 && workflow.AllHandlersFinished(ctx) })
}

// sleepUntilDue sleeps until `_desired_time - buffer - EWT`; a change
// (reschedule, property update) re-arms the timer with the new due time.
func (f *flow) sleepUntilDue(ctx workflow.Context) error {
	due := f.cb.DesiredTime.Add(-f.set.ExecutionBuffer - f.expectedWait(ctx))
	wait := due.Sub(workflow.Now(ctx))
	if wait <= 0 {
		f.submitNow, f.checkPause, f.due = true, true, due
		return nil
	}
	rev := f.rev
	_, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return f.rev != rev })
	return err // timed out or changed: the loop decides again (EWT re-read on wake)
}

// servicePaused asks whether the callback's service is paused now.
func (f *flow) servicePaused(ctx workflow.Context) bool {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 5 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	var paused bool
	if err := workflow.ExecuteLocalActivity(lctx, act.ServicePaused, f.cb.Service).Get(ctx, &paused); err != nil {
		workflow.GetLogger(ctx).Warn("pause check failed, submitting", "error", err)
		return false
	}
	return paused
}

// expectedWait reads the `_request_queue_time_stat` statistic (0 if none).
func (f *flow) expectedWait(ctx workflow.Context) time.Duration {
	if f.set.QueueTimeStat == "" {
		return 0
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 2},
	})
	var secs int
	if err := workflow.ExecuteActivity(actx, act.ExpectedWaitTime, f.set.QueueTimeStat).Get(ctx, &secs); err != nil {
		workflow.GetLogger(ctx).Warn("expected wait time failed, using 0", "error", err)
		return 0
	}
	return time.Duration(secs) * time.Second
}

// submit hands the callback to ORS, retried up to `_max_ors_submit_attempts`
// (each attempt carries the same idempotency key). Success: QUEUED with the
// session id. Exhaustion: COMPLETED/SUBMIT_ERROR.
func (f *flow) submit(ctx workflow.Context) {
	f.submitNow, f.submitting = false, true
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    10 * time.Second,
			MaximumAttempts:    int32(max(1, f.set.MaxSubmitAttempts)),
		},
	})
	due := f.due
	if due.IsZero() {
		due = f.cb.CreatedAt // immediate: due when admitted
	}
	req := activities.SubmitRequest{Service: f.cb.Service, Due: due, ORSURL: f.set.ORSURL, AppURL: f.set.AppURL,
		ID: f.cb.ID, Params: f.orsParams()}
	var res activities.SubmitResult
	err := workflow.ExecuteActivity(actx, act.SubmitToORS, req).Get(ctx, &res)
	f.submitting = false
	if err != nil {
		workflow.GetLogger(ctx).Warn("ORS submit failed for good", "attempts", f.set.MaxSubmitAttempts, "error", err)
		f.complete(ctx, callback.ReasonSubmitError)
		return
	}
	f.cb.ORSSessionID = res.SessionID
	f.cb.State = callback.Queued
	f.cb.QueuedAt = workflow.Now(ctx).UTC()
	f.changed(ctx)
}

// orsParams are the effective options overlaid with every property.
func (f *flow) orsParams() map[string]string {
	out := make(map[string]string, len(f.set.Options)+len(f.cb.Properties)+8)
	for k, v := range f.set.Options {
		out[k] = v
	}
	for k, v := range f.cb.AllProperties() {
		out[k] = v
	}
	out[callback.KeyCallbackURL] = f.set.CallbackURL
	return out
}

// complete ends the callback with reason; the loop then finishes.
func (f *flow) complete(ctx workflow.Context, reason string) int64 {
	f.cb.State, f.cb.Reason = callback.Completed, reason
	f.submitNow = false
	return f.changed(ctx)
}

// changed records a change: wakes the loop and writes the new version.
func (f *flow) changed(ctx workflow.Context) int64 {
	f.rev++
	return f.save(ctx)
}

// save writes the current state as the next version without blocking the
// workflow: a read-model outage delays the write, never the callback.
func (f *flow) save(ctx workflow.Context) int64 {
	f.index(ctx)
	f.cb.Version++
	v := f.cb.Version
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 500 * time.Millisecond, MaximumInterval: 10 * time.Second},
	})
	fut := workflow.ExecuteActivity(actx, act.SaveCallback, f.cb.Clone())
	f.pending++
	workflow.Go(ctx, func(gctx workflow.Context) {
		if err := fut.Get(gctx, nil); err != nil {
			workflow.GetLogger(gctx).Error("read-model write failed", "version", v, "error", err)
		}
		f.settled = max(f.settled, v)
		f.pending--
	})
	return v
}

// index keeps the search attributes current: upserted only when the
// state, desired time or number changed since the start or the last upsert.
func (f *flow) index(ctx workflow.Context) {
	key := indexKey(&f.cb)
	if key == f.indexed {
		return
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, f.cb.SearchAttributes()...); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not updated", "error", err)
		return
	}
	f.indexed = key
}

// indexKey is what a record's search attributes depend on.
func indexKey(r *callback.Record) string {
	return string(r.State) + "|" + r.DesiredTime.String() + "|" + r.CustomerNumber()
}

// awaitSettled waits until version v reached the read model, so a client
// that reads after an update sees it — but no longer than settleWait: while
// the read model is down the change stands (it is in the history) and the
// write lands when it is back.
func (f *flow) awaitSettled(ctx workflow.Context, v int64) error {
	_, err := workflow.AwaitWithTimeout(ctx, settleWait, func() bool { return f.settled >= v })
	return err
}

// errORS is the envelope of a refused ORS cancel.
func errORS(err error) error {
	msg := err.Error()
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		msg = appErr.Message()
	}
	return gmserr.ToTemporal(gmserr.New(gmserr.ORSError, "%s", msg))
}
