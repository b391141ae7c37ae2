package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/julienschmidt/httprouter"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/workflows"
)

// bulkCancel is POST /genesys/1/admin/callback/cancel {"reason", "ids"}:
// SCHEDULED, QUEUED, PAUSED and ROUTING callbacks end COMPLETED with the
// reason (default CANCELLED_BY_ADMIN); PROCESSING, COMPLETED and unknown
// ones are refused. The answer lists each id's outcome.
func (s *Server) bulkCancel(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var req struct {
		Reason string   `json:"reason"`
		IDs    []string `json:"ids"`
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, r, bodyError(err))
		return
	}
	if err := json.Unmarshal(data, &req); err != nil || !utf8.Valid(data) {
		s.writeError(w, r, badParameter("Malformed JSON body: %v", err))
		return
	}
	for _, v := range append([]string{req.Reason}, req.IDs...) {
		if e := checkText("ids", v); e != nil {
			s.writeError(w, r, e)
			return
		}
	}
	if len(req.IDs) == 0 {
		s.writeError(w, r, badParameter("No callback to cancel: ids is empty"))
		return
	}
	reason := strings.TrimSpace(req.Reason)
	if reason == "" {
		reason = callback.ReasonCancelledByAdmin
	}
	out := struct {
		Success []outcome `json:"success"`
		Errors  []outcome `json:"errors"`
	}{Success: []outcome{}, Errors: []outcome{}}
	for _, id := range req.IDs {
		e := s.cancelOne(r, id, workflows.CancelRequest{Reason: reason, BeforeAgent: true})
		if e == nil {
			out.Success = append(out.Success, outcome{callback.KeyID: id})
			continue
		}
		out.Errors = append(out.Errors, outcome{callback.KeyID: id, "code": e.Code, "phrase": e.Phrase, "message": e.Message})
	}
	writeJSON(w, http.StatusOK, out)
}

// cancelOne cancels callback id through its workflow.
func (s *Server) cancelOne(r *http.Request, id string, req workflows.CancelRequest) *gmserr.Error {
	rec, err := s.Store.Get(r.Context(), id)
	if errors.Is(err, queries.ErrNotFound) {
		return callbackNotFound(id)
	} else if err != nil {
		return unavailable("read model", err)
	}
	err = s.update(r.Context(), rec, workflows.UpdateCancel, req, func(rec callback.Record) error {
		return errNotCancellable(id, rec.State)
	})
	if err != nil {
		return gmserr.As(err)
	}
	return nil
}

func errNotCancellable(id string, state callback.State) *gmserr.Error {
	return gmserr.New(gmserr.InvalidOperation, "Callback %s cannot be cancelled or completed - _callback_state=%s", id, state).
		With("id", id, "state", string(state))
}
