package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/opengms/callback/gmserr"
)

// params decodes a request's parameters: the query string, overlaid by the
// body (JSON object, form-urlencoded or multipart; the first value of a
// repeated field). JSON scalars become text; null is absent; arrays and
// objects are kept as their JSON text.
func params(r *http.Request) (map[string]string, *gmserr.Error) {
	out := map[string]string{}
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 {
			out[k] = vs[0]
		}
	}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return checked(out)
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" {
		mt, err = "application/json", nil
	}
	if err != nil {
		return nil, badParameter("Unsupported content type %q", ct)
	}
	var body map[string]string
	var e *gmserr.Error
	switch mt {
	case "application/json":
		body, e = decodeJSON(r.Body)
	case "application/x-www-form-urlencoded":
		body, e = decodeForm(r, false)
	case "multipart/form-data":
		body, e = decodeForm(r, true)
	default:
		return nil, badParameter("Unsupported content type %q: use application/json, application/x-www-form-urlencoded or multipart/form-data", ct)
	}
	if e != nil {
		return nil, e
	}
	for k, v := range body {
		out[k] = v
	}
	return checked(out)
}

// checked returns p, or nothing and 40010 when a parameter cannot be stored.
func checked(p map[string]string) (map[string]string, *gmserr.Error) {
	if e := checkParams(p); e != nil {
		return nil, e
	}
	return p, nil
}

// bodyError maps a read failure: too large -> 413, otherwise 40010.
func bodyError(err error) *gmserr.Error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return gmserr.New(gmserr.PayloadTooLarge, "Request body exceeds %d bytes", tooBig.Limit)
	}
	return badParameter("Cannot read request body: %v", err)
}

func decodeJSON(body io.Reader) (map[string]string, *gmserr.Error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, bodyError(err)
	}
	if !utf8.Valid(data) {
		return nil, badParameter("Malformed JSON body: invalid UTF-8")
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, badParameter("Malformed JSON body: %v", err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		s, ok := jsonText(v)
		if ok {
			out[k] = s
		}
	}
	return out, nil
}

// jsonText renders one JSON value as a parameter string; false for null.
func jsonText(v json.RawMessage) (string, bool) {
	t := strings.TrimSpace(string(v))
	switch {
	case t == "null":
		return "", false
	case strings.HasPrefix(t, `"`):
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s, true
		}
	case strings.HasPrefix(t, "{") || strings.HasPrefix(t, "["):
		return t, true
	}
	if f, err := strconv.ParseFloat(t, 64); err == nil && strings.ContainsAny(t, "eE") {
		return strconv.FormatFloat(f, 'f', -1, 64), true
	}
	return t, true
}

func decodeForm(r *http.Request, multipart bool) (map[string]string, *gmserr.Error) {
	var values url.Values
	if multipart {
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return nil, formError(err)
		}
		values = r.MultipartForm.Value
	} else {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, bodyError(err)
		}
		if values, err = url.ParseQuery(string(data)); err != nil {
			return nil, badParameter("Malformed form body: %v", err)
		}
	}
	out := make(map[string]string, len(values))
	for k, vs := range values {
		if len(vs) > 0 {
			out[k] = vs[0]
		}
	}
	return out, nil
}

func formError(err error) *gmserr.Error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return bodyError(err)
	}
	return badParameter("Malformed multipart body: %v", err)
}
