package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"golang.org/x/crypto/bcrypt"

	"github.com/opengms/callback/api"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/internal/testenv"
	"github.com/opengms/callback/orssim"
	"github.com/opengms/callback/privacy"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/stats"
	"github.com/opengms/callback/worker"
	"github.com/opengms/callback/workflows"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testINI is the configuration of the tests; {ORS} is the fake ORS.
const testINI = `
[callback]
returned-keys = _desired_time,_callback_state,_callback_reason,_ors_session_id,usr_name

[admin-users]
admin = {ADMIN_HASH}

[ors]
url = {ORS}

[stat]
url = {ORS}

[service.cb]
_app_url = callback.scxml
_vq_for_outbound_calls = VQ_$vq$
_request_execution_time_buffer = 0
_max_ors_submit_attempts = 3
_disallow_impossible_phone_numbers = false
_customer_lookup_keys = _customer_number,usr_account

[service.buffered]
_app_url = callback.scxml
_request_execution_time_buffer = 120
_disallow_impossible_phone_numbers = false

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
_request_execution_time_buffer = 0
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = false

[service.strict]
_app_url = callback.scxml
_request_execution_time_buffer = 0
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = strict

[service.phones]
_app_url = callback.scxml
_default_country = US
_exceptions = 555.*

[service.redirector]
_redirect = cb

[service.redirect-broken]
_redirect = broken

[service.closed-hours]
_type = builtin
_service = office-hours
_timezone = UTC
_bh_add1 = 2020-01-01 09:00-10:00

[service.never-open]
_app_url = callback.scxml
_business_hours_service = closed-hours
_disallow_impossible_phone_numbers = false

[service.bad-hours]
_app_url = callback.scxml
_business_hours_service = nothing-here
_disallow_impossible_phone_numbers = false

[service.no-country]
_app_url = callback.scxml
_default_country =

[service.grid]
_type = builtin
_service = capacity
_timezone = America/New_York
_capacity = [Mon]
_capacity_1 = {"1":{"0900":1,"1000":3}}

[service.gridded]
_app_url = callback.scxml
_capacity_service = grid
_request_time_bucket = 60
_max_request_by_time_bucket = 50
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = false

[service.once]
_app_url = callback.scxml
_max_ors_submit_attempts = 2
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = false

[service.unreachable]
_app_url = callback.scxml
_ors = http://127.0.0.1:1
_disallow_impossible_phone_numbers = false

[service.tight]
_app_url = callback.scxml
_request_time_bucket = 5
_max_request_by_time_bucket = 2
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = false
_throttle_request_parameters_limit = 1000

[service.hooked]
_app_url = callback.scxml
_request_execution_time_buffer = 0
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = false
_notification_url_pattern = http://127\.0\.0\.1:[0-9]+/hooks/.*
_notification_secret = ` + hookSecret + `

[service.ewt]
_app_url = callback.scxml
_request_execution_time_buffer = 120
_request_queue_time_stat = ExpectedWaitTime;Queue;8999@SIP_Server;Environment
_disallow_impossible_phone_numbers = false
`

// adminHash is the bcrypt hash of adminPassword (cheapest cost: tests).
var adminHash = func() string {
	h, err := bcrypt.GenerateFromPassword([]byte(adminPassword), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
}()

const adminPassword = "s3cret"

// stack is the whole service on real components: Temporal dev server,
// PostgreSQL, the worker and the API in-process, and the ORS simulator.
type stack struct {
	t         *testing.T
	srv       *api.Server
	taskQueue string
	url       string
	ors       *orssim.Server
	store     *queries.Store
	c         client.Client
	logger    *slog.Logger
	w         sdkworker.Worker // the running worker (stopWorker, startWorker)
}

func newStack(t *testing.T) *stack {
	t.Helper()
	return newStackWith(t, testINI)
}

// newStackWith runs the stack with configuration ini ({ORS} and
// {ADMIN_HASH} are filled in), its logs discarded.
func newStackWith(t *testing.T, testINI string) *stack {
	t.Helper()
	return newLoggedStack(t, testINI, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// newLoggedStack is newStackWith with the API's and the worker's logs sent
// to logger.
func newLoggedStack(t *testing.T, testINI string, logger *slog.Logger) *stack {
	t.Helper()
	ctx := context.Background()
	store, err := queries.Open(ctx, testenv.Database(t))
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	require.NoError(t, store.Migrate(ctx))
	c := testenv.Temporal(t)

	ors := orssim.New(orssim.Options{Drive: true, RoutingDelay: 100 * time.Millisecond,
		ProcessingDelay: 100 * time.Millisecond, CompleteDelay: 100 * time.Millisecond, RetryBackoff: 50 * time.Millisecond})
	orsSrv := httptest.NewServer(ors)
	t.Cleanup(orsSrv.Close)
	t.Cleanup(ors.Close)
	ini := strings.NewReplacer("{ORS}", orsSrv.URL, "{ADMIN_HASH}", adminHash).Replace(testINI)
	cfg, err := config.Parse([]byte(ini))
	require.NoError(t, err)

	taskQueue := "tq-" + strings.ReplaceAll(t.Name(), "/", "-")
	httpSrv := httptest.NewUnstartedServer(nil)
	srv := &api.Server{Temporal: c, Store: store, Logger: logger, TaskQueue: taskQueue, Namespace: "default",
		Stats: &stats.Client{URL: cfg.StatURL}, PublicURL: "http://" + httpSrv.Listener.Addr().String()}
	withPrivacy(t, srv)
	srv.SetConfig(cfg)
	srv.Events, err = store.Listen(logger)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Events.Close() })
	s := &stack{t: t, srv: srv, taskQueue: taskQueue, ors: ors, store: store, c: c, logger: logger}
	s.startWorker()
	t.Cleanup(func() { s.stopWorker() })

	httpSrv.Config.Handler = srv.Handler()
	httpSrv.Start()
	t.Cleanup(httpSrv.Close)
	s.url = httpSrv.URL
	return s
}

// startWorker starts a worker of the stack (after stopWorker: a new one).
func (s *stack) startWorker() {
	s.t.Helper()
	s.w = worker.New(s.c, s.taskQueue, s.store, s.srv.Config, s.logger)
	require.NoError(s.t, s.w.Start())
}

// stopWorker stops the stack's worker, if one runs: its activities in
// flight are cancelled, its workflows go on with the next worker.
func (s *stack) stopWorker() {
	if s.w != nil {
		s.w.Stop()
		s.w = nil
	}
}

// uiOrigin is the Temporal UI origin the tests' codec endpoint allows.
const uiOrigin = "http://localhost:8233"

// withPrivacy gives srv the tests' number hasher and payload codec (the
// keys testenv's Temporal clients encrypt with).
func withPrivacy(t *testing.T, srv *api.Server) {
	sec := testenv.Secrets(t)
	codec, err := sec.Codec()
	require.NoError(t, err)
	srv.Hasher, srv.Codec, srv.CodecOrigins = sec.Hasher(), codec, []string{uiOrigin}
}

// reply is a decoded API answer.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r reply) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body: %s", r.Body)
	return m
}

func (r reply) records(t *testing.T) []map[string]string {
	t.Helper()
	var out []map[string]string
	require.NoError(t, json.Unmarshal(r.Body, &out), "body: %s", r.Body)
	return out
}

// envelope checks r is the GMS error envelope with that status and code.
func (r reply) envelope(t *testing.T, status, code int, phrase string) map[string]any {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	m := r.object(t)
	require.EqualValues(t, code, m["code"], "body: %s", r.Body)
	require.Equal(t, phrase, m["phrase"])
	require.True(t, strings.HasPrefix(m["exception"].(string), "com.genesyslab.gsg.services.callback.exceptions.CallbackException"), m["exception"])
	require.NotEmpty(t, m["message"])
	return m
}

func (s *stack) do(method, path, contentType string, body io.Reader) reply {
	s.t.Helper()
	return s.send(method, path, contentType, body, nil)
}

// asAdmin sends with the admin's Basic credentials.
func asAdmin(r *http.Request) { r.SetBasicAuth("admin", adminPassword) }

func (s *stack) send(method, path, contentType string, body io.Reader, auth func(*http.Request)) reply {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, body)
	require.NoError(s.t, err)
	if auth != nil {
		auth(req)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

func (s *stack) postJSON(path string, v any) reply {
	data, err := json.Marshal(v)
	require.NoError(s.t, err)
	return s.do(http.MethodPost, path, "application/json", bytes.NewReader(data))
}

func (s *stack) putForm(path string, v url.Values) reply {
	return s.do(http.MethodPut, path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
}

func (s *stack) get(path string) reply { return s.do(http.MethodGet, path, "", nil) }

// lookupOne finds the callback id through Q4.
func (s *stack) lookupOne(service, id string) map[string]string {
	s.t.Helper()
	r := s.get("/genesys/1/service/callback/" + service + "?_id=" + id)
	require.Equal(s.t, http.StatusOK, r.Status, "body: %s", r.Body)
	recs := r.records(s.t)
	require.Len(s.t, recs, 1)
	return recs[0]
}

// eventually polls cond until it holds or d passes.
func eventually(t *testing.T, d time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf(msg, args...)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stateOf is the callback's state and reason in the read model.
func (s *stack) stateOf(service, id string) (string, string) {
	rec := s.lookupOne(service, id)
	return rec["_callback_state"], rec["_callback_reason"]
}

// recordHistory adds workflow id's history to the replay corpus as
// workflows/testdata/histories/<Release>/NAME.json, with its line in
// MANIFEST, when GMS_RECORD_HISTORIES=1 (make record-histories). A history
// already recorded for this release is kept: the corpus only grows.
func (s *stack) recordHistory(name, id string) {
	s.t.Helper()
	if os.Getenv("GMS_RECORD_HISTORIES") != "1" {
		return
	}
	corpus := filepath.Join(testenv.RepoRoot(s.t), "workflows", "testdata", "histories")
	rel := workflows.Release + "/" + name + ".json"
	file := filepath.Join(corpus, filepath.FromSlash(rel))
	if _, err := os.Stat(file); err == nil {
		s.t.Logf("%s is recorded already: kept", rel)
		return
	}
	ctx := context.Background()
	// Wait for the run to close so the recorded history is the whole life.
	_ = s.c.GetWorkflow(ctx, id, "").Get(ctx, nil)
	iter := s.c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	hist := &historypb.History{}
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(s.t, err)
		hist.Events = append(hist.Events, ev)
	}
	data, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
	require.NoError(s.t, err)
	require.NoError(s.t, os.MkdirAll(filepath.Dir(file), 0o755))
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644) // never over another
	require.NoError(s.t, err)
	_, err = f.Write(data)
	require.NoError(s.t, errors.Join(err, f.Close()))
	sum := sha256.Sum256(data)
	m, err := os.OpenFile(filepath.Join(corpus, "MANIFEST"), os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(s.t, err)
	_, err = m.WriteString(hex.EncodeToString(sum[:]) + "  " + rel + "\n") // one write: parallel tests append whole lines
	require.NoError(s.t, errors.Join(err, m.Close()))
}

// converterFromMemo decodes one memo field (encrypted with the tests' keys).
func converterFromMemo(t *testing.T, p *commonpb.Payload, v any) error {
	codec, err := testenv.Secrets(t).Codec()
	if err != nil {
		return err
	}
	return privacy.DataConverter(codec).FromPayload(p, v)
}
