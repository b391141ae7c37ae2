// Package workflows holds CallbackWorkflow, the one writer of each callback's
// state. It is pure decision logic: every side effect is an activity, every
// time is workflow time, and its configuration arrives as input.
package workflows

import (
	"time"

	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/callback"
)

// Names of the workflow's updates and queries.
const (
	// UpdateSubmitted answers once an immediate callback's ORS submission
	// has an outcome (sent with Update-With-Start by the POST).
	UpdateSubmitted = "submitted"
	// UpdateCancel cancels the callback (DELETE).
	UpdateCancel = "cancel"
	// UpdateChange reschedules it, sets its state or changes properties (PUT).
	UpdateChange = "change"
	// UpdateForget ends a SCHEDULED callback without a trace in the read
	// model, before its rows and executions are deleted (GDPR).
	UpdateForget = "forget"
	// UpdatePause pauses or resumes the callback with its service.
	UpdatePause = "pause"
	// QueryRecord returns the callback as the workflow holds it.
	QueryRecord = "record"
)

// maxHistoryEvents is where the workflow continues as new, long before
// Temporal's limits, carrying its state.
const maxHistoryEvents = 2000

// settleWait bounds how long an update's answer waits for its read-model
// write.
const settleWait = 5 * time.Second

// StartedVersion is the version of an admission row whose workflow is
// known to have started; the workflow's own writes come after it.
const StartedVersion = 1

// forgetGrace is how long a forgotten callback's execution waits to be
// deleted before it ends by itself.
const forgetGrace = time.Hour

// Settings are the effective options of the callback's service for this
// callback (contract.Settings: the ResolveSettings activity answers them).
type Settings = contract.Settings

// Input starts (or continues) a CallbackWorkflow.
type Input struct {
	// Record is the callback as its admission row holds it (version
	// StartedVersion) or, after continue-as-new, as last written.
	Record   callback.Record
	Settings Settings
	// Immediate submits to ORS at once instead of sleeping until due.
	Immediate bool
	// Paused holds the submission while the service is paused (an
	// immediate callback of a paused service starts PAUSED).
	Paused bool
	// Phase is the phase a continued-as-new run resumes in; empty for a
	// new callback, whose phase follows from the fields above.
	Phase Phase `json:",omitempty"`
	// Due is when a continued-as-new run's callback fell due (zero if not yet).
	Due time.Time `json:",omitzero"`
	// Notices is a continued-as-new run's webhook state.
	Notices Notices `json:",omitzero"`
}

// PauseRequest is the argument of UpdatePause: its service was paused or
// resumed.
type PauseRequest struct {
	Paused bool
}

// CancelRequest is the argument of UpdateCancel.
type CancelRequest struct {
	DiscardORSFailure bool
	// BeforeAgent refuses once an agent is on the call (PROCESSING): an
	// admin's bulk cancel never cuts a conversation.
	BeforeAgent bool
	Reason      string // "" = CANCELLED
}

// ChangeRequest is the argument of UpdateChange. At most one of
// NewDesiredTime and State is acted on, NewDesiredTime first; Properties are
// applied in both cases (an empty value removes the property).
type ChangeRequest struct {
	NewDesiredTime time.Time
	// Bucket is the place a reschedule takes; nil takes none (immediate).
	Bucket     *callback.Bucket
	State      callback.State
	Reason     string
	Properties map[string]string
	// NumberHash is the new customer number's hash, when Properties
	// changes `_customer_number`.
	NumberHash string
}
