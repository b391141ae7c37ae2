package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/opengms/callback/metrics"
)

// requestInfo collects what a request's log line and metrics report.
type requestInfo struct{ callbackID string }

type requestInfoKey struct{}

// noteCallback records the callback a request is about, for its log line.
func noteCallback(ctx context.Context, id string) {
	if ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		ri.callbackID = id
	}
}

// statusRecorder remembers the status written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

// Unwrap is the wrapped writer (for http.ResponseController).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// observe wraps a route: one log line per request (method, route, status,
// latency, callback id — never the query string or body) and the request
// metrics.
func (s *Server) observe(route string, h httprouter.Handle) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		start := time.Now()
		ri := &requestInfo{callbackID: ps.ByName("id")}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h(rec, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, ri)), ps)
		status := strconv.Itoa(rec.status)
		elapsed := time.Since(start)
		metrics.Requests.WithLabelValues(route, r.Method, status).Inc()
		metrics.RequestSeconds.WithLabelValues(route, r.Method, status).Observe(elapsed.Seconds())
		attrs := []any{"method", r.Method, "route", route, "status", rec.status, "latency_ms", elapsed.Milliseconds()}
		if ri.callbackID != "" {
			attrs = append(attrs, "callback_id", ri.callbackID)
		}
		s.Logger.InfoContext(r.Context(), "request", attrs...)
	}
}

// metricsHandler serves GET /metrics.
func metricsHandler(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	metrics.Handler().ServeHTTP(w, r)
}
