package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/opengms/callback/activities/contract"
)

// The activity options of the workflow, each defined once.
var (
	// submitRetry spaces the attempts of an ORS submit (1 s, 2 s, 4 s, ... 10 s).
	submitRetry = temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second}
	// cancelOptions: one ORS cancel attempt; the caller decides about a refusal.
	cancelOptions = workflow.ActivityOptions{StartToCloseTimeout: contract.ORSTimeout,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}}
	// eventOptions: an ORS pause or resume event, three attempts.
	eventOptions = workflow.ActivityOptions{StartToCloseTimeout: contract.ORSTimeout,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumAttempts: eventAttempts}}
	// saveOptions: a read-model write, retried until it lands.
	saveOptions = workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 500 * time.Millisecond, MaximumInterval: 10 * time.Second}}
	// moveOptions: a reschedule's read-model write, which a client waits for.
	moveOptions = workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 500 * time.Millisecond, MaximumAttempts: 5}}
	// statOptions: the expected-wait-time statistic; 0 when it fails.
	statOptions = workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 2}}
	// resolveOptions: the settings re-read when a callback falls due; its
	// own settings when that fails.
	resolveOptions = workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 3}}
	// pauseCheckOptions: the local pause check before a submit.
	pauseCheckOptions = workflow.LocalActivityOptions{StartToCloseTimeout: 5 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 3}}
)

// eventAttempts is how often an ORS event is tried.
const eventAttempts = 3

// submitOptions are an ORS submit's options: `_max_ors_submit_attempts`
// attempts of at most contract.ORSTimeout each.
func submitOptions(attempts int) workflow.ActivityOptions {
	retry := submitRetry
	retry.MaximumAttempts = int32(max(1, attempts))
	return workflow.ActivityOptions{StartToCloseTimeout: contract.ORSTimeout, RetryPolicy: &retry}
}

// answerMargin covers what an answer waits for besides the activities:
// workflow tasks, a busy worker, the network.
const answerMargin = 10 * time.Second

// SubmitWait is how long a client may wait for the outcome of an immediate
// callback's submission with `_max_ors_submit_attempts` = attempts: every
// attempt running into contract.ORSTimeout, the backoff between them, and
// the read-model write of the outcome.
func SubmitWait(attempts int) time.Duration {
	return tries(max(1, attempts), submitRetry) + settleWait + answerMargin
}

// UpdateWait is how long a client may wait for an update's answer: a
// submission already in flight that the update queues behind, then its own
// ORS event (retried) and read-model write.
func UpdateWait(attempts int) time.Duration {
	return SubmitWait(attempts) + tries(eventAttempts, *eventOptions.RetryPolicy) + settleWait
}

// tries is the longest n attempts of an ORS call take with retry's backoff.
func tries(n int, retry temporal.RetryPolicy) time.Duration {
	total, interval := time.Duration(0), retry.InitialInterval
	for i := 1; i <= n; i++ {
		total += contract.ORSTimeout
		if i < n {
			if retry.MaximumInterval > 0 {
				interval = min(interval, retry.MaximumInterval)
			}
			total += interval
			interval = time.Duration(float64(interval) * max(1, retry.BackoffCoefficient))
		}
	}
	return total
}
