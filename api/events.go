package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/notify"
	"github.com/opengms/callback/queries"
)

// Stream timing.
const (
	// defaultHeartbeat is how often an idle stream sends a comment line
	// (Server.Heartbeat overrides it), so proxies keep it open and a client
	// notices a dead one; the read model is re-read then too.
	defaultHeartbeat = 15 * time.Second
	// etaEvery is how often a QUEUED callback's place and expected wait are
	// re-read for ETA events.
	etaEvery = 5 * time.Second
	// pollWithoutListener is how often a stream re-reads the read model
	// when the server has no Listener (tests, tools).
	pollWithoutListener = time.Second
	// longPollDefault and longPollMax bound the long-poll fallback's wait.
	longPollDefault = 25 * time.Second
	longPollMax     = 60 * time.Second
	// streamBatch is how many events one read returns.
	streamBatch = 100
	// reconnectMillis is the SSE `retry:` a client waits before it reconnects.
	reconnectMillis = 3000
)

// streamEvent is the JSON of one event: the notification payload (the
// webhooks' too), its sequence number, and for ETA events the place.
type streamEvent struct {
	notify.Payload
	// Seq is the event's id (SSE id, Last-Event-ID); 0 for an ETA event.
	Seq          int64 `json:"seq,omitempty"`
	Position     int   `json:"_position,omitempty"`
	TotalWaiting int   `json:"_total_waiting,omitempty"`
}

// fromRow is the stream event of a stored event.
func fromRow(e queries.Event) streamEvent {
	return streamEvent{Seq: e.Seq, Payload: notify.Payload{ID: e.ID, Service: e.Service, State: e.State, Reason: e.Reason,
		DesiredTime: callback.FormatTime(e.DesiredTime), Event: e.Event, Time: callback.FormatTime(e.At)}}
}

// callbackOrSub is GET /genesys/1/service/callback/:name/:id: httprouter
// cannot register …/:name/availability next to …/:name/:id/events, so
// this route serves availability v1 and answers 404 for anything else.
func (s *Server) callbackOrSub(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	if ps.ByName("id") == "availability" {
		s.availabilityV1(w, r, ps)
		return
	}
	s.writeError(w, r, notFound(r))
}

// events is GET /genesys/1/service/callback/:name/:id/events: the
// callback's state changes, reschedules and ETA updates, as Server-Sent
// Events when the client accepts text/event-stream, else as a long-poll
// JSON answer. Events come from the read model (any API process streams
// what any other reported); a client resumes with Last-Event-ID (or
// ?last_event_id=).
func (s *Server) events(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	name, id := ps.ByName("name"), ps.ByName("id")
	noteCallback(r.Context(), id)
	rec, err := s.Store.Get(r.Context(), id)
	if errors.Is(err, queries.ErrNotFound) || (err == nil && rec.Service != name) {
		s.writeError(w, r, callbackNotFound(id))
		return
	}
	if err != nil {
		s.writeError(w, r, unavailable("read model", err))
		return
	}
	after, e := lastEventID(r)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		s.stream(w, r, rec, after)
		return
	}
	s.longPoll(w, r, rec, after)
}

// lastEventID is where a client resumes: the Last-Event-ID header, else
// the last_event_id query parameter; 0 (from the start) when neither.
func lastEventID(r *http.Request) (int64, *gmserr.Error) {
	v := strings.TrimSpace(r.Header.Get("Last-Event-ID"))
	if v == "" {
		v = strings.TrimSpace(r.URL.Query().Get("last_event_id"))
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, badParameter("Invalid last_event_id: %s", v)
	}
	return n, nil
}

// subscribe wakes the caller when an event of id may have been committed.
func (s *Server) subscribe(id string) (<-chan struct{}, func(), time.Duration) {
	if s.Events == nil {
		return nil, func() {}, pollWithoutListener
	}
	ch, cancel := s.Events.Subscribe(id)
	return ch, cancel, s.heartbeat()
}

func (s *Server) heartbeat() time.Duration {
	if s.Heartbeat > 0 {
		return s.Heartbeat
	}
	return defaultHeartbeat
}

// EndStreams ends every open event stream and long poll (clients
// reconnect, to another process): http.Server.Shutdown waits for active
// connections, and a stream never ends by itself. Register it with
// RegisterOnShutdown.
func (s *Server) EndStreams() {
	end := s.streamsEnding()
	s.closeEnd.Do(func() { close(end) })
}

// streamsEnding is closed when the streams must end.
func (s *Server) streamsEnding() chan struct{} {
	s.makeEnd.Do(func() { s.streamsEnd = make(chan struct{}) })
	return s.streamsEnd
}

// stream writes the events after seq after as Server-Sent Events until the
// client leaves or the callback is COMPLETED (then the stream ends; a
// reconnect with nothing new is answered 204, which stops EventSource).
func (s *Server) stream(w http.ResponseWriter, r *http.Request, rec callback.Record, after int64) {
	ctx := r.Context()
	events, err := s.Store.EventsAfter(ctx, rec.ID, after, streamBatch)
	if err != nil {
		s.writeError(w, r, unavailable("read model", err))
		return
	}
	if len(events) == 0 && rec.State == callback.Completed {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream has no write time-out
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // proxies must not buffer it
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: %d\n\n", reconnectMillis)
	wake, cancel, every := s.subscribe(rec.ID)
	defer cancel()
	reread, eta := time.NewTicker(every), time.NewTicker(etaEvery)
	defer reread.Stop()
	defer eta.Stop()
	state, lastETA := rec.State, streamEvent{}
	for {
		for _, e := range events {
			writeSSE(w, fromRow(e))
			after, state = e.Seq, callback.State(e.State)
		}
		if state == callback.Completed {
			_ = rc.Flush()
			return
		}
		if state == callback.Queued {
			if cur, ok := s.eta(ctx, rec.ID); ok && (cur.Position != lastETA.Position || cur.EWT != lastETA.EWT ||
				cur.TotalWaiting != lastETA.TotalWaiting) {
				writeSSE(w, cur)
				lastETA = cur
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-s.streamsEnding():
			return
		case <-wake:
		case <-eta.C:
		case <-reread.C:
			if _, err := s.Store.Get(ctx, rec.ID); errors.Is(err, queries.ErrNotFound) {
				return // forgotten: its events are gone with it
			}
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return
			}
		}
		if events, err = s.Store.EventsAfter(ctx, rec.ID, after, streamBatch); err != nil {
			s.Logger.WarnContext(ctx, "event stream: read model unavailable", "error", err)
			events = nil
		}
	}
}

// writeSSE writes one event; an ETA event carries no id, so a client
// resumes after the last state event.
func writeSSE(w http.ResponseWriter, e streamEvent) {
	data, _ := json.Marshal(e) // plain strings and numbers: cannot fail
	if e.Seq > 0 {
		fmt.Fprintf(w, "id: %d\n", e.Seq)
	}
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Event, data)
}

// eta is the ETA event of callback id when it is QUEUED.
func (s *Server) eta(ctx context.Context, id string) (streamEvent, bool) {
	rec, err := s.Store.Get(ctx, id)
	if err != nil || rec.State != callback.Queued {
		return streamEvent{}, false
	}
	pos, err := s.Store.QueuePosition(ctx, rec)
	if err != nil {
		return streamEvent{}, false
	}
	return streamEvent{Payload: notify.Payload{ID: rec.ID, Service: rec.Service, State: string(rec.State), Reason: rec.Reason,
		DesiredTime: callback.FormatTime(rec.DesiredTime), EWT: s.expectedWait(ctx, rec), Event: notify.ETA,
		Time: callback.FormatTime(s.now())}, Position: pos.Position, TotalWaiting: pos.Total}, true
}

// longPoll answers the events after seq after as JSON, waiting up to
// ?wait= seconds (default 25, at most 60, 0: at once) for the first one:
// `{"events": [...], "last_event_id": N, "_callback_state": ..., "eta": {...}}`
// (eta while QUEUED). A client passes last_event_id back to go on.
func (s *Server) longPoll(w http.ResponseWriter, r *http.Request, rec callback.Record, after int64) {
	wait := longPollDefault
	if v := strings.TrimSpace(r.URL.Query().Get("wait")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.writeError(w, r, badParameter("Invalid wait: %s", v))
			return
		}
		wait = min(time.Duration(n)*time.Second, longPollMax)
	}
	allowWrite(w, wait)
	ctx, cancelWait := context.WithTimeout(r.Context(), wait)
	defer cancelWait()
	wake, cancel, every := s.subscribe(rec.ID)
	defer cancel()
	reread := time.NewTicker(every)
	defer reread.Stop()
	for {
		events, err := s.Store.EventsAfter(r.Context(), rec.ID, after, streamBatch)
		if err != nil {
			s.writeError(w, r, unavailable("read model", err))
			return
		}
		if len(events) > 0 || ctx.Err() != nil {
			s.answerPoll(w, r, rec, after, events)
			return
		}
		select {
		case <-ctx.Done():
		case <-s.streamsEnding():
			cancelWait()
		case <-wake:
		case <-reread.C:
		}
	}
}

// answerPoll writes a long poll's answer.
func (s *Server) answerPoll(w http.ResponseWriter, r *http.Request, rec callback.Record, after int64, events []queries.Event) {
	out := struct {
		Events      []streamEvent `json:"events"`
		LastEventID int64         `json:"last_event_id"`
		State       string        `json:"_callback_state"`
		ETA         *streamEvent  `json:"eta,omitempty"`
	}{Events: []streamEvent{}, LastEventID: after, State: string(rec.State)}
	for _, e := range events {
		out.Events = append(out.Events, fromRow(e))
		out.LastEventID, out.State = e.Seq, e.State
	}
	if out.State == string(callback.Queued) {
		if cur, ok := s.eta(r.Context(), rec.ID); ok {
			out.ETA = &cur
		}
	}
	writeJSON(w, http.StatusOK, out)
}
