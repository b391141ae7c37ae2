package api

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/workflows"
)

// maxMarks bounds one batch of start marks (one UPDATE); markTimeout, the
// time it may take.
const (
	maxMarks    = 512
	markTimeout = 10 * time.Second
)

// startMarks records that admission rows' workflows started, so the
// worker's janitor leaves them alone (it asks Temporal about rows never
// marked, after a grace period). The marks of starts that finish while one
// UPDATE runs go together in the next: one statement for many starts under
// load, none waiting when idle. A mark lost (the process stopped, the
// queue was full, PostgreSQL failed) is the janitor's to make.
type startMarks struct {
	once sync.Once
	ids  chan string
}

// add queues the mark of id, starting the writer on first use.
func (m *startMarks) add(store *queries.Store, logger *slog.Logger, id string) {
	m.once.Do(func() {
		m.ids = make(chan string, 4*maxMarks)
		go m.write(store, logger)
	})
	select {
	case m.ids <- id:
	default: // full: PostgreSQL is slow or down; the janitor marks it
	}
}

// write marks queued ids, as many per UPDATE as have queued up.
func (m *startMarks) write(store *queries.Store, logger *slog.Logger) {
	batch := make([]string, 0, maxMarks)
	for id := range m.ids {
		batch = append(batch[:0], id)
	more:
		for len(batch) < maxMarks {
			select {
			case id := <-m.ids:
				batch = append(batch, id)
			default:
				break more
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), markTimeout)
		err := store.MarkStarted(ctx, batch, workflows.StartedVersion)
		cancel()
		if err != nil {
			logger.Warn("started callbacks not marked (the janitor will)", "callbacks", len(batch), "error", err)
		}
	}
}
