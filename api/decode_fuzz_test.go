package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/opengms/callback/gmserr"
)

// fuzzContentTypes are what a fuzzed request's kind selects (kind modulo its
// length); kind 2 appends the fuzzed boundary, kind 5 is the fuzzed text as is.
var fuzzContentTypes = []string{
	"application/json",
	"application/x-www-form-urlencoded",
	"multipart/form-data; boundary=",
	"text/plain",
	"",
	"<fuzzed>",
	"application/json; charset=utf-8",
}

// fuzzRequest builds a request with a fuzzed body: kind picks the content
// type (above; kind&0x80 sends it without a Content-Length, as chunked
// bodies are), boundary is the multipart boundary (or the whole content type
// for kind 5), and limit, when not 0, caps the body at that many bytes as
// limitBody does at maxBody.
func fuzzRequest(method, target, rawQuery string, kind uint8, boundary string, body []byte, limit uint16) *http.Request {
	ct := fuzzContentTypes[int(kind&0x7f)%len(fuzzContentTypes)]
	switch ct {
	case "multipart/form-data; boundary=":
		ct += boundary
	case "<fuzzed>":
		ct = boundary
	}
	r := &http.Request{Method: method, URL: &url.URL{Path: target, RawQuery: rawQuery}, Header: http.Header{},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Host: "example.test", RemoteAddr: "192.0.2.1:1234",
		ContentLength: int64(len(body)), Body: io.NopCloser(bytes.NewReader(body))}
	if kind&0x80 != 0 {
		r.ContentLength = -1
	}
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	max := int64(maxBody)
	if limit != 0 {
		max = int64(limit)
	}
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, max)
	return r
}

// multipartSeed is a well-formed multipart body with boundary "XyZ".
const multipartSeed = "--XyZ\r\nContent-Disposition: form-data; name=\"_customer_number\"\r\n\r\n5115\r\n" +
	"--XyZ\r\nContent-Disposition: form-data; name=\"usr_name\"\r\n\r\nBob Markel\r\n" +
	"--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nignored\r\n--XyZ--\r\n"

// FuzzDecodeParams: params never panics; it fails only with a 40010
// envelope (400, or 413 when the body passes the cap); a JSON object or a
// form body that the standard library decodes is accepted, with the values
// it holds.
func FuzzDecodeParams(f *testing.F) {
	for _, s := range []struct {
		query    string
		kind     uint8
		boundary string
		body     string
		limit    uint16
	}{
		{"", 0, "", `{"_customer_number":"5115","usr_name":"Bob","n":1.5e3,"b":true,"z":null,"a":[1,2],"o":{"k":"v"}}`, 0},
		{"_customer_number=1", 1, "", "_customer_number=5116&_desired_time=2026-01-02T15%3A04%3A05.000Z&usr_note=a%20b", 0},
		{"", 2, "XyZ", multipartSeed, 0},
		{"", 2, "XyZ", multipartSeed, 40},
		{"", 3, "", "_customer_number=5115", 0},
		{"a=1&a=2", 4, "", "", 0},
		{"", 4, "", `{"k":"v"}`, 0},
		{"", 0x80, "", `{"k":"v"}`, 3},
		{"", 5, "multipart/mixed; boundary=\"", "--\r\n", 0},
		{"", 6, "", `{"k":"\ud800","e":1e400}`, 0},
		{"%zz=1", 1, "", "%zz&k=%", 0},
		{"", 0, "", `[1,2]`, 0},
	} {
		f.Add(s.query, s.kind, s.boundary, []byte(s.body), s.limit)
	}
	f.Fuzz(func(t *testing.T, rawQuery string, kind uint8, boundary string, body []byte, limit uint16) {
		r := fuzzRequest(http.MethodPost, "/genesys/1/service/callback/cb", rawQuery, kind, boundary, body, limit)
		ct := r.Header.Get("Content-Type")
		out, e := params(r)
		if e != nil {
			if out != nil {
				t.Fatalf("params failed (%v) but returned %v", e, out)
			}
			if e.Code != gmserr.BadParameter.Code || (e.Status != 400 && e.Status != 413) || e.Message == "" {
				t.Fatalf("params error is not a 40010 envelope with 400/413: %#v", e)
			}
			if e.Status == 413 && (limit == 0 && len(body) <= maxBody || limit != 0 && len(body) <= int(limit)) {
				t.Fatalf("413 for a %d-byte body (limit %d)", len(body), limit)
			}
			if _, err := json.Marshal(e); err != nil {
				t.Fatalf("envelope does not encode: %v", err)
			}
			return
		}
		if out == nil {
			t.Fatal("params returned nil, nil")
		}
		fits := limit == 0 || len(body) <= int(limit)
		mt := strings.TrimSpace(strings.ToLower(strings.Split(ct, ";")[0]))
		switch {
		case mt == "application/json" && fits && len(bytes.TrimSpace(body)) > 0:
			var raw map[string]json.RawMessage
			if json.Unmarshal(body, &raw) != nil {
				t.Fatalf("params accepted a JSON body that is not an object: %q", body)
			}
			for k, v := range raw {
				if got, ok := out[k]; ok != (string(bytes.TrimSpace(v)) != "null") {
					t.Fatalf("JSON key %q (%s): present=%v, value %q", k, v, ok, got)
				}
			}
		case mt == "application/x-www-form-urlencoded" && fits:
			vals, err := url.ParseQuery(string(body))
			if err != nil {
				t.Fatalf("params accepted a form body url.ParseQuery refuses (%v): %q", err, body)
			}
			for k, vs := range vals {
				if out[k] != vs[0] {
					t.Fatalf("form key %q: got %q, want %q", k, out[k], vs[0])
				}
			}
		}
	})
}

// allowed5xx are the 5xx codes an answer may carry: the seed's, and our 50300.
var allowed5xx = map[int]bool{50004: true, 50005: true, 50006: true, 50020: true, 50030: true, 50040: true, 50050: true, 50300: true}

// catalog is every code of gmserr.
var catalog = []gmserr.Code{gmserr.NumberAlreadyBooked, gmserr.ThrottleServiceLimit, gmserr.ThrottleIntervalLimit,
	gmserr.ThrottleParameterLimit, gmserr.BadParameter, gmserr.InvalidOperation, gmserr.CallbackNotFound, gmserr.NumberRejected,
	gmserr.SlotUnavailable, gmserr.SlotUnavailableProposal, gmserr.Unauthorized, gmserr.NotFound, gmserr.MethodNotAllowed,
	gmserr.PayloadTooLarge, gmserr.CapacityError, gmserr.CalendarError, gmserr.ORSMaxSubmitRetries, gmserr.BadConfiguration,
	gmserr.ORSError, gmserr.ServiceRedirectFailed, gmserr.UnknownError, gmserr.Unavailable}

// checkEnvelope checks an answer is a GMS error envelope: JSON content type
// and body, a 4xx status or a 5xx one with an allowed code, the status of
// its code, and Basic auth challenged on 401.
func checkEnvelope(t *testing.T, what string, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s: Content-Type %q, body %q", what, ct, rec.Body.Bytes())
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("%s: body is not a JSON object (%v): %q", what, err, rec.Body.Bytes())
	}
	code, ok := m["code"].(float64)
	if !ok {
		t.Fatalf("%s: no numeric code: %q", what, rec.Body.Bytes())
	}
	if s, _ := m["phrase"].(string); s == "" {
		t.Fatalf("%s: no phrase: %q", what, rec.Body.Bytes())
	}
	if s, _ := m["exception"].(string); !strings.HasPrefix(s, gmserr.ExceptionPackage+"CallbackException") {
		t.Fatalf("%s: exception %q", what, s)
	}
	if _, ok := m["message"].(string); !ok {
		t.Fatalf("%s: no message: %q", what, rec.Body.Bytes())
	}
	switch {
	case rec.Code >= 400 && rec.Code < 500:
	case rec.Code >= 500 && rec.Code < 600 && allowed5xx[int(code)]:
	default:
		t.Fatalf("%s: status %d with code %v is neither 4xx nor an allowed 5xx: %q", what, rec.Code, code, rec.Body.Bytes())
	}
	statusOK := false
	for _, c := range catalog {
		if c.Code == int(code) && c.Status == rec.Code {
			statusOK = true
		}
	}
	if !statusOK {
		t.Fatalf("%s: status %d does not belong to code %v", what, rec.Code, code)
	}
	if rec.Code == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
		t.Fatalf("%s: 401 without WWW-Authenticate", what)
	}
	return m
}

// FuzzWriteError: whatever error a handler ends with (an envelope of any
// code, wrapped or carried through Temporal, or a plain error), writeError
// answers a JSON envelope with a 4xx status or an allowed 5xx code.
func FuzzWriteError(f *testing.F) {
	f.Add(uint8(4), uint8(0), "Invalid operand \"X\"", "filter", "k=v")
	f.Add(uint8(13), uint8(1), "Request body exceeds 1048576 bytes", "", "")
	f.Add(uint8(17), uint8(2), "Service undefined: nope", "service", "nope")
	f.Add(uint8(6), uint8(3), "callback 1234 cannot be found", "id", "1234")
	f.Add(uint8(0), uint8(4), "dial tcp 127.0.0.1:5432: connection refused", "", "")
	f.Add(uint8(0), uint8(4), "\xff\xfe invalid UTF-8 %s %!", "\xff", "\x00")
	f.Fuzz(func(t *testing.T, which, wrap uint8, message, key, value string) {
		env := gmserr.New(catalog[int(which)%len(catalog)], "%s", message)
		if key != "" {
			env = env.With(key, value)
		}
		var err error
		switch wrap % 6 {
		case 0:
			err = env
		case 1:
			err = fmt.Errorf("while doing it: %w", env)
		case 2:
			err = fmt.Errorf("update: %w", gmserr.ToTemporal(env))
		case 3:
			lost := *env // crossed a wire: the status is not serialized
			lost.Status = 0
			err = gmserr.ToTemporal(&lost)
		case 4:
			err = errors.New(message)
		case 5:
			err = temporal.NewApplicationError(message, "GMS_"+key, value)
		}
		s := &Server{Logger: slog.New(slog.DiscardHandler)}
		rec := httptest.NewRecorder()
		s.writeError(rec, httptest.NewRequest(http.MethodGet, "/x", nil), err)
		m := checkEnvelope(t, fmt.Sprintf("writeError(%v)", err), rec)
		if wrap%6 < 4 && int(m["code"].(float64)) != env.Code {
			t.Fatalf("envelope code %v, want %d", m["code"], env.Code)
		}
	})
}
