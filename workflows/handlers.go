package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/opengms/callback/activities"
	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/queries"
)

// register installs the update and query handlers.
func (f *flow) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryRecord, func() (callback.Record, error) { return f.cb, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, UpdateSubmitted, f.onSubmitted); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancel, f.onCancel,
		workflow.UpdateHandlerOptions{Validator: f.checkCancel}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, UpdatePause, f.onPause); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateForget, f.onForget,
		workflow.UpdateHandlerOptions{Validator: func() error { return f.checkForget() }}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateChange, f.onChange,
		workflow.UpdateHandlerOptions{Validator: f.checkChange})
}

// onForget ends a SCHEDULED callback at once: it is never submitted and
// never written again.
func (f *flow) onForget(ctx workflow.Context) error {
	if err := workflow.Await(ctx, f.idle); err != nil {
		return err
	}
	if err := f.checkForget(); err != nil {
		return err
	}
	f.forgotten = true
	f.submitNow = false
	f.rev++
	return nil
}

// onSubmitted answers once the submission of an immediate callback has an
// outcome that the read model shows: nil when ORS accepted it, 50006 when
// every attempt failed.
func (f *flow) onSubmitted(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return !f.submitPending() }); err != nil {
		return err
	}
	if err := f.awaitSettled(ctx, f.cb.Version); err != nil {
		return err
	}
	if f.cb.State == callback.Completed && f.cb.Reason == callback.ReasonSubmitError {
		return f.submitFailed()
	}
	return nil
}

// onCancel ends the callback as CANCELLED; a callback already in ORS gets
// the ORS cancel event first.
func (f *flow) onCancel(ctx workflow.Context, req CancelRequest) error {
	if err := workflow.Await(ctx, f.idle); err != nil {
		return err
	}
	if err := f.checkCancel(req); err != nil {
		return err
	}
	if f.cb.ORSSessionID != "" && f.cb.State != callback.Scheduled {
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 10 * time.Second,
			RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
		})
		err := workflow.ExecuteActivity(actx, act.CancelORSSession,
			activities.CancelRequest{ORSURL: f.set.ORSURL, SessionID: f.cb.ORSSessionID}).Get(ctx, nil)
		if err != nil && !req.DiscardORSFailure {
			return errORS(err)
		}
		if err != nil {
			workflow.GetLogger(ctx).Warn("ORS cancel failed, discarded on request", "error", err)
		}
		if f.cb.State == callback.Completed {
			return f.awaitSettled(ctx, f.cb.Version) // ORS completed it meanwhile
		}
	}
	reason := req.Reason
	if reason == "" {
		reason = callback.ReasonCancelled
	}
	return f.awaitSettled(ctx, f.complete(ctx, reason))
}

// onChange applies a reschedule, a state report or property changes.
func (f *flow) onChange(ctx workflow.Context, req ChangeRequest) error {
	if err := workflow.Await(ctx, f.idle); err != nil {
		return err
	}
	if err := f.checkChange(req); err != nil {
		return err
	}
	for k, v := range req.Properties {
		switch {
		case callback.Fields[k]:
		case v == "":
			delete(f.cb.Properties, k)
		default:
			if f.cb.Properties == nil {
				f.cb.Properties = map[string]string{}
			}
			f.cb.Properties[k] = v
		}
	}
	switch {
	case !req.NewDesiredTime.IsZero() && req.Bucket != nil:
		return f.move(ctx, req.NewDesiredTime, *req.Bucket)
	case !req.NewDesiredTime.IsZero():
		f.cb.DesiredTime = req.NewDesiredTime // the loop re-arms the timer, or submits if now due
	case req.State == callback.Completed:
		f.cb.Reason = req.Reason
		if f.cb.Reason == "" {
			f.cb.Reason = callback.ReasonNotAvailable
		}
		f.cb.State = callback.Completed
		f.submitNow = false
	case req.State != "":
		f.pausedInORS = false
		if f.cb.State == callback.Scheduled || f.submitNow {
			f.submitNow = false // handed to an external lifecycle: never submitted by us
		}
		if req.State == callback.Queued && f.cb.QueuedAt.IsZero() {
			f.cb.QueuedAt = workflow.Now(ctx).UTC()
		}
		f.cb.State = req.State
		if req.Reason != "" {
			f.cb.Reason = req.Reason
		}
	case req.Reason != "":
		f.cb.Reason = req.Reason
	}
	return f.awaitSettled(ctx, f.changed(ctx))
}

// move reschedules into a bucket: the read-model write that takes the place
// runs now, atomically with the capacity check; a full bucket changes
// nothing and answers 40051 (the API adds the proposals). Nothing else
// changes or writes the callback meanwhile (see idle).
func (f *flow) move(ctx workflow.Context, desired time.Time, bucket queries.Bucket) error {
	f.moving = true
	defer func() { f.moving = false }()
	f.cb.Version++ // a refused move leaves a gap in the versions, never a stale write
	next := f.cb.Clone()
	next.DesiredTime = desired
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 500 * time.Millisecond, MaximumAttempts: 5},
	})
	err := workflow.ExecuteActivity(actx, act.MoveCallback, activities.MoveRequest{Record: next, Bucket: bucket}).Get(ctx, nil)
	if err != nil {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == activities.ErrTypeBucketFull {
			return errBucketFull(f.cb.Service, bucket)
		}
		return gmserr.ToTemporal(gmserr.New(gmserr.CapacityError, "Cannot reserve time slot: %v", err))
	}
	f.cb.DesiredTime = desired
	f.settled = max(f.settled, next.Version)
	f.rev++ // the loop re-arms the timer
	return nil
}

// onPause follows its service's pause: a held submission waits, a QUEUED
// callback in ORS shows PAUSED (ORS gets callback.pause) until resumed.
func (f *flow) onPause(ctx workflow.Context, req PauseRequest) error {
	if err := workflow.Await(ctx, f.idle); err != nil {
		return err
	}
	cb := &f.cb
	switch {
	case req.Paused && cb.State == callback.Queued && f.submitNow:
		f.held = true
		cb.State = callback.Paused
	case req.Paused && cb.State == callback.Queued && cb.ORSSessionID != "":
		f.notifyORS(ctx, "callback.pause")
		f.pausedInORS = true
		cb.State = callback.Paused
	case !req.Paused && f.held:
		f.held = false
		f.rev++ // the loop submits
		return nil
	case !req.Paused && f.pausedInORS && cb.State == callback.Paused:
		f.notifyORS(ctx, "callback.resume")
		f.pausedInORS = false
		cb.State = callback.Queued
	default:
		return nil // nothing to do in this state
	}
	return f.awaitSettled(ctx, f.changed(ctx))
}

// notifyORS sends an event to the callback's ORS session; a failure is
// logged, never fatal (the state shown is ours).
func (f *flow) notifyORS(ctx workflow.Context, event string) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	req := activities.EventRequest{ORSURL: f.set.ORSURL, SessionID: f.cb.ORSSessionID, Event: event}
	if err := workflow.ExecuteActivity(actx, act.NotifyORS, req).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("ORS event failed", "event", event, "error", err)
	}
}
