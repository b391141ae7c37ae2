package worker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/workflows"
)

// Janitor keeps the read model tidy: it frees the admission of a callback
// whose workflow never started (the API died between its admission
// transaction and the start, and the client did not retry), and purges
// what is past its retention.
type Janitor struct {
	Temporal client.Client
	Store    *queries.Store
	Logger   *slog.Logger
	// Grace is how old an admission row must be before it is examined.
	Grace time.Duration
}

// janitorInterval is how often Run sweeps.
const janitorInterval = 30 * time.Second

// Run sweeps every janitorInterval until ctx ends.
func (j *Janitor) Run(ctx context.Context) {
	t := time.NewTicker(janitorInterval)
	defer t.Stop()
	for {
		j.Sweep(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sweep runs one pass at time now.
func (j *Janitor) Sweep(ctx context.Context, now time.Time) {
	ids, err := j.Store.StaleAdmissions(ctx, now.Add(-j.Grace))
	if err != nil {
		j.Logger.WarnContext(ctx, "janitor: cannot list admissions", "error", err)
	}
	var started []string
	for _, id := range ids {
		_, err := j.Temporal.DescribeWorkflowExecution(ctx, id, "")
		var nf *serviceerror.NotFound
		if err == nil { // it started; the API's mark was lost
			started = append(started, id)
			continue
		}
		if !errors.As(err, &nf) {
			continue // Temporal did not answer: next sweep
		}
		if err := j.Store.DeleteAdmission(ctx, id); err != nil {
			j.Logger.WarnContext(ctx, "janitor: cannot free admission", "callback_id", id, "error", err)
			continue
		}
		j.Logger.InfoContext(ctx, "janitor: freed the admission of a callback that never started", "callback_id", id)
	}
	if len(started) > 0 {
		if err := j.Store.MarkStarted(ctx, started, workflows.StartedVersion); err != nil {
			j.Logger.WarnContext(ctx, "janitor: cannot mark started", "callbacks", len(started), "error", err)
		}
	}
	if n, err := j.Store.Purge(ctx, now); err != nil {
		j.Logger.WarnContext(ctx, "janitor: purge failed", "error", err)
	} else if n > 0 {
		j.Logger.InfoContext(ctx, "janitor: purged expired callbacks", "count", n)
	}
}
