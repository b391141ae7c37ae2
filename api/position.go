package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/queries"
)

// appVersion is reported as the callback strategy version.
const appVersion = "gms-callback-1"

// positionKeys are the keys of Q10's answer that only ORS knows: reported
// when ORS has PUT them as properties.
var positionKeys = []string{"connid", "priority", "agents_logged_in", "ewt_at_offer", "pos_at_offer",
	"callback_type", "time_callback_accepted", "channel", "skill_expression", "ewt_at_first_dial",
	"pos_at_first_dial", "time_at_first_dial", "dial_attempt", "is_snoozed", "dial_result", "time_customer_connected"}

// queuePosition is Q10: POST /genesys/1/service/{id}/check-queue-position —
// where a QUEUED callback stands, computed from the read model.
func (s *Server) queuePosition(w http.ResponseWriter, r *http.Request, id string) {
	ctx := r.Context()
	rec, err := s.Store.Get(ctx, id)
	if errors.Is(err, queries.ErrNotFound) {
		s.writeError(w, r, callbackNotFound(id))
		return
	}
	if err != nil {
		s.writeError(w, r, unavailable("read model", err))
		return
	}
	if rec.State != callback.Queued {
		s.writeError(w, r, gmserr.New(gmserr.InvalidOperation, "Callback %s is not QUEUED. State=%s", id, rec.State).
			With("id", id, "state", string(rec.State)))
		return
	}
	pos, err := s.Store.QueuePosition(ctx, rec)
	if err != nil {
		s.writeError(w, r, unavailable("read model", err))
		return
	}
	ewt := s.expectedWait(ctx, rec)
	out := map[string]any{
		"app_version":     appVersion,
		"wt":              int(s.now().Sub(rec.QueuedAt).Seconds()),
		"ewt":             ewt,
		"_eta":            ewt,
		"_position":       pos.Position,
		"positioninqueue": pos.Position - 1,
		"_total_waiting":  pos.Total,
		"ors_session_id":  rec.ORSSessionID,
	}
	for _, k := range positionKeys {
		if v, ok := rec.Properties[k]; ok {
			out[k] = jsonValue(v)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// expectedWait is the expected wait (seconds) of rec's service's
// `_request_queue_time_stat`, 0 when it has none or it is unavailable.
func (s *Server) expectedWait(ctx context.Context, rec callback.Record) int {
	rules, e := s.rules(rec.Service, rec.Properties)
	if e != nil {
		return 0
	}
	d, err := s.Stats.ExpectedWait(ctx, rules.opts.String(config.OptRequestQueueTimeStat))
	if err != nil {
		s.Logger.WarnContext(ctx, "expected wait time unavailable, using 0", "error", err)
	}
	return int(d.Seconds())
}

// jsonValue renders a stored property as a number or boolean when it is one.
func jsonValue(v string) any {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	if b, err := strconv.ParseBool(v); err == nil && (v == "true" || v == "false") {
		return b
	}
	return v
}
