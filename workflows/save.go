package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/callback"
)

// complete ends the callback with reason.
func (f *flow) complete(ctx workflow.Context, reason string) int64 {
	f.to(PhaseCompleted)
	f.cb.State, f.cb.Reason = callback.Completed, reason
	return f.save(ctx)
}

// save writes the current state as the next version without blocking the
// workflow: a read-model outage delays the write, never the callback. It
// wakes the main loop and returns the version written.
func (f *flow) save(ctx workflow.Context) int64 {
	f.rev++
	f.index(ctx)
	f.cb.Version++
	v := f.cb.Version
	f.notify(ctx)
	fut := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, saveOptions), contract.SaveCallback, f.cb.Clone())
	f.pending++
	workflow.Go(ctx, func(gctx workflow.Context) {
		if err := fut.Get(gctx, nil); err != nil {
			workflow.GetLogger(gctx).Error("read-model write failed", "version", v, "error", err)
		}
		f.settled = max(f.settled, v)
		f.pending--
	})
	return v
}

// index keeps the search attributes current: upserted only when the
// state, desired time or number changed since the start or the last upsert.
func (f *flow) index(ctx workflow.Context) {
	key := indexKey(&f.cb)
	if key == f.indexed {
		return
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, f.cb.SearchAttributes()...); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not updated", "error", err)
		return
	}
	f.indexed = key
}

// indexKey is what a record's search attributes depend on. The number
// itself stays in it next to its hash: a history of v1 (before the hash)
// upserted on a number change, and must replay doing so.
func indexKey(r *callback.Record) string {
	return string(r.State) + "|" + r.DesiredTime.String() + "|" + r.CustomerNumber() + "|" + r.NumberHash
}

// awaitSettled waits until version v reached the read model, so a client
// that reads after an update sees it — but no longer than settleWait: while
// the read model is down the change stands (it is in the history) and the
// write lands when it is back.
func (f *flow) awaitSettled(ctx workflow.Context, v int64) error {
	_, err := workflow.AwaitWithTimeout(ctx, settleWait, func() bool { return f.settled >= v })
	return err
}
