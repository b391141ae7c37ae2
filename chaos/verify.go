package chaos

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/workflows"
)

// wfState is a callback as Temporal holds it.
type wfState struct {
	exists bool
	closed bool
	status enumspb.WorkflowExecutionStatus
	rec    callback.Record
	err    error
}

// workflowState describes workflow id and reads its record: the result of
// a completed run, the QueryRecord answer of a running one.
func (r *runner) workflowState(ctx context.Context, id string) wfState {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var w wfState
	desc, err := r.e.tc.DescribeWorkflowExecution(ctx, id, "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return w
	}
	if err != nil {
		w.err = err
		return w
	}
	w.exists = true
	w.status = desc.GetWorkflowExecutionInfo().GetStatus()
	switch w.status {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		v, err := r.e.tc.QueryWorkflow(ctx, id, "", workflows.QueryRecord)
		if err == nil {
			err = v.Get(&w.rec)
		}
		w.err = err
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		w.closed = true
		w.err = r.e.tc.GetWorkflow(ctx, id, "").Get(ctx, &w.rec)
	default:
		w.closed = true
		w.err = fmt.Errorf("workflow ended %s", w.status)
	}
	return w
}

// diffRecord names the fields where the read model's row differs from the
// workflow's record ("" when they agree).
func diffRecord(w, row callback.Record) string {
	var d []string
	// PostgreSQL keeps microseconds (rounded).
	sameTime := func(a, b time.Time) bool { return a.Sub(b).Abs() <= time.Microsecond }
	if w.Service != row.Service {
		d = append(d, fmt.Sprintf("service %q/%q", w.Service, row.Service))
	}
	if w.State != row.State {
		d = append(d, fmt.Sprintf("state %s/%s", w.State, row.State))
	}
	if w.Reason != row.Reason {
		d = append(d, fmt.Sprintf("reason %q/%q", w.Reason, row.Reason))
	}
	if w.Version != row.Version {
		d = append(d, fmt.Sprintf("version %d/%d", w.Version, row.Version))
	}
	if w.ORSSessionID != row.ORSSessionID {
		d = append(d, fmt.Sprintf("ors_session_id %q/%q", w.ORSSessionID, row.ORSSessionID))
	}
	if !sameTime(w.DesiredTime, row.DesiredTime) {
		d = append(d, fmt.Sprintf("desired_time %s/%s", w.DesiredTime, row.DesiredTime))
	}
	if !sameTime(w.QueuedAt, row.QueuedAt) {
		d = append(d, fmt.Sprintf("queued_at %s/%s", w.QueuedAt, row.QueuedAt))
	}
	if !maps.Equal(w.Properties, row.Properties) && !(len(w.Properties) == 0 && len(row.Properties) == 0) {
		d = append(d, fmt.Sprintf("properties %v/%v", w.Properties, row.Properties))
	}
	if len(d) == 0 {
		return ""
	}
	return "workflow/row: " + strings.Join(d, ", ")
}

// openCounts counts rows not COMPLETED and running workflows.
func (r *runner) openCounts(ctx context.Context) (rows, running int, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := r.e.store.DB.GetContext(ctx, &rows, `SELECT count(*) FROM callbacks WHERE state <> 'COMPLETED'`); err != nil {
		return -1, -1, err
	}
	resp, err := r.e.tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: "default", PageSize: 100, Query: "ExecutionStatus = 'Running'"})
	if err != nil {
		return rows, -1, err
	}
	return rows, len(resp.GetExecutions()), nil
}

// listWorkflows returns the id of every workflow of the namespace.
func (r *runner) listWorkflows(ctx context.Context) ([]string, error) {
	var ids []string
	var token []byte
	for {
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		resp, err := r.e.tc.ListWorkflow(cctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: "default", PageSize: 500, NextPageToken: token})
		cancel()
		if err != nil {
			return nil, err
		}
		for _, ex := range resp.GetExecutions() {
			ids = append(ids, ex.GetExecution().GetWorkflowId())
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return ids, nil
		}
	}
}

// finding is one failed check about one callback (or request).
type finding struct {
	kind, id, detail string
}

// verify reconciles the clients' view, Temporal, the read model and ORS.
func (r *runner) verify(ctx context.Context) error {
	e, res := r.e, r.res
	r.logf("reconciling: clients, Temporal, read model, ORS")
	listed, err := r.listWorkflows(ctx)
	if err != nil {
		return fmt.Errorf("list workflows: %w", err)
	}
	var rowIDs []string
	if err := e.store.DB.SelectContext(ctx, &rowIDs, `SELECT id FROM callbacks`); err != nil {
		return fmt.Errorf("read model: %w", err)
	}
	starts := e.ors.Starts()
	reqs := r.l.requests("")
	accepted := map[string]*request{}
	for i := range reqs {
		if reqs[i].id != "" {
			accepted[reqs[i].id] = &reqs[i]
		}
	}
	universe := map[string]bool{}
	for _, id := range listed {
		universe[id] = true
	}
	for _, id := range rowIDs {
		universe[id] = true
	}
	for id := range accepted {
		universe[id] = true
	}
	for _, s := range starts {
		if s.Key != "" {
			universe[s.Key] = true
		}
	}
	ids := slices.Sorted(maps.Keys(universe))

	byKey := map[string]map[string]bool{} // usr_chaos_key -> callback ids
	addKey := func(key, id string) {
		if key == "" {
			return
		}
		if byKey[key] == nil {
			byKey[key] = map[string]bool{}
		}
		byKey[key][id] = true
	}
	for _, s := range starts {
		if k, ok := s.Params["usr_chaos_key"].(string); ok {
			addKey(k, s.Key)
		}
	}
	res.Reasons = map[string]int{}
	add := func(kind, id, format string, args ...any) {
		res.findings = append(res.findings, finding{kind, id, fmt.Sprintf(format, args...)})
	}
	for _, id := range ids {
		w := r.workflowState(ctx, id)
		row, rowErr := e.store.Get(ctx, id)
		sessions := e.ors.SessionsFor(id)
		rq, isAccepted := accepted[id]
		if w.exists {
			res.Workflows++
			addKey(w.rec.Properties["usr_chaos_key"], id)
		}
		if rowErr == nil {
			res.Rows++
			addKey(row.Properties["usr_chaos_key"], id)
		}
		rowState := "no row"
		if rowErr == nil {
			rowState = fmt.Sprintf("row %s/%s v%d", row.State, row.Reason, row.Version)
		}
		wfDesc := "no workflow"
		if w.exists {
			wfDesc = fmt.Sprintf("workflow %s %s/%s v%d", strings.TrimPrefix(w.status.String(), "WORKFLOW_EXECUTION_STATUS_"), w.rec.State, w.rec.Reason, w.rec.Version)
		}
		state := fmt.Sprintf("%s; %s; ORS sessions %d (start attempts %d)", wfDesc, rowState, sessions, e.ors.Attempts(id))
		completed := w.exists && w.closed && w.err == nil && w.rec.State == callback.Completed
		switch {
		case w.exists && !w.closed:
			res.Running++
			add("stuck", id, "still running after the wait: %s", state)
		case w.err != nil:
			add("failed", id, "%v: %s", w.err, state)
		case completed:
			res.Completed++
			res.Reasons[w.rec.Reason]++
		}
		if isAccepted {
			if !completed || rowErr != nil || row.State != callback.Completed {
				add("lost", id, "accepted (request %s, %s) but not COMPLETED everywhere: %s", rq.key, kindOf(rq), state)
			} else if w.rec.Reason != reasonAgentConnected {
				add("not-connected", id, "accepted but ended %s: %s", w.rec.Reason, state)
			}
			if rowErr == nil && row.Properties["usr_chaos_key"] != rq.key {
				add("wrong-id", id, "request %s was answered this _id, whose usr_chaos_key is %q", rq.key, row.Properties["usr_chaos_key"])
			}
		}
		if sessions > 1 {
			add("duplicate", id, "ORS started %d sessions for this callback: %s", sessions, state)
		}
		if w.exists && sessions == 0 && completed && w.rec.Reason == reasonAgentConnected {
			add("mismatch", id, "AGENT_CONNECTED without an ORS session: %s", state)
		}
		if !w.exists && w.err == nil {
			switch {
			case rowErr == nil:
				add("orphan", id, "read-model row without a workflow: %s", state)
			case sessions > 0:
				add("ghost", id, "ORS session without a workflow: %s", state)
			}
		}
		if completed {
			switch {
			case rowErr != nil:
				add("mismatch", id, "workflow completed, no read-model row: %v", rowErr)
			default:
				if d := diffRecord(w.rec, row); d != "" {
					add("mismatch", id, "%s", d)
				}
			}
			if sid, ok := e.ors.SessionFor(id); ok && w.rec.ORSSessionID != "" && w.rec.ORSSessionID != sid {
				add("mismatch", id, "workflow holds ORS session %s, ORS started %s", w.rec.ORSSessionID, sid)
			}
			// A closed workflow delivered (or gave up, after an hour) every
			// notification before it ended.
			unique, repeats, problem := e.hooks.check(id)
			res.Notifications += unique
			res.NotificationRepeats += repeats
			if problem != "" {
				add("notification", id, "%s: %s", problem, state)
			} else {
				res.Notified++
			}
		}
	}
	res.Sessions = len(starts)
	res.StartAttempts = e.ors.TotalAttempts()
	// Logical requests: one callback each at most, and each request's
	// outcome accounted for.
	for key, set := range byKey {
		if len(set) > 1 {
			add("duplicate", key, "request made %d callbacks: %s", len(set), strings.Join(slices.Sorted(maps.Keys(set)), ", "))
		}
	}
	for i := range reqs {
		rq := &reqs[i]
		made := slices.Sorted(maps.Keys(byKey[rq.key]))
		switch {
		case rq.refused != "":
			add("refused", rq.key, "%s request refused after %d attempts: %s (callbacks made: %v)", kindOf(rq), rq.attempts, rq.refused, made)
		case rq.gaveUp != "":
			add("gave-up", rq.key, "%s request unanswered after %d attempts: %s (callbacks made: %v)", kindOf(rq), rq.attempts, rq.gaveUp, made)
		}
	}
	if k := res.Outage.postKey; k != "" && len(byKey[k]) > 0 {
		add("outage", k, "the POST answered during the outage made callbacks %v", slices.Sorted(maps.Keys(byKey[k])))
	}
	sort.SliceStable(res.findings, func(i, j int) bool { return res.findings[i].kind < res.findings[j].kind })
	return nil
}

func kindOf(rq *request) string {
	if rq.immediate {
		return "immediate"
	}
	return "scheduled"
}

// reasonAgentConnected is the reason the fake ORS completes a session with.
const reasonAgentConnected = "AGENT_CONNECTED"
