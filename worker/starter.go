package worker

import (
	"fmt"
	"os"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/opengms/callback/activities"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/workflows"
)

// StarterRole marks the starter's identity in a callback's history (the
// Temporal UI shows which process ran each workflow task).
const StarterRole = "api starter"

// NewStarter returns the API process's workflow-only worker on taskQueue.
// With it on the API's client, a start with EnableEagerStart gets the new
// callback's first workflow task in the start response and runs it in the
// API process (eager workflow start): Temporal neither queues that task
// nor dispatches it to a poller (BENCHMARKS.md, fix 3).
//
// It polls no activity tasks, so ORS calls and read-model writes stay with
// the worker processes; it runs only the workflow's local activity, the
// pause check (cfg is the configuration in force, as the worker's). It keeps no workflows in memory (a sticky cache of 0,
// process-wide: call it before any other worker of the process), so a
// callback's later tasks are not pinned to the API; its two pollers (the
// SDK's least) take a small share of them from the common queue, next to
// the worker processes' sixteen each.
func NewStarter(c client.Client, taskQueue string, cfg func() *config.Config) sdkworker.Worker {
	sdkworker.SetStickyWorkflowCacheSize(0)
	host, _ := os.Hostname()
	w := sdkworker.New(c, taskQueue, sdkworker.Options{
		Identity:                fmt.Sprintf("%d@%s (%s)", os.Getpid(), host, StarterRole),
		LocalActivityWorkerOnly: true,
	})
	w.RegisterWorkflow(workflows.CallbackWorkflow)
	w.RegisterActivity(&activities.Activities{Config: cfg})
	return w
}
