package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/gmserr"
)

// register installs the update and query handlers. Each update's validator
// refuses what the state diagram forbids before anything is written.
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

// exclusive runs a handler's body holding the mutex, once guard passes
// again (the phase may have moved while it waited), then waits for the
// version the body wrote (0: none) to reach the read model.
func (f *flow) exclusive(ctx workflow.Context, guard func() error, body func() (int64, error)) error {
	if err := f.mu.Lock(ctx); err != nil {
		return err
	}
	if err := guard(); err != nil {
		f.mu.Unlock()
		return err
	}
	v, err := body()
	f.mu.Unlock()
	if err != nil || v == 0 {
		return err
	}
	return f.awaitSettled(ctx, v)
}

// onSubmitted answers once the submission of an immediate callback has an
// outcome that the read model shows: nil when ORS accepted it, 50006 when
// every attempt failed.
func (f *flow) onSubmitted(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return f.phase != PhaseDue && f.phase != PhaseSubmitting }); err != nil {
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

// onCancel ends the callback as CANCELLED (or req.Reason); a callback in
// ORS gets the ORS cancel event first, and stays as it is if ORS refuses
// (unless the refusal is discarded).
func (f *flow) onCancel(ctx workflow.Context, req CancelRequest) error {
	return f.exclusive(ctx, func() error { return f.checkCancel(req) }, func() (int64, error) {
		if f.phase.inORS() {
			creq := contract.CancelRequest{ORSURL: f.set.ORSURL, SessionID: f.cb.ORSSessionID}
			err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, cancelOptions), contract.CancelORSSession, creq).Get(ctx, nil)
			if err != nil && !req.DiscardORSFailure {
				return 0, errORS(err)
			}
			if err != nil {
				workflow.GetLogger(ctx).Warn("ORS cancel failed, discarded on request", "error", err)
			}
		}
		reason := req.Reason
		if reason == "" {
			reason = callback.ReasonCancelled
		}
		return f.complete(ctx, reason), nil
	})
}

// onChange applies a reschedule, a state report or property changes. It
// changes nothing unless all of it succeeds.
func (f *flow) onChange(ctx workflow.Context, req ChangeRequest) error {
	return f.exclusive(ctx, func() error { return f.checkChange(req) }, func() (int64, error) {
		next := f.cb.Clone()
		setProperties(&next, req.Properties)
		if _, ok := req.Properties[callback.KeyCustomerNumber]; ok {
			next.NumberHash = req.NumberHash
		}
		if !req.NewDesiredTime.IsZero() && req.Bucket != nil {
			return 0, f.move(ctx, next, req.NewDesiredTime, *req.Bucket)
		}
		f.cb = next
		switch {
		case !req.NewDesiredTime.IsZero():
			f.cb.DesiredTime = req.NewDesiredTime // the loop re-arms the timer, or submits if now due
		case req.State == callback.Completed:
			reason := req.Reason
			if reason == "" {
				reason = callback.ReasonNotAvailable
			}
			return f.complete(ctx, reason), nil
		case req.State != "" && req.State != callback.Scheduled: // SCHEDULED: still is (the guard saw to it)
			if f.phase != PhaseQueued {
				f.to(PhaseQueued) // ORS's report ends a service pause; one not in ORS yet goes to an external lifecycle
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
		return f.save(ctx), nil
	})
}

// setProperties applies a change's properties to rec: an empty value
// removes the property; the record's own fields are never set this way.
func setProperties(rec *callback.Record, props map[string]string) {
	for k, v := range props {
		switch {
		case callback.Fields[k]:
		case v == "":
			delete(rec.Properties, k)
		default:
			if rec.Properties == nil {
				rec.Properties = map[string]string{}
			}
			rec.Properties[k] = v
		}
	}
}

// move reschedules into a bucket: the read-model write that takes the place
// runs now, atomically with the capacity check. A full bucket changes
// nothing and answers 40051 (the API adds the proposals).
func (f *flow) move(ctx workflow.Context, next callback.Record, desired time.Time, bucket callback.Bucket) error {
	f.cb.Version++ // a refused move leaves a gap in the versions, never a stale write
	next.Version, next.DesiredTime = f.cb.Version, desired
	mreq := contract.MoveRequest{Record: next, Bucket: bucket}
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, moveOptions), contract.MoveCallback, mreq).Get(ctx, nil)
	if err != nil {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == contract.ErrTypeBucketFull {
			return errBucketFull(f.cb.Service, bucket)
		}
		return gmserr.ToTemporal(gmserr.New(gmserr.CapacityError, "Cannot reserve time slot: %v", err))
	}
	f.cb = next
	f.settled = max(f.settled, next.Version)
	f.notify(ctx)
	f.rev++ // the loop re-arms the timer
	if workflow.GetVersion(ctx, changeIndexOnMove, workflow.DefaultVersion, 1) >= 1 {
		f.index(ctx) // Temporal search shows the new desired time
	}
	return nil
}

// onPause follows its service's pause: a submission not made yet is held
// (PAUSED), a QUEUED callback in ORS gets callback.pause and shows PAUSED,
// until the service resumes.
func (f *flow) onPause(ctx workflow.Context, req PauseRequest) error {
	return f.exclusive(ctx, func() error { return nil }, func() (int64, error) {
		switch {
		case req.Paused && f.phase == PhaseSubmitting:
			f.to(PhaseHeld)
			f.cb.State = callback.Paused
		case req.Paused && f.phase == PhaseQueued && f.cb.State == callback.Queued && f.cb.ORSSessionID != "":
			f.notifyORS(ctx, "callback.pause")
			f.to(PhasePaused)
			f.cb.State = callback.Paused
		case !req.Paused && f.phase == PhaseHeld:
			f.to(PhaseSubmitting) // the loop submits
			return 0, nil
		case !req.Paused && f.phase == PhasePaused:
			f.notifyORS(ctx, "callback.resume")
			f.to(PhaseQueued)
			f.cb.State = callback.Queued
		default:
			return 0, nil // nothing to do in this phase
		}
		return f.save(ctx), nil
	})
}

// onForget ends a SCHEDULED callback at once: it is never submitted and
// never written again (a COMPLETED one has nothing left to stop).
func (f *flow) onForget(ctx workflow.Context) error {
	return f.exclusive(ctx, f.checkForget, func() (int64, error) {
		if f.phase == PhaseScheduled {
			f.to(PhaseForgotten)
		}
		return 0, nil
	})
}

// notifyORS sends an event to the callback's ORS session; a failure is
// logged, never fatal (the state shown is ours).
func (f *flow) notifyORS(ctx workflow.Context, event string) {
	req := contract.EventRequest{ORSURL: f.set.ORSURL, SessionID: f.cb.ORSSessionID, Event: event}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, eventOptions), contract.NotifyORS, req).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("ORS event failed", "event", event, "error", err)
	}
}
