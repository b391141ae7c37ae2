package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/julienschmidt/httprouter"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/workflows"
)

// outcome is one entry of Q9's success or errors list.
type outcome map[string]any

// forget is Q9: POST /genesys/1/admin/callback/ops/delete — delete
// callbacks by `_id` or by lookup values ("forget me"): their read-model
// rows and their workflow executions, histories included.
func (s *Server) forget(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	req, e := forgetRequest(r)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	ctx := r.Context()
	allowed, e := s.lookupKeys("")
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	out := struct {
		Success []outcome `json:"success"`
		Errors  []outcome `json:"errors"`
	}{Success: []outcome{}, Errors: []outcome{}}
	record := func(o outcome, err *gmserr.Error) {
		if err == nil {
			out.Success = append(out.Success, o)
			return
		}
		o["code"], o["phrase"], o["message"] = err.Code, err.Phrase, err.Message
		out.Errors = append(out.Errors, o)
	}
	keys := make([]string, 0, len(req))
	for k := range req {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		for _, value := range req[key] {
			if key == callback.KeyID {
				record(outcome{callback.KeyID: value}, s.forgetOne(ctx, value))
				continue
			}
			if !allowed[key] {
				props := "{" + key + "=" + value + "}"
				record(outcome{key: value}, badParameter("No such lookup possible for %s", props))
				continue
			}
			ids, err := s.Store.IDsByLookup(ctx, key, value)
			if err != nil {
				s.writeError(w, r, unavailable("read model", err))
				return
			}
			if len(ids) == 0 {
				record(outcome{"reason": "no callback(s) to delete", key: value}, nil)
			}
			for _, id := range ids {
				record(outcome{callback.KeyID: id}, s.forgetOne(ctx, id))
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// forgetRequest reads Q9's JSON body: each key a string or an array of
// strings. Nothing to look for answers 40010.
func forgetRequest(r *http.Request) (map[string][]string, *gmserr.Error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyError(err)
	}
	if !utf8.Valid(data) {
		return nil, badParameter("Malformed JSON body: invalid UTF-8")
	}
	var raw map[string]json.RawMessage
	if len(strings.TrimSpace(string(data))) > 0 {
		if err := json.Unmarshal(data, &raw); err != nil {
			return nil, badParameter("Malformed JSON body: %v", err)
		}
	}
	out := map[string][]string{}
	for k, v := range raw {
		var many []string
		if json.Unmarshal(v, &many) != nil {
			var one string
			if json.Unmarshal(v, &one) != nil {
				return nil, badParameter("%s must be a string or an array of strings", k)
			}
			many = []string{one}
		}
		for _, x := range many {
			if e := checkText(k, x); e != nil {
				return nil, e
			}
			if x = strings.TrimSpace(x); x != "" {
				out[k] = append(out[k], x)
			}
		}
	}
	if len(out) == 0 {
		return nil, badParameter("No lookup possible. No properties to look for.")
	}
	return out, nil
}

// forgetOne deletes one callback if it is SCHEDULED or COMPLETED: its
// workflow ends first (so it is never submitted), then its rows and every
// run of its execution are deleted.
func (s *Server) forgetOne(ctx context.Context, id string) *gmserr.Error {
	rec, err := s.Store.Get(ctx, id)
	if errors.Is(err, queries.ErrNotFound) {
		return callbackNotFound(id)
	}
	if err != nil {
		return unavailable("read model", err)
	}
	// A closed workflow (COMPLETED) has nothing left to stop.
	if err := s.update(ctx, rec, workflows.UpdateForget, nil, func(callback.Record) error { return nil }); err != nil {
		return gmserr.As(err)
	}
	if err := s.Store.Forget(ctx, id); err != nil {
		return unavailable("read model", err)
	}
	if err := s.deleteExecutions(ctx, id); err != nil {
		return unavailable("Temporal", err)
	}
	return nil
}

// deleteExecutions deletes every run of workflow id (continued-as-new runs
// included), histories and all. Temporal deletes a running execution at
// once and a closed one as soon as its close tasks are done (seconds).
func (s *Server) deleteExecutions(ctx context.Context, id string) error {
	runs, err := s.runs(ctx, id)
	if err != nil {
		return err
	}
	for _, run := range runs {
		_, err := s.Temporal.WorkflowService().DeleteWorkflowExecution(ctx, &workflowservice.DeleteWorkflowExecutionRequest{
			Namespace: s.Namespace, WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: run},
		})
		var nf *serviceerror.NotFound
		if err != nil && !errors.As(err, &nf) {
			return fmt.Errorf("delete run %q of %s: %w", run, id, err)
		}
	}
	return nil
}

// runs lists the run ids of workflow id, every page of them, after ""
// (the current run, whatever visibility knows yet).
func (s *Server) runs(ctx context.Context, id string) ([]string, error) {
	req := &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: s.Namespace, Query: fmt.Sprintf("WorkflowId = '%s'", strings.ReplaceAll(id, "'", "")),
	}
	runs := []string{""}
	for {
		resp, err := s.Temporal.ListWorkflow(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("list runs of %s: %w", id, err)
		}
		for _, e := range resp.GetExecutions() {
			runs = append(runs, e.GetExecution().GetRunId())
		}
		if len(resp.GetNextPageToken()) == 0 {
			return runs, nil
		}
		req.NextPageToken = resp.GetNextPageToken()
	}
}
