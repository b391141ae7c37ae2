package api

import (
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/opengms/callback/phone"
)

// phoneNumber is GET /genesys/1/phonenumber?number=&country=&geocodingLocale=:
// the libphonenumber facts of a number.
func (s *Server) phoneNumber(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	q := r.URL.Query()
	number := strings.TrimSpace(q.Get("number"))
	if number == "" {
		s.writeError(w, r, badParameter("Missing parameter number"))
		return
	}
	facts, e := phone.Facts(number, q.Get("country"), q.Get("geocodingLocale"))
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	writeJSON(w, http.StatusOK, facts)
}
