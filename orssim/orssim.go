// Package orssim is a simulator of the Genesys Orchestration Server (ORS) side
// of the callback protocol described in CONTRACT.md.
//
// It is used by `make run` (through cmd/ors-sim) and as the fake ORS of the
// integration tests, so besides serving the protocol it can be steered at run
// time (fault injection, delays, driving on or off) and observed (which starts,
// attempts, cancels and state updates it saw or made).
//
// Endpoints:
//
//	POST /scxml/session/start                          start a session (deduplicated on Idempotency-Key)
//	POST /scxml/session/{sessionid}/event/callback.cancel  stop a session
//	GET  /statistic?name=&object=&id=&tenant=          {"value": N} (expected wait time)
//
// With an AccessNumber, a start's answer carries access information next to
// `sessionid`, as ORS does for `_wait_for_agent=false`: `_access_number`
// (the number the customer dials), `_access_code` (a code per session) and
// `_access_expiration_time` (AccessTTL after the session started, ISO UTC).
//
// A started session is "driven": after RoutingDelay, ProcessingDelay and
// CompleteDelay the simulator reports ROUTING, PROCESSING and finally
// COMPLETED/AGENT_CONNECTED with PUT {params._callback_url}, as a real ORS
// strategy would.
package orssim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Options configures a Server. The zero value is valid: no delays, no driving,
// no failures, EWT 0, a discarding logger and a 10 s HTTP client.
type Options struct {
	// RoutingDelay is the time between the answer to a start and the
	// ROUTING report; ProcessingDelay between ROUTING and PROCESSING;
	// CompleteDelay between PROCESSING and COMPLETED.
	RoutingDelay, ProcessingDelay, CompleteDelay time.Duration
	// Drive enables the state reports. When false, started sessions stay
	// silent and tests send the PUTs themselves.
	Drive bool
	// EWTSeconds is the value answered by GET /statistic.
	EWTSeconds int
	// AccessNumber, when set, is the `_access_number` of every start's
	// answer, with a session's `_access_code` and `_access_expiration_time`.
	AccessNumber string
	// AccessTTL is how long access information is valid (default 15 min).
	AccessTTL time.Duration
	// FailRate is the share (0..1) of start requests answered 500.
	FailRate float64
	// PutJSON sends the state reports as a JSON object instead of an
	// application/x-www-form-urlencoded body.
	PutJSON bool
	// PutAttempts is how many times one state report is tried before the
	// session gives up (default 5). Only transport errors and 5xx answers are
	// retried; a 4xx answer (e.g. the callback is already COMPLETED) stops
	// driving the session.
	PutAttempts int
	// RetryBackoff is the wait before the first retry of a report, doubled at
	// each further retry (default 250 ms).
	RetryBackoff time.Duration
	// Logger receives the simulator's logs (default: discarded).
	Logger *slog.Logger
	// HTTPClient makes the state reports (default: a client with a 10 s timeout).
	HTTPClient *http.Client
}

// DefaultOptions returns the settings of `make run`: reports after 2 s, 3 s
// and 5 s, driving on, access information with DefaultAccessNumber.
func DefaultOptions() Options {
	return Options{
		RoutingDelay:    2 * time.Second,
		ProcessingDelay: 3 * time.Second,
		CompleteDelay:   5 * time.Second,
		Drive:           true,
		AccessNumber:    DefaultAccessNumber,
	}
}

// DefaultAccessNumber is the `_access_number` of `make run`.
const DefaultAccessNumber = "+18005550100"

// StartRecord is one session created by POST /scxml/session/start.
type StartRecord struct {
	Key       string         // Idempotency-Key header ("" when absent)
	SessionID string         // the session id answered
	Src       string         // "src" of the request
	Params    map[string]any // "params" of the request
	Time      time.Time      // when the session was created
	// Access is the access information answered with the session id (nil
	// without an AccessNumber).
	Access map[string]string
}

// UpdateRecord is the outcome of one state report (after its retries).
type UpdateRecord struct {
	SessionID string
	URL       string
	State     string // _callback_state sent
	Reason    string // _callback_reason sent ("" when none)
	Status    int    // HTTP status of the last attempt (0 on transport error)
	Attempts  int    // attempts made
	Err       string // last error ("" on success)
	Time      time.Time
}

// Session states reported by SessionState besides the _callback_state values.
const (
	StateStarted   = "STARTED"   // created, nothing reported yet
	StateCancelled = "CANCELLED" // callback.cancel received
	StateFailed    = "FAILED"    // a report failed for good; driving stopped
)

type session struct {
	rec         StartRecord
	callbackURL string
	state       string
	cancel      context.CancelFunc // nil until driving starts
	done        chan struct{}      // closed when the driver ends (nil if never started)
	resume      chan struct{}      // non-nil while paused (callback.pause); closed by callback.resume
}

// Server is the simulator. It is an http.Handler; all its methods are safe
// for concurrent use.
type Server struct {
	mux *http.ServeMux
	log *slog.Logger

	ctx      context.Context // cancelled by Close
	stop     context.CancelFunc
	wg       sync.WaitGroup
	mu       sync.Mutex
	opts     Options
	failLeft int           // SetFailFirst: start attempts still to fail with 503
	delay    time.Duration // SetDelay: wait before answering a start
	cancelSt int           // SetCancelStatus: non-zero = answer cancels with it
	closed   bool

	attempts   map[string]int      // Idempotency-Key -> attempts, failed ones included
	byKey      map[string]*session // Idempotency-Key -> session (keys only)
	sessions   map[string]*session // session id -> session
	starts     []StartRecord
	cancels    []string
	events     []Event
	updates    []UpdateRecord
	statQs     []url.Values
	totalStart int
}

// New returns a Server configured by opts.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.PutAttempts <= 0 {
		opts.PutAttempts = 5
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = 250 * time.Millisecond
	}
	if opts.AccessTTL <= 0 {
		opts.AccessTTL = 15 * time.Minute
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Server{
		mux:      http.NewServeMux(),
		log:      opts.Logger,
		ctx:      ctx,
		stop:     stop,
		opts:     opts,
		attempts: map[string]int{},
		byKey:    map[string]*session{},
		sessions: map[string]*session{},
	}
	s.mux.HandleFunc("POST /scxml/session/start", s.handleStart)
	s.mux.HandleFunc("POST /scxml/session/{sessionid}/event/callback.cancel", s.handleCancel)
	s.mux.HandleFunc("POST /scxml/session/{sessionid}/event/callback.pause", s.handlePause)
	s.mux.HandleFunc("POST /scxml/session/{sessionid}/event/callback.resume", s.handlePause)
	s.mux.HandleFunc("GET /statistic", s.handleStatistic)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody("not found: "+r.Method+" "+r.URL.Path))
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops driving every session and waits for the drivers to end. The
// handler keeps answering afterwards, but no new session is driven.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.stop()
	s.wg.Wait()
}

// ---- runtime settings ----

// SetFailRate sets the share (0..1) of start requests answered 500.
func (s *Server) SetFailRate(rate float64) { s.mu.Lock(); s.opts.FailRate = rate; s.mu.Unlock() }

// SetFailFirst makes the next n start attempts (any key) fail with 503.
func (s *Server) SetFailFirst(n int) { s.mu.Lock(); s.failLeft = n; s.mu.Unlock() }

// SetDelay sets how long a start request waits before it is answered. The
// session is created (or found) before the wait, so a client that gives up
// and retries with the same Idempotency-Key gets the same session.
func (s *Server) SetDelay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

// SetAccessNumber sets the `_access_number` answered to the starts of new
// sessions ("" answers no access information).
func (s *Server) SetAccessNumber(number string) {
	s.mu.Lock()
	s.opts.AccessNumber = number
	s.mu.Unlock()
}

// SetEWT sets the value answered by GET /statistic.
func (s *Server) SetEWT(seconds int) { s.mu.Lock(); s.opts.EWTSeconds = seconds; s.mu.Unlock() }

// SetDrive turns driving of sessions started from now on on or off.
func (s *Server) SetDrive(on bool) { s.mu.Lock(); s.opts.Drive = on; s.mu.Unlock() }

// SetDelays sets the report delays of sessions started from now on.
func (s *Server) SetDelays(routing, processing, complete time.Duration) {
	s.mu.Lock()
	s.opts.RoutingDelay, s.opts.ProcessingDelay, s.opts.CompleteDelay = routing, processing, complete
	s.mu.Unlock()
}

// SetCancelStatus makes callback.cancel answer status with a JSON error
// (without cancelling) when status is not 0; 0 restores normal answers.
func (s *Server) SetCancelStatus(status int) { s.mu.Lock(); s.cancelSt = status; s.mu.Unlock() }

// ---- observation ----

// Starts returns the sessions created so far, oldest first (one record per
// session: a start answered from the Idempotency-Key cache adds none).
func (s *Server) Starts() []StartRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]StartRecord, len(s.starts))
	copy(out, s.starts)
	return out
}

// Attempts returns how many start requests carried key, failed ones included.
func (s *Server) Attempts(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[key]
}

// TotalAttempts returns how many start requests were received.
func (s *Server) TotalAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.totalStart
}

// SessionsFor returns how many distinct sessions were created for key.
func (s *Server) SessionsFor(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.starts {
		if r.Key == key {
			n++
		}
	}
	return n
}

// SessionsForID returns how many distinct sessions were created whose params
// carry _id = id, whatever their Idempotency-Key.
func (s *Server) SessionsForID(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.starts {
		if v, ok := r.Params["_id"]; ok && fmt.Sprint(v) == id {
			n++
		}
	}
	return n
}

// SessionFor returns the session id created for key, if any.
func (s *Server) SessionFor(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok := s.byKey[key]; ok {
		return ss.rec.SessionID, true
	}
	return "", false
}

// Cancels returns the session ids of the accepted callback.cancel events, in
// order (a session cancelled twice appears twice).
func (s *Server) Cancels() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.cancels))
	copy(out, s.cancels)
	return out
}

// Updates returns the state reports made so far, in order.
func (s *Server) Updates() []UpdateRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]UpdateRecord, len(s.updates))
	copy(out, s.updates)
	return out
}

// StatQueries returns the query strings of the GET /statistic requests.
func (s *Server) StatQueries() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]url.Values, len(s.statQs))
	copy(out, s.statQs)
	return out
}

// SessionState returns the last state of a session: StateStarted, a
// _callback_state reported with success (ROUTING, PROCESSING, COMPLETED),
// StateCancelled or StateFailed. ok is false for an unknown session.
func (s *Server) SessionState(sessionID string) (state string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[sessionID]
	if !ok {
		return "", false
	}
	return ss.state, true
}

// WaitIdle waits until no session is being driven any more, or ctx ends.
func (s *Server) WaitIdle(ctx context.Context) error {
	for {
		s.mu.Lock()
		var pending chan struct{}
		for _, ss := range s.sessions {
			if ss.done != nil {
				select {
				case <-ss.done:
					continue
				default:
				}
				pending = ss.done
				break
			}
		}
		s.mu.Unlock()
		if pending == nil {
			return nil
		}
		select {
		case <-pending:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ---- handlers ----

type startRequest struct {
	Src    string         `json:"src"`
	Params map[string]any `json:"params"`
}

func (s *Server) handleStart(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody("cannot read body: "+err.Error()))
		return
	}

	s.mu.Lock()
	s.attempts[key]++
	s.totalStart++
	attempt := s.attempts[key]
	delay := s.delay
	var failStatus int
	switch {
	case s.failLeft > 0:
		s.failLeft--
		failStatus = http.StatusServiceUnavailable
	case s.opts.FailRate > 0 && rand.Float64() < s.opts.FailRate:
		failStatus = http.StatusInternalServerError
	}
	s.mu.Unlock()

	if failStatus != 0 {
		s.log.Warn("orssim: injected start failure", "key", key, "attempt", attempt, "status", failStatus)
		writeJSON(w, failStatus, errorBody("injected failure"))
		return
	}

	var req startRequest
	if err := json.Unmarshal(body, &req); err != nil {
		s.log.Warn("orssim: bad start body", "key", key, "err", err)
		writeJSON(w, http.StatusBadRequest, errorBody("bad JSON body: "+err.Error()))
		return
	}
	if req.Params == nil {
		req.Params = map[string]any{}
	}

	s.mu.Lock()
	ss, existing := (*session)(nil), false
	if key != "" {
		ss, existing = s.byKey[key]
	}
	if !existing {
		ss = &session{
			rec: StartRecord{
				Key:       key,
				SessionID: uuid.NewString(),
				Src:       req.Src,
				Params:    req.Params,
				Time:      time.Now(),
			},
			state: StateStarted,
		}
		ss.rec.Access = accessInfo(s.opts.AccessNumber, ss.rec.Time.Add(s.opts.AccessTTL))
		if u, ok := req.Params["_callback_url"].(string); ok {
			ss.callbackURL = u
		}
		s.sessions[ss.rec.SessionID] = ss
		if key != "" {
			s.byKey[key] = ss
		}
		s.starts = append(s.starts, ss.rec)
	}
	sid := ss.rec.SessionID
	answer := map[string]string{"sessionid": sid}
	for k, v := range ss.rec.Access {
		answer[k] = v
	}
	s.mu.Unlock()

	if existing {
		s.log.Info("orssim: start replayed", "key", key, "session", sid, "attempt", attempt)
	} else {
		s.log.Info("orssim: session started", "key", key, "session", sid, "src", req.Src,
			"callback_url", ss.callbackURL, "attempt", attempt)
		// The session exists from now on, whether or not the answer reaches
		// the client; its reports count from the moment it is answered.
		defer s.startDriving(ss)
	}

	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-s.ctx.Done():
			t.Stop()
		}
	}
	writeJSON(w, http.StatusOK, answer)
}

// accessInfo is a new session's access information: number, a fresh
// four-digit code and the expiration time; nil without a number.
func accessInfo(number string, expires time.Time) map[string]string {
	if number == "" {
		return nil
	}
	return map[string]string{
		"_access_number":          number,
		"_access_code":            fmt.Sprintf("%04d", rand.IntN(10000)),
		"_access_expiration_time": expires.UTC().Format("2006-01-02T15:04:05.000Z"),
	}
}

func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	sid := r.PathValue("sessionid")
	s.mu.Lock()
	ss, ok := s.sessions[sid]
	status := s.cancelSt
	if ok && status == 0 {
		s.cancels = append(s.cancels, sid)
		if ss.state != "COMPLETED" && ss.state != StateFailed {
			ss.state = StateCancelled
		}
		if ss.cancel != nil {
			ss.cancel()
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		s.log.Warn("orssim: cancel of unknown session", "session", sid)
		writeJSON(w, http.StatusNotFound, errorBody("session not found: "+sid))
	case status != 0:
		s.log.Warn("orssim: injected cancel failure", "session", sid, "status", status)
		writeJSON(w, status, errorBody("injected cancel failure"))
	default:
		s.log.Info("orssim: session cancelled", "session", sid)
		writeJSON(w, http.StatusOK, map[string]any{})
	}
}

func (s *Server) handleStatistic(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.statQs = append(s.statQs, q)
	v := s.opts.EWTSeconds
	s.mu.Unlock()
	s.log.Debug("orssim: statistic", "name", q.Get("name"), "object", q.Get("object"),
		"id", q.Get("id"), "tenant", q.Get("tenant"), "value", v)
	writeJSON(w, http.StatusOK, map[string]int{"value": v})
}

// ---- driving ----

type step struct {
	wait          time.Duration
	state, reason string
}

func (s *Server) startDriving(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.opts.Drive || s.closed || ss.cancel != nil || ss.state == StateCancelled {
		return
	}
	if ss.callbackURL == "" {
		s.log.Warn("orssim: session has no _callback_url; not driven", "session", ss.rec.SessionID)
		return
	}
	steps := []step{
		{s.opts.RoutingDelay, "ROUTING", ""},
		{s.opts.ProcessingDelay, "PROCESSING", ""},
		{s.opts.CompleteDelay, "COMPLETED", "AGENT_CONNECTED"},
	}
	ctx, cancel := context.WithCancel(s.ctx)
	ss.cancel = cancel
	ss.done = make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(ss.done)
		defer cancel()
		s.drive(ctx, ss, steps)
	}()
}

func (s *Server) drive(ctx context.Context, ss *session, steps []step) {
	sid := ss.rec.SessionID
	for _, st := range steps {
		if !sleep(ctx, st.wait) || !s.waitResumed(ctx, ss) {
			s.log.Info("orssim: driving stopped", "session", sid)
			return
		}
		rec, ok := s.report(ctx, ss, st)
		s.mu.Lock()
		s.updates = append(s.updates, rec)
		if ok && ss.state != StateCancelled {
			ss.state = st.state
		} else if !ok && ctx.Err() == nil {
			ss.state = StateFailed
		}
		s.mu.Unlock()
		if !ok {
			return
		}
	}
}

// report sends one state with retries; ok is false when driving must stop.
func (s *Server) report(ctx context.Context, ss *session, st step) (UpdateRecord, bool) {
	sid := ss.rec.SessionID
	s.mu.Lock()
	attempts, backoff, putJSON, client := s.opts.PutAttempts, s.opts.RetryBackoff, s.opts.PutJSON, s.opts.HTTPClient
	s.mu.Unlock()

	rec := UpdateRecord{SessionID: sid, URL: ss.callbackURL, State: st.state, Reason: st.reason}
	for i := 1; i <= attempts; i++ {
		rec.Attempts = i
		status, err := s.put(ctx, client, ss.callbackURL, st, putJSON)
		rec.Status, rec.Time = status, time.Now()
		if err == nil && status/100 == 2 {
			rec.Err = ""
			s.log.Info("orssim: state reported", "session", sid, "state", st.state, "reason", st.reason, "status", status)
			return rec, true
		}
		if err != nil {
			rec.Err = err.Error()
		} else {
			rec.Err = "HTTP " + strconv.Itoa(status)
		}
		if ctx.Err() != nil {
			return rec, false
		}
		if err == nil && status/100 == 4 {
			s.log.Warn("orssim: state report rejected; stop driving", "session", sid, "state", st.state, "status", status)
			return rec, false
		}
		s.log.Warn("orssim: state report failed", "session", sid, "state", st.state, "attempt", i, "err", rec.Err)
		if i < attempts && !sleep(ctx, backoff) {
			return rec, false
		}
		backoff *= 2
	}
	s.log.Error("orssim: state report failed for good; stop driving", "session", sid, "state", st.state, "err", rec.Err)
	return rec, false
}

func (s *Server) put(ctx context.Context, client *http.Client, target string, st step, asJSON bool) (int, error) {
	var body []byte
	var ctype string
	if asJSON {
		m := map[string]string{"_callback_state": st.state}
		if st.reason != "" {
			m["_callback_reason"] = st.reason
		}
		body, _ = json.Marshal(m)
		ctype = "application/json"
	} else {
		v := url.Values{"_callback_state": {st.state}}
		if st.reason != "" {
			v.Set("_callback_reason", st.reason)
		}
		body = []byte(v.Encode())
		ctype = "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// ---- helpers ----

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func errorBody(msg string) map[string]any {
	return map[string]any{"error": msg}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// SessionIDs returns the ids of every session created, oldest first.
func (s *Server) SessionIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.starts))
	for i, r := range s.starts {
		out[i] = r.SessionID
	}
	return out
}

var _ http.Handler = (*Server)(nil)

// handlePause serves callback.pause and callback.resume: a paused session
// reports nothing until it is resumed.
func (s *Server) handlePause(w http.ResponseWriter, r *http.Request) {
	sid := r.PathValue("sessionid")
	pause := strings.HasSuffix(r.URL.Path, "callback.pause")
	s.mu.Lock()
	ss, ok := s.sessions[sid]
	if ok {
		switch {
		case pause && ss.resume == nil:
			ss.resume = make(chan struct{})
		case !pause && ss.resume != nil:
			close(ss.resume)
			ss.resume = nil
		}
		s.events = append(s.events, Event{SessionID: sid, Pause: pause})
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, errorBody("session not found: "+sid))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// waitResumed blocks while ss is paused; false when ctx ends first.
func (s *Server) waitResumed(ctx context.Context, ss *session) bool {
	s.mu.Lock()
	ch := ss.resume
	s.mu.Unlock()
	if ch == nil {
		return true
	}
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		return false
	}
}

// Event is a callback.pause (Pause) or callback.resume event received.
type Event struct {
	SessionID string
	Pause     bool
}

// Events returns the pause and resume events received, in order.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// Paused tells whether a session is paused.
func (s *Server) Paused(sessionID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[sessionID]
	return ok && ss.resume != nil
}
