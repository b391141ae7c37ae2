package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/resolve"
	"github.com/opengms/callback/workflows"
)

// target finds the callback a DELETE or PUT addresses: it must exist in
// service name (N1 otherwise). While the read model is down, the workflow
// itself answers, so ORS reports and cancels keep working.
func (s *Server) target(ctx context.Context, name, id string) (callback.Record, error) {
	if _, e := s.Config().CallbackService(name); e != nil {
		return callback.Record{}, e
	}
	rec, err := s.Store.Get(ctx, id)
	if err != nil && !errors.Is(err, queries.ErrNotFound) {
		rec, err = s.queryRecord(ctx, id, err)
	}
	switch {
	case errors.Is(err, queries.ErrNotFound) || err == nil && rec.Service != name:
		return callback.Record{}, callbackNotFound(id)
	case err != nil:
		return callback.Record{}, err
	}
	return rec, nil
}

// queryRecord asks callback id's workflow for its record, after the read
// model failed with storeErr.
func (s *Server) queryRecord(ctx context.Context, id string, storeErr error) (callback.Record, error) {
	var rec callback.Record
	v, err := s.Temporal.QueryWorkflow(ctx, id, "", workflows.QueryRecord)
	if err == nil {
		err = v.Get(&rec)
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return rec, queries.ErrNotFound
	}
	if err != nil {
		return rec, unavailable("read model", storeErr)
	}
	return rec, nil
}

// update sends a workflow update to callback rec and waits for its answer
// as long as the workflow may take (workflows.UpdateWait). When the workflow
// has already ended, closed answers from the stored record.
func (s *Server) update(ctx context.Context, rec callback.Record, name string, arg any, closed func(callback.Record) error) error {
	ctx, cancel := context.WithTimeout(ctx, workflows.UpdateWait(s.maxAttempts(rec)))
	defer cancel()
	id := rec.ID
	h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		stored, gerr := s.Store.Get(ctx, id)
		if gerr != nil && !errors.Is(gerr, queries.ErrNotFound) {
			stored, gerr = s.queryRecord(ctx, id, gerr)
		}
		if errors.Is(gerr, queries.ErrNotFound) {
			return callbackNotFound(id)
		}
		if gerr != nil {
			return gerr
		}
		return closed(stored)
	}
	if err != nil && gmserr.FromTemporal(err) == nil {
		return unavailable("Temporal", err)
	}
	return err
}

// cancel is Q2: DELETE /genesys/1/service/callback/{name}/{id}.
func (s *Server) cancel(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	name, id := ps.ByName("name"), ps.ByName("id")
	p, e := params(r)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	req := workflows.CancelRequest{Reason: strings.TrimSpace(p[callback.KeyReason])}
	if _, isAdmin, e := s.adminUser(r); e != nil {
		s.writeError(w, r, e)
		return
	} else if isAdmin {
		req.Reason = callback.ReasonCancelledByAdmin
	}
	if v := strings.TrimSpace(p["discard_ors_failure"]); v != "" {
		b, err := callback.ParseBool(v)
		if err != nil {
			s.writeError(w, r, badParameter("Invalid discard_ors_failure: %v", err))
			return
		}
		req.DiscardORSFailure = b
	}
	rec, err := s.target(r.Context(), name, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	allowWrite(w, workflows.UpdateWait(s.maxAttempts(rec)))
	err = s.update(r.Context(), rec, workflows.UpdateCancel, req, func(rec callback.Record) error {
		return errNotCancellable(id, rec.State)
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// change is Q3: PUT /genesys/1/service/callback/{name}/{id} — reschedule,
// state reports from ORS, property updates.
func (s *Server) change(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	name, id := ps.ByName("name"), ps.ByName("id")
	p, e := params(r)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	rec, err := s.target(r.Context(), name, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	req, err := s.changeRequest(r.Context(), rec, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	allowWrite(w, workflows.UpdateWait(s.maxAttempts(rec)))
	err = s.update(r.Context(), rec, workflows.UpdateChange, req, func(rec callback.Record) error {
		t := callback.FormatTime(rec.DesiredTime)
		return gmserr.New(gmserr.InvalidOperation, "Rejecting update : %s=[%s @ %s] - reached state COMPLETED", rec.Service, id, t).
			With("id", id, "service", rec.Service, "time", t)
	})
	if err != nil {
		s.writeError(w, r, s.withProposals(r.Context(), rec, req, err))
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// changeRequest validates a PUT's parameters into a workflow ChangeRequest:
// a reschedule passes the start's desired-time, office-hours and capacity
// checks; a new customer number the number rules; an option keeps its
// effective value (the override rule, as at the start).
func (s *Server) changeRequest(ctx context.Context, rec callback.Record, p map[string]string) (workflows.ChangeRequest, error) {
	var req workflows.ChangeRequest
	newTime := strings.TrimSpace(p[callback.KeyNewDesiredTime])
	number := strings.TrimSpace(p[callback.KeyCustomerNumber]) // checked when given (empty removes it)
	req.Properties = properties(p)
	if newTime != "" || number != "" || s.setsOption(rec.Service, p) {
		rules, e := s.rules(rec.Service, merged(rec.Properties, p))
		if e != nil {
			return req, e
		}
		req.Properties = effectiveProperties(p, optionValues(rules))
		if number != "" {
			if e := rules.phone.Check(number); e != nil {
				return req, e
			}
		}
		if newTime != "" {
			t, err := callback.ParseTime(newTime)
			if err != nil {
				return req, badParameter("Invalid %s: %v", callback.KeyNewDesiredTime, err).With("id", rec.ID)
			}
			now := s.now()
			if e := checkDesiredTime(rec.ID, rules.opts, t, now); e != nil {
				return req, e
			}
			bucket, e := s.place(ctx, rules, t, s.immediate(ctx, rules.opts, t, now))
			if e != nil {
				return req, e
			}
			req.NewDesiredTime, req.Bucket = t, bucket
		}
	}
	if changesWebhook(p) {
		props := merged(rec.Properties, p)
		rules, e := s.rules(rec.Service, props)
		if e != nil {
			return req, e
		}
		if e := checkWebhook(rec.ID, rules.opts, props); e != nil {
			return req, e
		}
	}
	if v := strings.TrimSpace(p[callback.KeyState]); v != "" {
		st, ok := callback.ParseState(v)
		if !ok {
			return req, badParameter("Invalid %s: %s", callback.KeyState, v).With("id", rec.ID)
		}
		req.State = st
	}
	req.Reason = strings.TrimSpace(p[callback.KeyReason])
	if v, ok := req.Properties[callback.KeyCustomerNumber]; ok {
		req.NumberHash = s.Hasher.Hash(v)
	}
	return req, nil
}

// setsOption tells whether parameters p name an option of service name:
// one the reference lists or the service configures.
func (s *Server) setsOption(name string, p map[string]string) bool {
	svc, e := s.Config().CallbackService(name)
	if e != nil {
		return false
	}
	for k := range p {
		if resolve.IsOption(svc, k) {
			return true
		}
	}
	return false
}

// merged is base overlaid with over.
func merged(base, over map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// properties are a request's parameters but those the record holds in its
// own fields.
func properties(p map[string]string) map[string]string {
	return effectiveProperties(p, nil)
}

// withProposals completes a 40051 from the workflow (a reschedule into a
// bucket that filled meanwhile) with the proposed slots.
func (s *Server) withProposals(ctx context.Context, rec callback.Record, req workflows.ChangeRequest, err error) error {
	e := gmserr.FromTemporal(err)
	if e == nil || e.Code != gmserr.SlotUnavailableProposal.Code || e.Availability != nil {
		return err
	}
	rules, re := s.rules(rec.Service, rec.Properties)
	if re != nil {
		return err
	}
	return s.proposeInstead(ctx, rules, req.NewDesiredTime, slotFull)
}
