package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/opengms/callback/callback"
)

// CallbackWorkflow is one callback's whole life (workflow ID = `_id`), the
// state diagram of Phase: it sleeps while scheduled, submits to ORS when
// due, then follows what ORS and clients report until COMPLETED. Cancels,
// reschedules, state reports and property changes arrive as Updates; every
// change is written to the read model by an activity.
func CallbackWorkflow(ctx workflow.Context, in Input) (callback.Record, error) {
	f := &flow{cb: in.Record, set: in.Settings, phase: startPhase(in), due: in.Due, indexed: indexKey(&in.Record),
		notes: in.Notices, mu: workflow.NewMutex(ctx)}
	// The admission row already holds in.Record (and a continued run's
	// record is stored): the first write is the first change.
	if err := f.register(ctx); err != nil {
		return f.cb, err
	}
	if in.Phase == "" {
		f.notify(ctx) // a webhook hears the callback was created
	} else {
		f.deliver(ctx) // what the last run did not deliver
	}
	return f.run(ctx)
}

// flow is the workflow's state.
type flow struct {
	cb    callback.Record
	set   Settings
	phase Phase
	// mu serialises the main loop's steps and the update handlers: whoever
	// calls ORS or moves the callback holds it, so no handler interleaves
	// with another's work (Temporal's safe message handlers pattern).
	mu      workflow.Mutex
	due     time.Time // when the callback fell due (scheduled)
	indexed string    // what the search attributes show (indexKey)
	rev     int       // bumped by every change; wakes the main loop
	settled int64     // highest version whose read-model write finished
	pending int       // read-model writes in flight
	// notes are the webhook notifications (notify.go); delivering tells
	// their goroutine runs.
	notes      Notices
	delivering bool
}

// run is the main loop: one step of the state diagram at a time until the
// callback is completed or forgotten; continue-as-new before the history
// grows large.
func (f *flow) run(ctx workflow.Context) (callback.Record, error) {
	for !f.phase.final() {
		if err := f.step(ctx); err != nil {
			return f.cb, err
		}
		if !f.phase.final() && historyLarge(ctx) {
			if err := f.drain(ctx); err != nil {
				return f.cb, err
			}
			// Undelivered notifications go on in the next run (the one in
			// flight again: receivers drop repeats by notify.HeaderDelivery).
			return f.cb, workflow.NewContinueAsNewError(ctx, CallbackWorkflow,
				Input{Record: f.cb, Settings: f.set, Phase: f.phase, Due: f.due, Notices: f.notes})
		}
	}
	if f.phase == PhaseForgotten {
		// Stay open, inert, until the API deletes this execution: deleting
		// a running execution takes effect at once.
		_, err := workflow.AwaitWithTimeout(ctx, forgetGrace, func() bool { return false })
		return f.cb, err
	}
	if err := f.drain(ctx); err != nil {
		return f.cb, err
	}
	// The callback is completed; its last notifications still go.
	return f.cb, workflow.Await(ctx, func() bool { return !f.delivering })
}

// step does what the current phase asks for: sleep, check the pause,
// submit, or wait for a handler to change something.
func (f *flow) step(ctx workflow.Context) error {
	switch f.phase {
	case PhaseScheduled:
		return f.sleepUntilDue(ctx)
	case PhaseDue:
		return f.locked(ctx, PhaseDue, f.checkPause)
	case PhaseSubmitting:
		return f.locked(ctx, PhaseSubmitting, f.submit)
	default: // held, queued, paused: only a handler moves them on
		rev := f.rev
		return workflow.Await(ctx, func() bool { return f.rev != rev })
	}
}

// locked runs fn holding the mutex, if the phase is still p once it is
// acquired (a handler may have moved it meanwhile).
func (f *flow) locked(ctx workflow.Context, p Phase, fn func(workflow.Context)) error {
	if err := f.mu.Lock(ctx); err != nil {
		return err
	}
	defer f.mu.Unlock()
	if f.phase == p {
		fn(ctx)
	}
	return nil
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
// (reschedule, property update) wakes it and the loop re-arms the timer
// with the new due time, re-reading EWT. The expected wait is read when
// the callback is about to fall due (ewtLookahead before), not when it is
// booked days ahead; workflows an earlier release started read it first
// (changeLateEWT). When due, it re-reads the service's settings from the
// configuration in force (changeDueSettings) before the callback moves on.
func (f *flow) sleepUntilDue(ctx workflow.Context) error {
	rev := f.rev
	due := f.cb.DesiredTime.Add(-f.set.ExecutionBuffer)
	if f.set.QueueTimeStat != "" {
		lookahead := due.Add(-ewtLookahead)
		if workflow.GetVersion(ctx, changeLateEWT, workflow.DefaultVersion, lateEWT) == lateEWT && workflow.Now(ctx).Before(lookahead) {
			_, err := workflow.AwaitWithTimeout(ctx, lookahead.Sub(workflow.Now(ctx)), func() bool { return f.rev != rev })
			return err // the loop decides again, reading EWT
		}
		due = due.Add(-f.expectedWait(ctx))
	}
	if f.rev != rev {
		return nil // changed while EWT was read: decide again
	}
	if wait := due.Sub(workflow.Now(ctx)); wait > 0 {
		_, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return f.rev != rev })
		return err // timed out or changed: the loop decides again
	}
	if workflow.GetVersion(ctx, changeDueSettings, workflow.DefaultVersion, dueSettings) == dueSettings {
		changed := false
		if err := f.locked(ctx, PhaseScheduled, func(ctx workflow.Context) { changed = f.resolveSettings(ctx) }); err != nil {
			return err
		}
		if changed || f.rev != rev {
			return nil // decide again: a new buffer or statistic moves the due time
		}
	}
	return f.locked(ctx, PhaseScheduled, func(workflow.Context) {
		if f.rev == rev { // no change slipped in while the lock was taken
			f.due = due
			f.to(PhaseDue)
		}
	})
}
