package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// Release names this version of the workflow code: make record-histories
// records into testdata/histories/<Release>, and every release's histories
// replay on the current code (the corpus only grows). A change to the
// commands a workflow issues is made behind workflow.GetVersion (a change
// ID below) and comes with a new Release.
const Release = "v4"

// Change IDs of workflow.GetVersion, each one change of the commands a
// workflow issues: a history recorded before the change has no marker, so
// it replays on the old path (workflow.DefaultVersion).
const (
	// changeIndexOnMove (v1): the search attributes are upserted after a
	// bucketed reschedule.
	changeIndexOnMove = "index-on-move"
	// changeLateEWT (v2): a scheduled callback of a service with
	// `_request_queue_time_stat` sleeps until ewtLookahead before its due
	// time, then reads the expected wait, instead of reading it when booked.
	changeLateEWT = "late-ewt"
	lateEWT       = workflow.Version(1)
	// changeDueSettings (v3): a callback that falls due re-reads its
	// service's options (ResolveSettings) before it is submitted, so a
	// configuration change takes effect on callbacks booked before it.
	changeDueSettings = "due-settings"
	dueSettings       = workflow.Version(1)
	// changeWebhooks (v4): a callback whose client asked for webhooks
	// (`_device_os=httpcb`) notifies every state change and reschedule by
	// the DeliverNotification activity.
	changeWebhooks = "webhooks"
	webhooks       = workflow.Version(1)
)

// ewtLookahead is how long before `_desired_time - buffer` the expected
// wait time is read: a queue's wait is seldom longer, and a wait read days
// ahead says nothing about the queue at the callback's time.
const ewtLookahead = time.Hour
