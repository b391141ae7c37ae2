// Package activities holds the callback workflow's side effects: ORS calls,
// read-model writes and statistics, implementing package contract (their
// names and arguments). Every activity is idempotent, so a retry never
// submits twice nor writes a callback backwards.
package activities

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/lib/pq"
	"go.temporal.io/sdk/temporal"

	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/metrics"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/resolve"
	"github.com/opengms/callback/stats"
)

// Activities are registered on the worker; the workflow calls them as
// methods of a nil *Activities.
type Activities struct {
	HTTP   *http.Client
	Store  *queries.Store
	Stats  *stats.Client
	Logger *slog.Logger
	// Config is the configuration in force (reloaded without a restart);
	// nil: none (no service paused, settings never re-read).
	Config func() *config.Config
}

// errNoConfig fails ResolveSettings on a worker without a configuration.
var errNoConfig = temporal.NewNonRetryableApplicationError("no configuration", "BAD_CONFIGURATION", nil)

// ServicePaused tells whether service is paused now: a due callback of a
// paused service waits instead of being submitted.
func (a *Activities) ServicePaused(_ context.Context, service string) (bool, error) {
	return a.Config != nil && a.Config().ServicePaused(service), nil
}

// ResolveSettings are the settings of a callback of req.Service under the
// configuration in force now. A service the configuration no longer
// defines (or defines wrongly) is a non-retryable failure: the callback
// keeps the settings it has.
func (a *Activities) ResolveSettings(_ context.Context, req contract.ResolveRequest) (contract.Settings, error) {
	if a.Config == nil {
		return contract.Settings{}, errNoConfig
	}
	set, e := resolve.Now(a.Config(), req.Service, req.Properties)
	if e != nil {
		return set, temporal.NewNonRetryableApplicationError(e.Message, "BAD_CONFIGURATION", e)
	}
	return set, nil
}

// SaveCallback writes a snapshot to the read model; older or equal versions
// than the stored one are ignored, so retries and late writes are harmless.
func (a *Activities) SaveCallback(ctx context.Context, rec callback.Record) error {
	applied, err := a.Store.Save(ctx, rec)
	if applied && rec.State == callback.Completed { // counted once: a retry is not applied again
		metrics.CallbacksCompleted.WithLabelValues(rec.Service, rec.Reason).Inc()
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code.Class() == "22" { // data exception: no retry can store it
		a.Logger.ErrorContext(ctx, "read-model write refused for good", "callback_id", rec.ID, "version", rec.Version, "error", err)
		return temporal.NewNonRetryableApplicationError(err.Error(), "UNSTORABLE", err)
	}
	return err
}

// ExpectedWaitTime returns the `_request_queue_time_stat` value in whole
// seconds, or 0 when it is unavailable: a failing statistic is logged,
// never fatal (CONTRACT §Statistics).
func (a *Activities) ExpectedWaitTime(ctx context.Context, stat string) (int, error) {
	d, err := a.Stats.ExpectedWait(ctx, stat)
	if err != nil {
		a.Logger.WarnContext(ctx, "expected wait time unavailable, using 0", "stat", stat, "error", err)
		return 0, nil
	}
	return int(d.Seconds()), nil
}

// MoveCallback writes a rescheduled callback only if its new bucket has a
// place left besides its own, atomically with that check. A full bucket is
// a non-retryable contract.ErrTypeBucketFull error.
func (a *Activities) MoveCallback(ctx context.Context, req contract.MoveRequest) error {
	err := a.Store.Move(ctx, req.Record, &req.Bucket)
	if errors.Is(err, queries.ErrBucketFull) {
		return temporal.NewNonRetryableApplicationError(err.Error(), contract.ErrTypeBucketFull, err)
	}
	return err
}
