package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/opengms/callback/gmserr"
)

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError is the one place an error becomes the GMS envelope: an
// envelope is sent as is, anything else as 50050 (and logged).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *gmserr.Error
	if !errors.As(err, &e) {
		e = gmserr.FromTemporal(err)
	}
	if e == nil {
		s.Logger.ErrorContext(r.Context(), "unexpected error", "path", r.URL.Path, "error", err)
		e = gmserr.Unknown(err)
	}
	e.Normalize()
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="GMS"`)
	}
	if e.Status >= 500 {
		s.Logger.WarnContext(r.Context(), "request failed", "path", r.URL.Path, "code", e.Code, "message", e.Message, "cause", e.Cause)
	}
	writeJSON(w, e.Status, e)
}

func badParameter(format string, args ...any) *gmserr.Error {
	return gmserr.New(gmserr.BadParameter, format, args...)
}

func unexpected(msg string) *gmserr.Error {
	return gmserr.New(gmserr.UnknownError, "Error processing callback %s ", msg).With("message", msg)
}

func notFound(r *http.Request) *gmserr.Error {
	return gmserr.New(gmserr.NotFound, "No such resource: %s %s", r.Method, r.URL.Path)
}

func methodNotAllowed(r *http.Request) *gmserr.Error {
	return gmserr.New(gmserr.MethodNotAllowed, "Method %s is not allowed on %s", r.Method, r.URL.Path)
}

func callbackNotFound(id string) *gmserr.Error {
	return gmserr.New(gmserr.CallbackNotFound, "Callback %s cannot be found", id).With("id", id)
}

// unavailable answers 503 when a dependency is down; the cause is logged,
// not sent (it names internal addresses).
func unavailable(what string, err error) *gmserr.Error {
	e := gmserr.New(gmserr.Unavailable, "%s is unavailable", what)
	e.Cause = err
	return e
}
