package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/resolve"
)

// Q7's defaults and bounds (SPEC §2.6).
const (
	queuesDefaultWindow = 24 * time.Hour
	queuesMaxWindow     = 30 * 24 * time.Hour
	queuesDefaultMax    = 500
	completedShownFor   = 3 * time.Hour
)

// queues is Q7: GET /genesys/1/admin/callback/queues — the callbacks of
// each service (queue) due by end_time, in desired-time order.
func (s *Server) queues(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	f, e := s.queueFilter(r)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	groups, err := s.Store.Queues(r.Context(), f)
	if err != nil {
		s.writeError(w, r, unavailable("read model", err))
		return
	}
	out := make(map[string][]map[string]string, len(groups))
	for name, recs := range groups {
		for i := range recs {
			out[name] = append(out[name], s.record(&recs[i], true))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// queueFilter parses Q7's query string.
func (s *Server) queueFilter(r *http.Request) (queries.QueueFilter, *gmserr.Error) {
	now := s.now()
	q := r.URL.Query()
	f := queries.QueueFilter{Service: q.Get("target"), End: now.Add(queuesDefaultWindow),
		CompletedSince: now.Add(-completedShownFor), Max: queuesDefaultMax}
	if f.Service != "" {
		if _, e := s.Config().CallbackService(f.Service); e != nil {
			return f, e
		}
	}
	if v := q.Get("end_time"); v != "" {
		t, err := callback.ParseTime(v)
		if err != nil {
			return f, badParameter("Invalid end_time: %v", err)
		}
		if t.Sub(now) > queuesMaxWindow {
			return f, gmserr.New(gmserr.InvalidOperation, "Query range spans too wide time range (%d / %d). Adjust query parameters for time range.",
				int64(t.Sub(now).Seconds()), int64(queuesMaxWindow.Seconds()))
		}
		f.End = t
	}
	if v := q.Get("max"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return f, badParameter("Invalid max: %s (a positive integer)", v)
		}
		f.Max = n
	}
	filterKeys := s.Config().FilterKeys
	for k, vs := range q {
		if !slices.Contains(filterKeys, k) || len(vs) == 0 {
			continue
		}
		if v, ok := strings.CutPrefix(vs[0], "!"); ok {
			f.Excludes = append(f.Excludes, queries.Match{Key: k, Value: v, Configured: s.configuring(f.Service, k, v)})
		} else {
			f.Matches = append(f.Matches, queries.Match{Key: k, Value: vs[0], Configured: s.configuring(f.Service, k, vs[0])})
		}
	}
	return f, nil
}

// configuring are the callback services (service, or all when "") that
// configure option k as v now.
func (s *Server) configuring(service, k, v string) []string {
	cfg := s.Config()
	names := cfg.CallbackServices()
	if service != "" {
		names = []string{service}
	}
	var out []string
	for _, name := range names {
		if svc, eff, e := resolve.Effective(cfg, name, nil); e == nil && resolve.IsOption(svc, k) && eff[k] == v {
			out = append(out, name)
		}
	}
	return out
}
