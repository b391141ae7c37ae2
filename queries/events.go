package queries

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"
)

// Event is one change a callback's customer hears about: a row of
// callback_events, written by a trigger with the change (migration 00009).
type Event struct {
	// Seq orders the events (of one callback: in commit order); it is the
	// Server-Sent Events id a client resumes from.
	Seq         int64     `db:"seq"`
	ID          string    `db:"id"`
	Service     string    `db:"service"`
	Event       string    `db:"event"` // notify.Created, StateChanged or Rescheduled (the trigger's names)
	State       string    `db:"state"`
	Reason      string    `db:"reason"`
	DesiredTime time.Time `db:"desired_time"`
	At          time.Time `db:"at"`
}

// eventChannel is the NOTIFY channel of callback_events; the payload is
// "<callback id> <seq>".
const eventChannel = "gms_callback_events"

// EventsAfter returns callback id's events after seq after, oldest first,
// at most limit.
func (s *Store) EventsAfter(ctx context.Context, id string, after int64, limit int) ([]Event, error) {
	var out []Event
	err := s.DB.SelectContext(ctx, &out, `SELECT e.seq, e.id, c.service, e.event, e.state, e.reason, e.desired_time, e.at
		FROM callback_events e JOIN callbacks c ON c.id = e.id
		WHERE e.id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3`, id, after, limit)
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", id, err)
	}
	for i := range out {
		out[i].DesiredTime, out[i].At = out[i].DesiredTime.UTC(), out[i].At.UTC()
	}
	return out, nil
}

// Listener wakes the subscribers of a callback when an event of it is
// committed by any process: it LISTENs on the read model's database, so
// every API process streams every change, whoever wrote it.
type Listener struct {
	pq     *pq.Listener
	logger *slog.Logger
	mu     sync.Mutex
	subs   map[string]map[chan struct{}]struct{}
	done   chan struct{}
}

// Listen starts a Listener on the store's database (its own connection,
// re-established by itself after a failure).
func (s *Store) Listen(logger *slog.Logger) (*Listener, error) {
	l := &Listener{logger: logger, subs: map[string]map[chan struct{}]struct{}{}, done: make(chan struct{})}
	l.pq = pq.NewListener(s.url, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil {
			logger.Warn("event listener", "event", ev, "error", err)
		}
	})
	if err := l.pq.Listen(eventChannel); err != nil {
		l.pq.Close()
		return nil, fmt.Errorf("listen for callback events: %w", err)
	}
	go l.run()
	return l, nil
}

// run fans notifications out to the subscribers. A nil notification means
// the connection was re-established: anything may have been missed, so
// every subscriber re-reads.
func (l *Listener) run() {
	defer close(l.done)
	for n := range l.pq.Notify {
		if n == nil {
			l.wakeAll()
			continue
		}
		id, _, _ := strings.Cut(n.Extra, " ")
		l.wake(id)
	}
}

// Subscribe returns a channel that receives a (coalesced) signal whenever
// an event of callback id may have been committed; cancel ends the
// subscription.
func (l *Listener) Subscribe(id string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	l.mu.Lock()
	if l.subs[id] == nil {
		l.subs[id] = map[chan struct{}]struct{}{}
	}
	l.subs[id][ch] = struct{}{}
	l.mu.Unlock()
	return ch, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.subs[id], ch)
		if len(l.subs[id]) == 0 {
			delete(l.subs, id)
		}
	}
}

func (l *Listener) wake(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ch := range l.subs[id] {
		signal(ch)
	}
}

func (l *Listener) wakeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, subs := range l.subs {
		for ch := range subs {
			signal(ch)
		}
	}
}

// signal sends on ch unless a signal is already pending.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Close stops listening.
func (l *Listener) Close() error {
	err := l.pq.Close()
	<-l.done
	return err
}
