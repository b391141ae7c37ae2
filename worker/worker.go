// Package worker builds the Temporal worker that runs CallbackWorkflow and
// its activities. cmd/worker runs it as its own process; integration tests
// run it in-process.
package worker

import (
	"log/slog"
	"net/http"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/opengms/callback/activities"
	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/stats"
	"github.com/opengms/callback/workflows"
)

// stickyCacheSize bounds the workflows a worker keeps in memory: a pending
// callback needs none until its timer fires, and replaying its short
// history then is cheap.
const stickyCacheSize = 2000

// New returns a worker on taskQueue with the workflow and activities
// registered; cfg is the configuration in force (reloaded without a
// restart: pauses, and the settings of callbacks falling due).
// Workflow-task pollers are raised well above the default: update round
// trips depend on them (DESIGN.md).
func New(c client.Client, taskQueue string, store *queries.Store, cfg func() *config.Config, logger *slog.Logger) sdkworker.Worker {
	sdkworker.SetStickyWorkflowCacheSize(stickyCacheSize) // process-wide; the same value every time
	w := sdkworker.New(c, taskQueue, sdkworker.Options{
		MaxConcurrentWorkflowTaskPollers: 16,
		MaxConcurrentActivityTaskPollers: 8,
	})
	httpc := &http.Client{Timeout: contract.ORSTimeout}
	w.RegisterWorkflow(workflows.CallbackWorkflow)
	w.RegisterActivity(&activities.Activities{
		HTTP:   httpc,
		Store:  store,
		Stats:  &stats.Client{URL: cfg().StatURL, HTTP: httpc},
		Logger: logger,
		Config: cfg,
	})
	return w
}
