package chaos

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/notify"
)

// hookSecret is the `_notification_secret` of the run's service.
const hookSecret = "chaos-hook-secret"

// hooks is the run's webhook receiver: every callback of the run asks for
// webhooks (`_device_os=httpcb`), and verify checks that each completed
// one was told its whole life, in order and signed, whatever was killed.
type hooks struct {
	url string
	srv *http.Server
	mu  sync.Mutex
	got map[string][]hookCall // by callback id, in arrival order
}

// hookCall is one POST received.
type hookCall struct {
	seq    int
	state  string
	event  string
	signed bool
}

// startHooks starts the receiver in this process (like the fake ORS: it is
// not one of the victims).
func (e *env) startHooks() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	h := &hooks{url: "http://" + ln.Addr().String() + "/hooks", got: map[string][]hookCall{}}
	h.srv = &http.Server{Handler: http.HandlerFunc(h.receive), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.srv.Serve(ln) }()
	e.hooks = h
	e.atEnd(func() { h.srv.Close() })
	return nil
}

func (h *hooks) receive(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var p notify.Payload
	id, n, ok := strings.Cut(r.Header.Get(notify.HeaderDelivery), "/")
	var seq int
	if _, err := fmt.Sscan(n, &seq); err != nil || !ok || json.Unmarshal(body, &p) != nil || p.ID != id {
		http.Error(w, "bad notification", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.got[id] = append(h.got[id], hookCall{seq: seq, state: p.State, event: p.Event,
		signed: notify.Verify(hookSecret, body, r.Header.Get(notify.HeaderSignature))})
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// check tells what callback id's receiver got: the notifications (each
// once), the repeats (the same delivery again: at least once), and what is
// wrong — a gap or a reordering, a bad signature, no `created` first or no
// COMPLETED last.
func (h *hooks) check(id string) (unique, repeats int, problem string) {
	h.mu.Lock()
	calls := append([]hookCall(nil), h.got[id]...)
	h.mu.Unlock()
	last := hookCall{}
	for _, c := range calls {
		switch {
		case !c.signed:
			return unique, repeats, fmt.Sprintf("notification %d: the signature does not verify", c.seq)
		case c.seq <= last.seq:
			repeats++
			continue
		case c.seq != last.seq+1:
			return unique, repeats, fmt.Sprintf("notification %d arrived after %d: out of order or lost", c.seq, last.seq)
		case c.seq == 1 && c.event != notify.Created:
			return unique, repeats, fmt.Sprintf("the first notification is %q, not created", c.event)
		}
		unique++
		last = c
	}
	if last.state != string(callback.Completed) {
		return unique, repeats, fmt.Sprintf("%d notifications, the last one %q, not COMPLETED", unique, last.state)
	}
	return unique, repeats, ""
}
