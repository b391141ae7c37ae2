package api

import (
	"context"
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"
)

// health is GET /healthz: 200 once Temporal and PostgreSQL answer, 503 with
// the reason otherwise.
func (s *Server) health(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		s.writeError(w, r, unavailable("PostgreSQL", err))
		return
	}
	if _, err := s.Temporal.CheckHealth(ctx, nil); err != nil {
		s.writeError(w, r, unavailable("Temporal", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
