package workflows

import (
	"reflect"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/callback"
)

// checkPause is the due phase: a callback of a paused service is held
// (PAUSED) until its service resumes; any other is submitted.
func (f *flow) checkPause(ctx workflow.Context) {
	if !f.servicePaused(ctx) {
		f.to(PhaseSubmitting)
		return
	}
	f.to(PhaseHeld)
	f.cb.State = callback.Paused
	f.save(ctx)
}

// servicePaused asks whether the callback's service is paused now; when
// that cannot be told, it is not (the callback is submitted).
func (f *flow) servicePaused(ctx workflow.Context) bool {
	var paused bool
	lctx := workflow.WithLocalActivityOptions(ctx, pauseCheckOptions)
	if err := workflow.ExecuteLocalActivity(lctx, contract.ServicePaused, f.cb.Service).Get(ctx, &paused); err != nil {
		workflow.GetLogger(ctx).Warn("pause check failed, submitting", "error", err)
		return false
	}
	return paused
}

// resolveSettings reads the service's settings from the configuration in
// force now (ORS URL, application, attempts, buffer, statistic, the
// options sent to ORS) and tells whether they changed. When they cannot be
// read (the service is gone from the configuration), the callback keeps
// its own.
func (f *flow) resolveSettings(ctx workflow.Context) bool {
	var set Settings
	actx := workflow.WithActivityOptions(ctx, resolveOptions)
	req := contract.ResolveRequest{Service: f.cb.Service, Properties: f.cb.Properties}
	if err := workflow.ExecuteActivity(actx, contract.ResolveSettings, req).Get(ctx, &set); err != nil {
		workflow.GetLogger(ctx).Warn("settings not re-read, keeping the callback's", "error", err)
		return false
	}
	set.CallbackURL = f.set.CallbackURL // where the API is does not change
	if reflect.DeepEqual(set, f.set) {
		return false
	}
	f.set = set
	return true
}

// expectedWait reads the `_request_queue_time_stat` statistic (0 if none).
func (f *flow) expectedWait(ctx workflow.Context) time.Duration {
	if f.set.QueueTimeStat == "" {
		return 0
	}
	var secs int
	actx := workflow.WithActivityOptions(ctx, statOptions)
	if err := workflow.ExecuteActivity(actx, contract.ExpectedWaitTime, f.set.QueueTimeStat).Get(ctx, &secs); err != nil {
		workflow.GetLogger(ctx).Warn("expected wait time failed, using 0", "error", err)
		return 0
	}
	f.notes.EWT = secs
	return time.Duration(secs) * time.Second
}

// submit is the submitting phase: the callback goes to ORS, retried up to
// `_max_ors_submit_attempts` (every attempt with the same idempotency key).
// Success: QUEUED with the session id. Exhaustion: COMPLETED/SUBMIT_ERROR.
func (f *flow) submit(ctx workflow.Context) {
	due := f.due
	if due.IsZero() {
		due = f.cb.CreatedAt // immediate: due when admitted
	}
	req := contract.SubmitRequest{Service: f.cb.Service, Due: due, ORSURL: f.set.ORSURL, AppURL: f.set.AppURL,
		ID: f.cb.ID, Params: f.orsParams()}
	var res contract.SubmitResult
	actx := workflow.WithActivityOptions(ctx, submitOptions(f.set.MaxSubmitAttempts))
	if err := workflow.ExecuteActivity(actx, contract.SubmitToORS, req).Get(ctx, &res); err != nil {
		workflow.GetLogger(ctx).Warn("ORS submit failed for good", "attempts", f.set.MaxSubmitAttempts, "error", err)
		f.complete(ctx, callback.ReasonSubmitError)
		return
	}
	f.to(PhaseQueued)
	f.cb.ORSSessionID = res.SessionID
	f.keepAccess(res.Access)
	f.cb.State = callback.Queued
	f.cb.QueuedAt = workflow.Now(ctx).UTC()
	f.save(ctx)
}

// keepAccess makes the access information of ORS's start answer
// (`_access_number`, `_access_code`, ...) properties of the callback, so
// lookups and the immediate start answer show it. Only data changes: no
// command, so no version marker.
func (f *flow) keepAccess(access map[string]string) {
	for k, v := range access {
		if !strings.HasPrefix(k, contract.AccessPrefix) || callback.Fields[k] {
			continue
		}
		if f.cb.Properties == nil {
			f.cb.Properties = map[string]string{}
		}
		f.cb.Properties[k] = v
	}
}

// orsParams are what ORS receives: every property, with the service's
// effective options laid over them. A request's value of an option is in
// those options only where the override rule lets it be (SPEC §4), so a
// configured option reaches ORS with its configured value.
func (f *flow) orsParams() map[string]string {
	out := f.cb.AllProperties()
	for k, v := range f.set.Options {
		if !callback.Fields[k] { // the record's own fields are current, the options as at admission
			out[k] = v
		}
	}
	out[callback.KeyCallbackURL] = f.set.CallbackURL
	return out
}
