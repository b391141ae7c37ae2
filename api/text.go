package api

import (
	"net/http"
	"net/url"

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
// stored, before any handler sees it.
func rejectUnstorableQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e := checkText("path", r.URL.Path); e != nil {
			writeJSON(w, e.Status, e)
			return
		}
		for k, vs := range r.URL.Query() {
			for _, v := range vs {
				if e := checkText(k, v); e != nil {
					writeJSON(w, e.Status, e)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}
