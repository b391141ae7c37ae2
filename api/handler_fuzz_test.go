package api

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"golang.org/x/crypto/bcrypt"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/privacy"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/schedule"
	"github.com/opengms/callback/stats"
)

// fuzzAdminPassword is the password of user admin in fuzzINI.
const fuzzAdminPassword = "s3cret"

// fuzzINI is the configuration of the fuzz targets; {ADMIN_HASH} is filled in.
const fuzzINI = `
[callback]
returned-keys = _desired_time,_callback_state,_callback_reason,_ors_session_id,usr_name

[admin-users]
admin = {ADMIN_HASH}

[service.cb]
_app_url = callback.scxml
_disallow_impossible_phone_numbers = false
_customer_lookup_keys = _customer_number,usr_account
_vq_for_outbound_calls = VQ_$vq$

[service.other]
_app_url = callback.scxml
_disallow_impossible_phone_numbers = false
_customer_lookup_keys = usr_ticket

[service.broken]
_type = ors
_service = chat

[service.hours]
_type = builtin
_service = office-hours
_timezone = America/New_York
_bh_regular1 = Mon-Fri 09:00-17:00

[service.office]
_app_url = callback.scxml
_business_hours_service = hours
_request_time_bucket = 5
_max_request_by_time_bucket = 2
_disallow_impossible_phone_numbers = false

[service.bad-hours]
_app_url = callback.scxml
_business_hours_service = nothing-here

[service.phones]
_app_url = callback.scxml
_default_country = US
_exceptions = 555.*

[service.redirector]
_redirect = cb
`

// fuzzConfig is fuzzINI parsed once (bcrypt at its cheapest cost).
var fuzzConfig = sync.OnceValue(func() *config.Config {
	h, err := bcrypt.GenerateFromPassword([]byte(fuzzAdminPassword), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	c, err := config.Parse([]byte(strings.ReplaceAll(fuzzINI, "{ADMIN_HASH}", string(h))))
	if err != nil {
		panic(err)
	}
	return c
})

// logRecorder keeps the messages logged through it.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	l.mu.Lock()
	l.msgs = append(l.msgs, b.String())
	l.mu.Unlock()
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

// panics returns the "handler panic" lines logged.
func (l *logRecorder) panics() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, m := range l.msgs {
		if strings.HasPrefix(m, "handler panic") {
			out = append(out, m)
		}
	}
	return out
}

// errDown is what the unreachable dependencies answer.
var errDown = errors.New("dependency down (fuzz)")

// downConnector is a database/sql connector whose every connection fails.
type downConnector struct{}

func (downConnector) Connect(context.Context) (driver.Conn, error) { return nil, errDown }
func (downConnector) Driver() driver.Driver                        { return downDriver{} }

type downDriver struct{}

func (downDriver) Open(string) (driver.Conn, error) { return nil, errDown }

// downStore is a read model whose every query fails at once.
func downStore() *queries.Store {
	return &queries.Store{DB: sqlx.NewDb(sql.OpenDB(downConnector{}), "postgres")}
}

// downTemporal is a Temporal client whose every call the API makes fails at
// once: Unavailable, or NotFound (no such workflow) when notFound is set.
// Any other method panics (the embedded interface is nil), which a fuzz
// target reports.
type downTemporal struct {
	client.Client
	notFound bool
}

func (d downTemporal) err() error {
	if d.notFound {
		return serviceerror.NewNotFound("workflow not found (fuzz)")
	}
	return serviceerror.NewUnavailable("temporal down (fuzz)")
}
func (d downTemporal) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, d.err()
}
func (d downTemporal) NewWithStartWorkflowOperation(client.StartWorkflowOptions, any, ...any) client.WithStartWorkflowOperation {
	return nil
}
func (d downTemporal) UpdateWithStartWorkflow(context.Context, client.UpdateWithStartWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, d.err()
}
func (d downTemporal) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, d.err()
}
func (d downTemporal) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	return nil, d.err()
}
func (d downTemporal) ListWorkflow(context.Context, *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	return nil, d.err()
}
func (d downTemporal) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return nil, d.err()
}

// fuzzServer is a Server on fuzzConfig whose dependencies are all down, its
// log kept in the returned recorder.
func fuzzServer(temporalNotFound bool) (*Server, *logRecorder) {
	logs := &logRecorder{}
	s := &Server{Temporal: downTemporal{notFound: temporalNotFound}, Store: downStore(), Stats: &stats.Client{},
		Logger: slog.New(logs), TaskQueue: "fuzz", Namespace: "default", PublicURL: "http://127.0.0.1:1",
		Now: func() time.Time { return time.Date(2026, 3, 9, 15, 0, 0, 0, time.UTC) }}
	s.Hasher, _ = privacy.NewNumberHasher(make([]byte, 32))
	s.SetConfig(fuzzConfig())
	return s, logs
}

// lookupReserved are the query keys lookupFilter reads itself.
var lookupReserved = []string{"operand", callback.KeyState, callback.KeyDesiredTimeFrom, callback.KeyDesiredTimeTo}

// FuzzLookupFilter: a lookup's query string, whatever it holds, gives a
// filter whose property matches are only `_id` and the lookup keys the
// service allows (`_customer_lookup_keys`, the allow-list), each with its
// query value; or a 4xx envelope, or 50020 for an unknown or broken service.
func FuzzLookupFilter(f *testing.F) {
	for _, s := range [][2]string{
		{"cb", "_customer_number=5115"},
		{"cb", "_customer_number=5115&usr_account=7&operand=or&_callback_state=!COMPLETED&_desired_time_from=2026-01-01T00:00:00.000Z&_desired_time_to=2026-02-01T00:00:00Z"},
		{"", "usr_ticket=T-1&_id=abc"},
		{"cb", "_customer_number=1'%20OR%20'1'='1"},
		{"cb", "k';DROP%20TABLE%20callbacks;--=1"},
		{"cb", "_callback_state=sideways"},
		{"cb", "operand=XOR&_customer_number=1"},
		{"cb", ""},
		{"nope", "_customer_number=1"},
		{"broken", "_customer_number=1"},
		{"cb", "%zz&_customer_number=%41;b"},
		{"cb", "_desired_time_to=yesterday&_customer_number=1"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, rawQuery string) {
		s, _ := fuzzServer(false)
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/genesys/1/service/callback/" + name, RawQuery: rawQuery}}
		flt, e := s.lookupFilter(name, r)
		if e != nil {
			if e.Status < 400 || e.Status >= 500 && e.Code != gmserr.BadConfiguration.Code || e.Status >= 600 {
				t.Fatalf("lookupFilter(%q, %q): %#v", name, rawQuery, e)
			}
			if _, err := json.Marshal(e); err != nil {
				t.Fatalf("envelope does not encode: %v", err)
			}
			return
		}
		allowed, ae := s.lookupKeys(name)
		if ae != nil {
			t.Fatalf("lookupFilter(%q) succeeded but lookupKeys failed: %v", name, ae)
		}
		if flt.Service != name || len(flt.Matches) == 0 {
			t.Fatalf("lookupFilter(%q, %q) = %+v", name, rawQuery, flt)
		}
		q := r.URL.Query()
		for _, m := range flt.Matches {
			if m.Key != callback.KeyID && !allowed[m.Key] {
				t.Fatalf("lookupFilter(%q, %q): key %q is not in the allow-list %v", name, rawQuery, m.Key, allowed)
			}
			if slices.Contains(lookupReserved, m.Key) {
				t.Fatalf("lookupFilter(%q, %q): reserved key %q used as a property", name, rawQuery, m.Key)
			}
			if !q.Has(m.Key) || q.Get(m.Key) != m.Value {
				t.Fatalf("lookupFilter(%q, %q): match %q=%q is not the query's", name, rawQuery, m.Key, m.Value)
			}
		}
		if flt.State != "" {
			if _, ok := callback.ParseState(string(flt.State)); !ok {
				t.Fatalf("lookupFilter(%q, %q): state %q", name, rawQuery, flt.State)
			}
		}
		for _, b := range []time.Time{flt.From, flt.To} {
			if b.IsZero() {
				continue
			}
			if back, err := callback.ParseTime(callback.FormatTime(b)); err != nil || !back.Equal(b.Truncate(time.Millisecond)) {
				t.Fatalf("lookupFilter(%q, %q): bound %v does not survive its API form (%v)", name, rawQuery, b, err)
			}
		}
	})
}

// fuzzSizes are the bucket sizes of _request_time_bucket.
var fuzzSizes = []int{5, 10, 15, 20, 30, 60, 120}

// FuzzParsePeriod: an availability query, whatever it holds, is a 40010
// envelope or a period of at most 31 days, not ending before it starts,
// whose buckets and slots can be listed and rendered (v1 and v2 forms).
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []struct {
		q    string
		v2   bool
		zone uint8
	}{
		{"number-of-days=1&max-time-slots=5", false, 0},
		{"start=2026-03-10T09:00:00.000Z&end=2026-03-11T09:00:00.000Z", false, 1},
		{"timestamp=2026-03-10T09:00:00Z&number-of-days=7", false, 0},
		{"start-ms=1773133200000&end-ms=1773219600000&timezone=Europe/Paris&report-busy=true", true, 1},
		{"start=2026-03-10T09:00&end=2026-03-10&timezone=Asia/Kathmandu", true, 2},
		{"start=2026-03-10T09:00:00-05:00&number-of-days=8", true, 0},
		{"start=2026-03-10&start-ms=1", true, 0},
		{"timezone=Local", true, 0},
		{"start=2020-01-01T00:00:00Z&end=2020-01-02T00:00:00Z", false, 0},
		{"max-time-slots=0", false, 0},
	} {
		f.Add(s.q, s.v2, s.zone, uint8(0), int64(1773068400))
	}
	zones := []*time.Location{time.UTC, mustZone("America/New_York"), mustZone("Asia/Kathmandu")}
	f.Fuzz(func(t *testing.T, rawQuery string, v2 bool, zone, sizeIdx uint8, nowSec int64) {
		version := 1
		if v2 {
			version = 2
		}
		now := time.Unix(946684800+(nowSec%(100*365*86400)+100*365*86400)%(100*365*86400), 0).UTC() // 2000..2100
		size := time.Duration(fuzzSizes[int(sizeIdx)%len(fuzzSizes)]) * time.Minute
		loc := zones[int(zone)%len(zones)]
		q, _ := url.ParseQuery(rawQuery)
		p, e := parsePeriod(q, version, now, size, loc)
		if e != nil {
			if e.Code != gmserr.BadParameter.Code || e.Status != http.StatusBadRequest || e.Message == "" {
				t.Fatalf("parsePeriod(%q): %#v", rawQuery, e)
			}
			return
		}
		if p.loc == nil || p.limit < 0 || p.to.Before(p.from) || p.to.Sub(p.from) > maxAvailabilityRange {
			t.Fatalf("parsePeriod(%q) = %+v", rawQuery, p)
		}
		// The first bucket holds the period's start: listing the slots walks
		// from it to the end (a far-off bucket would walk for ever).
		if b := schedule.BucketStart(p.from, size); b.After(p.from) || !b.Add(size).After(p.from) {
			t.Fatalf("parsePeriod(%q) accepted from=%v whose bucket starts at %v: the slot listing would walk from there to %v",
				rawQuery, p.from, b, p.to)
		}
		plan := schedule.Plan{Size: size, Total: func(time.Time) int { return 2 }}
		limit := p.limit
		if limit == 0 || limit > 200 {
			limit = 200 // the walk itself is bounded above; keep the rendering short
		}
		for _, sl := range plan.Slots(p.from, p.to, now, p.busy, limit) {
			utc := callback.FormatTime(sl.Start)
			if back, err := callback.ParseTime(utc); err != nil || !back.Equal(sl.Start) {
				t.Fatalf("parsePeriod(%q): slot %v renders as %q that does not parse back (%v)", rawQuery, sl.Start, utc, err)
			}
			_ = sl.Start.In(p.loc).Format(callback.LocalLayout)
		}
	})
}

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// fuzzMethods are what a fuzzed request's method byte selects.
var fuzzMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodHead, http.MethodOptions, "PROPFIND"}

// FuzzHandler: the whole API (router, middleware, every handler) on fuzzed
// requests, its read model and Temporal down, never panics and answers JSON:
// an envelope (4xx, or 5xx with one of the seed's codes or our 50300) or a
// JSON document; the operator page (/ui/) and /metrics are exempt.
func FuzzHandler(f *testing.F) {
	for _, s := range []struct {
		method      uint8
		path, query string
		kind        uint8
		body        string
		auth        uint8
	}{
		{1, "/genesys/1/service/callback/cb", "", 0, `{"_customer_number":"5115","usr_name":"Bob"}`, 0},
		{1, "/genesys/1/service/callback/cb", "", 1, "_customer_number=5116&_desired_time=2026-03-10T15:00:00.000Z", 0},
		{1, "/genesys/1/service/callback/office", "", 0, `{"_customer_number":"5115","_desired_time":"2026-03-10T15:02:00.000Z"}`, 0},
		{1, "/genesys/1/service/callback/phones", "", 0, `{"_customer_number":"5551234"}`, 0},
		{1, "/genesys/1/service/callback/redirector", "", 0, `{"_customer_number":"5115","_copy_from_id":"x"}`, 0},
		{1, "/genesys/1/service/callback/nope", "", 0, `{}`, 0},
		{1, "/genesys/1/service/abc/check-queue-position", "", 4, "", 0},
		{2, "/genesys/1/service/callback/cb/abc", "", 1, "_new_desired_time=2026-03-11T15:00:00.000Z&usr_note=x", 0},
		{2, "/genesys/1/service/callback/cb/abc", "", 0, `{"_callback_state":"PROCESSING"}`, 1},
		{3, "/genesys/1/service/callback/cb/abc", "discard_ors_failure=true", 4, "", 0},
		{3, "/genesys/1/service/callback/cb/abc", "", 4, "", 2},
		{0, "/genesys/1/service/callback/cb", "_customer_number=5115&operand=OR", 4, "", 0},
		{0, "/genesys/1/service/callback", "usr_ticket=1", 4, "", 0},
		{0, "/genesys/1/service/callback/office/availability", "number-of-days=1&max-time-slots=5", 4, "", 0},
		{0, "/genesys/2/service/callback/office/availability", "start-ms=1773133200000&timezone=Europe/Paris", 4, "", 0},
		{0, "/genesys/1/admin/callback/queues", "target=cb&max=5&_callback_state=!SCHEDULED", 4, "", 2},
		{0, "/genesys/1/admin/callback/watermarks", "", 4, "", 2},
		{1, "/genesys/1/admin/callback/ops/delete", "", 0, `{"_customer_number":["5115"],"_id":"x"}`, 2},
		{1, "/genesys/1/admin/callback/reportcancelled", "", 0, `{"callback_reason":"CANCELLED_BY_ADMIN","exported_properties":["_customer_number"]}`, 2},
		{1, "/genesys/1/admin/callback/cancel", "", 0, `{"ids":["a","b"]}`, 2},
		{1, "/genesys/1/admin/callback/cancel", "", 0, `{"ids":["a"]}`, 3},
		{0, "/genesys/1/phonenumber", "number=%2B16175550100&country=US", 4, "", 0},
		{0, "/healthz", "", 4, "", 0},
		{0, "/genesys/openapi.json", "", 4, "", 0},
		{0, "/genesys/1/nothing", "", 4, "", 0},
		{4, "/healthz", "", 4, "", 0},
	} {
		f.Add(s.method, s.path, s.query, s.kind, "XyZ", []byte(s.body), s.auth)
	}
	f.Fuzz(func(t *testing.T, method uint8, path, rawQuery string, kind uint8, boundary string, body []byte, auth uint8) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		s, logs := fuzzServer(auth&4 != 0)
		r := fuzzRequest(fuzzMethods[int(method)%len(fuzzMethods)], path, rawQuery, kind, boundary, body, 0)
		switch auth & 3 {
		case 1:
			r.Header.Set("Authorization", "Basic "+basicAuth("admin", "wrong"))
		case 2:
			r.Header.Set("Authorization", "Basic "+basicAuth("admin", fuzzAdminPassword))
		case 3:
			r.Header.Set("Authorization", "Basic "+boundary) // malformed, or anything
			if strings.Contains(boundary, ":") || len(boundary) > 8 {
				r.Header.Set("Authorization", "Basic !"+boundary) // never a known user: no bcrypt at full cost
			}
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, r)
		what := fmt.Sprintf("%s %s?%s (%s)", r.Method, path, rawQuery, r.Header.Get("Content-Type"))
		if p := logs.panics(); len(p) > 0 {
			t.Fatalf("%s: handler panicked: %s", what, p)
		}
		if strings.HasPrefix(path, "/ui") || strings.HasPrefix(path, "/metrics") {
			return
		}
		switch {
		case rec.Code >= 400:
			checkEnvelope(t, what, rec)
		case rec.Code == http.StatusNoContent || r.Method == http.MethodOptions && rec.Code == http.StatusOK && rec.Body.Len() == 0:
			if rec.Body.Len() != 0 {
				t.Fatalf("%s: %d with a body: %q", what, rec.Code, rec.Body.Bytes())
			}
		default:
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" || !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s: status %d, Content-Type %q, body not JSON: %q", what, rec.Code, ct, rec.Body.Bytes())
			}
		}
	})
}

// basicAuth is the credentials part of a Basic Authorization header.
func basicAuth(user, pass string) string {
	r := &http.Request{Header: http.Header{}}
	r.SetBasicAuth(user, pass)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// TestRouterAnswersJSON: unmatched paths (404), wrong methods (405) and a
// handler that panics (here: a nil read model) all answer the JSON envelope.
func TestRouterAnswersJSON(t *testing.T) {
	logs := &logRecorder{}
	s := &Server{Logger: slog.New(logs)}
	s.SetConfig(fuzzConfig())
	h := s.Handler()
	for _, tc := range []struct {
		method, path string
		status, code int
	}{
		{http.MethodGet, "/nothing/here", 404, 40400},
		{http.MethodPost, "/genesys/1/service/callback/cb/abc/extra", 404, 40400},
		{http.MethodPatch, "/genesys/1/service/callback/cb/abc", 405, 40500},
		{http.MethodPost, "/healthz", 405, 40500},
		{http.MethodGet, "/healthz", 500, 50050}, // nil Store: the handler panics
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.status {
			t.Errorf("%s %s: status %d, want %d (%s)", tc.method, tc.path, rec.Code, tc.status, rec.Body.Bytes())
			continue
		}
		m := checkEnvelope(t, tc.method+" "+tc.path, rec)
		if int(m["code"].(float64)) != tc.code {
			t.Errorf("%s %s: code %v, want %d", tc.method, tc.path, m["code"], tc.code)
		}
	}
	if len(logs.panics()) != 1 {
		t.Errorf("want the one panic logged, got %q", logs.panics())
	}
}
