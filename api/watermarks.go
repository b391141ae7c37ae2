package api

import (
	"net/http"

	"github.com/julienschmidt/httprouter"
)

// watermarks is Q8: GET /genesys/1/admin/callback/watermarks — executing
// callbacks (QUEUED, ROUTING, PROCESSING, PAUSED) per service: every
// callback service, or exactly those named by repeated service_name.
func (s *Server) watermarks(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	counts, err := s.Store.Watermarks(r.Context())
	if err != nil {
		s.writeError(w, r, unavailable("read model", err))
		return
	}
	names := r.URL.Query()["service_name"]
	if len(names) == 0 {
		names = s.Config().CallbackServices()
	}
	out := struct {
		Total    int            `json:"total"`
		Services map[string]int `json:"services"`
	}{Services: make(map[string]int, len(names))}
	for _, n := range names {
		out.Services[n] = counts[n]
	}
	for _, n := range out.Services {
		out.Total += n
	}
	writeJSON(w, http.StatusOK, out)
}
