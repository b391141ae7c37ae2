package api

import (
	"net/http"
	"net/url"

	"github.com/julienschmidt/httprouter"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/gmserr"
)

// checkText refuses a parameter that cannot be stored (invalid UTF-8, NUL):
// a client error, never an outage.
func checkText(key, value string) *gmserr.Error {
	if !callback.StorableText(key) || !callback.StorableText(value) {
		return badParameter("Parameter %q holds invalid UTF-8 or a NUL character", url.QueryEscape(key))
	}
	return nil
}

// checkParams applies checkText to every parameter.
func checkParams(p map[string]string) *gmserr.Error {
	for k, v := range p {
		if e := checkText(k, v); e != nil {
			return e
		}
	}
	return nil
}

// rejectUnstorableQuery answers 400 for a path or query string that cannot be
// stored, before any handler sees it: through writeError and observe (route
// "unstorable"), so it is logged and counted like every other answer.
func (s *Server) rejectUnstorableQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e := unstorable(r)
		if e == nil {
			next.ServeHTTP(w, r)
			return
		}
		s.observe("unstorable", func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
			s.writeError(w, r, e)
		})(w, r, nil)
	})
}

// unstorable refuses r's path or query parameters when one cannot be stored.
func unstorable(r *http.Request) *gmserr.Error {
	if e := checkText("path", r.URL.Path); e != nil {
		return e
	}
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			if e := checkText(k, v); e != nil {
				return e
			}
		}
	}
	return nil
}
