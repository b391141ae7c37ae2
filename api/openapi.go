package api

import (
	_ "embed"
	"net/http"

	"github.com/julienschmidt/httprouter"
)

// openAPIDocument is the OpenAPI 3 description of every route (kept in the
// repository as api/openapi.json).
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPI serves GET /genesys/openapi.json.
func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDocument)
}
