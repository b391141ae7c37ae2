package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/notify"
)

// hookSecret is the `_notification_secret` of the tests' service hooked.
const hookSecret = "hook-secret"

const hookedPath = "/genesys/1/service/callback/hooked"

// hookReceiver is a webhook receiver on a fixed local address that can be
// taken down (connection refused) and brought up again.
type hookReceiver struct {
	t    *testing.T
	addr string
	mu   sync.Mutex
	srv  *http.Server
	got  []hookCall
}

// hookCall is one POST the receiver got.
type hookCall struct {
	delivery, event string
	payload         notify.Payload
	signed          bool // the signature verifies under hookSecret
}

func newHookReceiver(t *testing.T) *hookReceiver {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	h := &hookReceiver{t: t, addr: ln.Addr().String()}
	h.serve(ln)
	t.Cleanup(h.down)
	return h
}

func (h *hookReceiver) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p notify.Payload
		if err := json.Unmarshal(body, &p); err != nil || r.Method != http.MethodPost ||
			r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad notification", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.got = append(h.got, hookCall{delivery: r.Header.Get(notify.HeaderDelivery), event: r.Header.Get(notify.HeaderEvent),
			payload: p, signed: notify.Verify(hookSecret, body, r.Header.Get(notify.HeaderSignature))})
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})}
	h.srv = srv
	go func() { _ = srv.Serve(ln) }()
}

// url is the receiver's URL for path.
func (h *hookReceiver) url(path string) string { return "http://" + h.addr + path }

// down stops accepting connections.
func (h *hookReceiver) down() {
	if h.srv != nil {
		_ = h.srv.Close()
		h.srv = nil
	}
}

// up accepts connections again, on the same address.
func (h *hookReceiver) up() {
	ln, err := net.Listen("tcp", h.addr)
	require.NoError(h.t, err, "the receiver's port was taken meanwhile")
	h.serve(ln)
}

// events are the notifications of callback id received, each once (a
// repeated delivery is dropped by its X-GMS-Delivery, as a receiver
// does), in arrival order, as "event STATE"; every one is checked.
func (h *hookReceiver) events(id string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, c := range h.got {
		if c.payload.ID != id || seen[c.delivery] {
			continue
		}
		seen[c.delivery] = true
		require.True(h.t, c.signed, "notification %s: the signature does not verify", c.delivery)
		require.Equal(h.t, c.payload.Event, c.event)
		require.Equal(h.t, id+"/"+strconv.Itoa(len(out)+1), c.delivery, "delivered in order")
		require.Equal(h.t, "hooked", c.payload.Service)
		_, err := callback.ParseTime(c.payload.Time)
		require.NoError(h.t, err)
		out = append(out, c.payload.Event+" "+c.payload.State)
	}
	return out
}

// lifeEvents are the notifications of a hooked callback rescheduled once
// and then driven by the ORS simulator to its end.
var lifeEvents = []string{"created SCHEDULED", "rescheduled SCHEDULED", "state_changed QUEUED",
	"state_changed ROUTING", "state_changed PROCESSING", "state_changed COMPLETED"}

// TestWebhookGetsEveryEventInOrderAcrossWorkerKillAndReceiverDown: the
// receiver is down for a minute from the start, and the worker is stopped
// while the first notifications are being retried; the callback lives its
// life meanwhile, and the receiver gets every event once it is back, in
// order and signed.
func TestWebhookGetsEveryEventInOrderAcrossWorkerKillAndReceiverDown(t *testing.T) {
	s := newStack(t)
	h := newHookReceiver(t)
	h.down()
	wentDown := time.Now()

	r := s.postJSON(hookedPath, map[string]any{"_customer_number": "5550001", callback.KeyDeviceOS: callback.DeviceHTTPCallback,
		callback.KeyDeviceNotificationID: h.url("/hooks/a"), "_desired_time": callback.FormatTime(time.Now().Add(time.Hour))})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	id := r.object(t)["_id"].(string)
	due := time.Now().Add(6 * time.Second)
	r = s.putForm(hookedPath+"/"+id, url.Values{callback.KeyNewDesiredTime: {callback.FormatTime(due)}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)

	time.Sleep(2 * time.Second) // the first deliveries fail and are retried
	s.stopWorker()
	time.Sleep(3 * time.Second)
	s.startWorker()
	eventually(t, 30*time.Second, func() bool { st, _ := s.stateOf("hooked", id); return st == "COMPLETED" },
		"the callback did not complete while its receiver was down")
	require.Empty(t, h.events(id))

	time.Sleep(time.Until(wentDown.Add(time.Minute)))
	h.up()
	eventually(t, 60*time.Second, func() bool { return len(h.events(id)) == len(lifeEvents) },
		"the receiver did not get every notification: %v", h.events(id))
	require.Equal(t, lifeEvents, h.events(id))
	s.recordHistory("webhook-receiver-down-worker-restarted", id)

	// The operator's view: every delivery delivered, the first after
	// several attempts; the metrics count them.
	r = s.send(http.MethodGet, "/genesys/1/admin/callback/notifications?_id="+id, "", nil, asAdmin)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var out struct {
		Deliveries []struct {
			Seq        int    `json:"seq"`
			Event      string `json:"event"`
			Status     string `json:"status"`
			Attempts   int    `json:"attempts"`
			HTTPStatus int    `json:"http_status"`
		} `json:"deliveries"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &out))
	require.Len(t, out.Deliveries, len(lifeEvents))
	for i, d := range out.Deliveries {
		require.Equal(t, i+1, d.Seq)
		require.Equal(t, "delivered", d.Status, "delivery %d", d.Seq)
		require.Equal(t, http.StatusNoContent, d.HTTPStatus)
	}
	require.Greater(t, out.Deliveries[0].Attempts, 3, "retried while the receiver was down")
	metrics := string(s.get("/metrics").Body)
	require.Contains(t, metrics, `gms_notification_deliveries_total{outcome="delivered",service="hooked"}`)
	require.Contains(t, metrics, `gms_notification_deliveries_total{outcome="retry",service="hooked"}`)
}

// TestWebhookURLMustBeAllowed: `_device_os=httpcb` needs a URL the
// service's `_notification_url_pattern` matches, at the start and on a PUT;
// a service without a pattern allows none, and a request cannot bring its own.
func TestWebhookURLMustBeAllowed(t *testing.T) {
	s := newStack(t)
	s.ors.SetDrive(false)
	start := func(path, hook string, extra map[string]any) reply {
		body := map[string]any{"_customer_number": "5550002", callback.KeyDeviceOS: callback.DeviceHTTPCallback,
			callback.KeyDeviceNotificationID: hook, "_desired_time": callback.FormatTime(time.Now().Add(time.Hour))}
		for k, v := range extra {
			body[k] = v
		}
		return s.postJSON(path, body)
	}
	for _, hook := range []string{"http://evil.example.com/hooks/a", "http://127.0.0.1:9/other", "", "not a url"} {
		e := start(hookedPath, hook, nil).envelope(t, http.StatusBadRequest, 40010, "BAD_PARAMETER")
		require.Contains(t, e["message"], "_device_notification_id", hook)
	}
	start(cbPath, "http://127.0.0.1:9/hooks/a", map[string]any{"_notification_url_pattern": ".*"}).
		envelope(t, http.StatusBadRequest, 40010, "BAD_PARAMETER")

	r := start(hookedPath, "http://127.0.0.1:9/hooks/a", nil)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	id := r.object(t)["_id"].(string)
	s.putForm(hookedPath+"/"+id, url.Values{callback.KeyDeviceNotificationID: {"https://evil.example.com/"}}).
		envelope(t, http.StatusBadRequest, 40010, "BAD_PARAMETER")
	r = s.putForm(hookedPath+"/"+id, url.Values{callback.KeyDeviceNotificationID: {"http://127.0.0.1:9/hooks/b"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	rec, err := s.store.Get(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:9/hooks/b", rec.Properties[callback.KeyDeviceNotificationID])

	// The secret is never stored with a callback nor sent to ORS.
	r = start(hookedPath, "http://127.0.0.1:9/hooks/c", map[string]any{"_desired_time": callback.FormatTime(time.Now())})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	now := r.object(t)["_id"].(string)
	eventually(t, 10*time.Second, func() bool { return s.ors.SessionsForID(now) == 1 }, "not submitted")
	for _, st := range s.ors.Starts() {
		for k, v := range st.Params {
			require.NotContains(t, v, hookSecret, "ORS received %s", k)
		}
	}
	for _, id := range []string{id, now} {
		rec, err := s.store.Get(context.Background(), id)
		require.NoError(t, err)
		for k, v := range rec.Properties {
			require.NotContains(t, v, hookSecret, k)
		}
	}
}

// readSSE reads Server-Sent Events from body into events until it ends.
func readSSE(body io.Reader, events chan<- sseEvent) {
	defer close(events)
	var ev sseEvent
	buf := make([]byte, 0, 4096)
	tmp := make([]byte, 4096)
	for {
		n, err := body.Read(tmp)
		buf = append(buf, tmp[:n]...)
		for {
			i := strings.Index(string(buf), "\n")
			if i < 0 {
				break
			}
			line := string(buf[:i])
			buf = buf[i+1:]
			switch {
			case line == "":
				if ev.event != "" || ev.comment != "" {
					events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				ev.comment = strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
		if err != nil {
			return
		}
	}
}

// sseEvent is one event (or comment) of a stream.
type sseEvent struct{ id, event, data, comment string }

// openStream connects to a callback's event stream at base.
func openStream(t *testing.T, ctx context.Context, base, path, lastID string) (*http.Response, <-chan sseEvent) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path+"/events", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	ch := make(chan sseEvent, 100)
	go readSSE(resp.Body, ch)
	return resp, ch
}

// next is the next event of kind (skipping others) within d.
func next(t *testing.T, ch <-chan sseEvent, kind string, d time.Duration) sseEvent {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-ch:
			require.True(t, ok, "the stream ended before a %q", kind)
			if ev.event == kind || (kind == "heartbeat" && ev.comment == "heartbeat") {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %q within %s", kind, d)
		}
	}
}

func payloadOf(t *testing.T, ev sseEvent) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(ev.data), &m), "data: %s", ev.data)
	return m
}
