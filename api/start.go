package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/metrics"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/resolve"
	"github.com/opengms/callback/workflows"
)

// confirmation is the answer to an immediate start (seed Q1 example), with
// the same values under the names older clients read.
func confirmation(id string) map[string]string {
	const text = "You will receive the call shortly"
	return map[string]string{
		"_id": id, "ID": "0", "Action": "ConfirmationDialog", "Text": text, "OkTitle": "Ok",
		"_dialog_id": "0", "_action": "ConfirmationDialog", "_text": text, "_ok_title": "Ok",
	}
}

// start is Q1: POST /genesys/1/service/callback/{name}.
func (s *Server) start(w http.ResponseWriter, r *http.Request, name string) {
	p, e := params(r)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	a, e := s.admit(r.Context(), name, p, false)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	if a.input.Immediate {
		allowWrite(w, workflows.SubmitWait(a.input.Settings.MaxSubmitAttempts))
	}
	a.IdempotencyKey = strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	id := a.input.Record.ID
	noteCallback(r.Context(), id)
	if err := s.launch(r.Context(), a); err != nil {
		var dup *queries.DuplicateError
		if !errors.As(err, &dup) {
			s.writeError(w, r, err)
			return
		}
		if err := s.resumeRetry(r.Context(), a, dup.ID); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.answerRetry(w, r, dup.ID, a.service.opts)
		return
	}
	metrics.CallbacksStarted.WithLabelValues(a.input.Record.Service, string(a.input.Record.State)).Inc()
	if a.input.Immediate {
		answer := confirmation(id)
		if !a.input.Paused && !a.service.opts.Bool(config.OptWaitForAgent) {
			s.addAccess(r.Context(), answer, id)
		}
		writeJSON(w, http.StatusOK, answer)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"_id": id})
}

// checkMandatory: every mandatory lookup key present and non-empty (B1), and
// the options a callback cannot be created without (B6).
func checkMandatory(id string, opts config.Effective, p map[string]string) *gmserr.Error {
	var missing []string
	for _, k := range opts.List(config.OptMandatoryCustomerLookupKeys) {
		if strings.TrimSpace(p[k]) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		keys := strings.Join(missing, ",")
		return badParameter("Callback %s does not contain the mandatory customer lookup keys %s", id, keys).With("id", id, "keys", keys)
	}
	return opts.Mandatory()
}

// checkDesiredTime applies `_reject_past_desired_time` (B3) and
// `_reject_future_desired_time` (B4).
func checkDesiredTime(id string, opts config.Effective, desired, now time.Time) *gmserr.Error {
	lo := opts.Span(config.OptRejectPastDesiredTime).Before(now)
	hi := opts.Span(config.OptRejectFutureDesiredTime).After(now)
	bounds := fmt.Sprintf("(-%ds < %ds < %ds) - epoch %ds", int64(now.Sub(lo).Seconds()),
		int64(desired.Sub(now).Seconds()), int64(hi.Sub(now).Seconds()), desired.Unix())
	switch {
	case desired.Before(lo):
		return badParameter("Callback %s contains _desired_time property in the past %s", id, bounds).With("id", id)
	case desired.After(hi):
		return badParameter("Callback request contains _desired_time property too far in future %s", bounds).With("id", id)
	}
	return nil
}

// settings are the effective options the workflow needs.
func (s *Server) settings(r *serviceRules, id string) workflows.Settings {
	return resolve.Settings(r.svc, r.opts, strings.TrimRight(s.PublicURL, "/")+"/genesys/1/service/callback/"+r.name+"/"+id)
}

// addAccess adds to an immediate start's answer the access information ORS
// answered its submission with (`_access_number`, `_access_code`, ...; the
// workflow keeps them as properties): with `_wait_for_agent=false` the
// customer starts the interaction with them at once. The submitted update
// has waited for the QUEUED write, so the read model holds them. When it
// cannot be read, the callback stands and the answer goes without them.
func (s *Server) addAccess(ctx context.Context, answer map[string]string, id string) {
	rec, err := s.Store.Get(ctx, id)
	if err != nil {
		s.Logger.WarnContext(ctx, "access information not read, answered without it", "id", id, "error", err)
		return
	}
	copyAccess(answer, rec)
}

// copyAccess copies rec's access properties into answer.
func copyAccess(answer map[string]string, rec callback.Record) {
	for k, v := range rec.Properties {
		if strings.HasPrefix(k, contract.AccessPrefix) {
			answer[k] = v
		}
	}
}

// answerRetry answers a start retried with the same Idempotency-Key as the
// first one was answered: the same _id, and for an immediate callback the
// outcome of its submission (with its access information when opts do not
// wait for an agent).
func (s *Server) answerRetry(w http.ResponseWriter, r *http.Request, id string, opts config.Effective) {
	noteCallback(r.Context(), id)
	rec, err := s.Store.Get(r.Context(), id)
	switch {
	case err != nil:
		s.writeError(w, r, unavailable("read model", err))
	case rec.State == callback.Completed && rec.Reason == callback.ReasonSubmitError:
		s.writeError(w, r, gmserr.MaxSubmitAttempts(id, s.maxAttempts(rec)))
	case rec.Immediate:
		answer := confirmation(id)
		if !opts.Bool(config.OptWaitForAgent) {
			copyAccess(answer, rec)
		}
		writeJSON(w, http.StatusOK, answer)
	default:
		writeJSON(w, http.StatusOK, map[string]string{"_id": id})
	}
}

// maxAttempts is the `_max_ors_submit_attempts` that applies to rec: its
// service's (the option's default when the service is gone).
func (s *Server) maxAttempts(rec callback.Record) int {
	if rules, e := s.rules(rec.Service, rec.Properties); e == nil {
		return rules.opts.Int(config.OptMaxORSSubmitAttempts)
	}
	o, _ := config.Lookup(config.OptMaxORSSubmitAttempts)
	n, _ := strconv.Atoi(o.Default)
	return n
}

// launch records the admission (checks and place in one transaction), then
// starts the workflow: a scheduled callback answers once its start is
// durable; an immediate one once ORS has accepted it (Update-With-Start
// waits for the submission's outcome). When the start fails, whether the
// workflow started is unknown, so the admission row stays: a retry with the
// same Idempotency-Key resumes it, and the worker's janitor frees it if no
// workflow ever started.
func (s *Server) launch(ctx context.Context, a *admission) error {
	if err := s.Store.Admit(ctx, a.Admission); err != nil {
		var dup *queries.DuplicateError
		if errors.As(err, &dup) {
			return err
		}
		return s.admissionError(ctx, a, err)
	}
	return s.startWorkflow(ctx, a.input, enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
}

// startWorkflow starts (or, with USE_EXISTING, joins) a callback's
// workflow; an immediate one is awaited until ORS answered.
func (s *Server) startWorkflow(ctx context.Context, in workflows.Input, conflict enumspb.WorkflowIdConflictPolicy) error {
	opts := client.StartWorkflowOptions{
		ID:                       in.Record.ID,
		TaskQueue:                s.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: conflict,
		TypedSearchAttributes:    temporal.NewSearchAttributes(in.Record.SearchAttributes()...),
		Memo:                     map[string]any{"summary": in.Record.Summary()},
		// The API process's starter worker (worker.NewStarter) runs the
		// first workflow task; without one the start is an ordinary one.
		EnableEagerStart: true,
	}
	in.Record.Version = max(in.Record.Version, workflows.StartedVersion)
	var err error
	if in.Immediate && !in.Paused {
		err = s.startAndAwaitSubmission(ctx, opts, in)
	} else {
		_, err = s.Temporal.ExecuteWorkflow(ctx, opts, workflows.CallbackWorkflow, in)
	}
	if err != nil && gmserr.FromTemporal(err) == nil {
		return unavailable("Temporal", err)
	}
	if !in.Immediate || in.Paused { // an awaited immediate one has written already
		s.marks.add(s.Store, s.Logger, in.Record.ID)
	}
	return err
}

// resumeRetry makes sure the callback a retried Idempotency-Key names has
// its workflow: the first request may have failed between the admission
// and the start. A running workflow is joined (an immediate retry waits for
// the same submission outcome); a closed one answers from the read model.
func (s *Server) resumeRetry(ctx context.Context, a *admission, id string) error {
	rec, err := s.Store.Get(ctx, id)
	if err != nil {
		return unavailable("read model", err)
	}
	if rec.State == callback.Completed || rec.Version > 0 && !rec.Immediate {
		return nil // started (and perhaps ended): nothing to join or wait for
	}
	in := workflows.Input{Record: rec, Settings: s.settings(a.service, id),
		Immediate: rec.Immediate, Paused: rec.Immediate && rec.State == callback.Paused}
	err = s.startWorkflow(ctx, in, enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil // already closed: the read model has its outcome
	}
	return err
}

func (s *Server) startAndAwaitSubmission(ctx context.Context, opts client.StartWorkflowOptions, in workflows.Input) error {
	ctx, cancel := context.WithTimeout(ctx, workflows.SubmitWait(in.Settings.MaxSubmitAttempts))
	defer cancel()
	op := s.Temporal.NewWithStartWorkflowOperation(opts, workflows.CallbackWorkflow, in)
	h, err := s.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op,
		UpdateOptions: client.UpdateWorkflowOptions{
			WorkflowID:   in.Record.ID,
			UpdateName:   workflows.UpdateSubmitted,
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return err
	}
	return h.Get(ctx, nil)
}
