// Package contract is what the callback workflow knows of its activities:
// their names, arguments, results, error types and the ORS time-out. It
// holds no implementation, so workflow code links neither the read model
// (sqlx, pq) nor HTTP clients; package activities implements it.
package contract

import (
	"time"

	"github.com/opengms/callback/callback"
)

// Activity names: the methods of activities.Activities, registered under
// their own names.
const (
	// SubmitToORS starts the callback's ORS session (SubmitRequest -> SubmitResult).
	SubmitToORS = "SubmitToORS"
	// CancelORSSession sends callback.cancel to the session (CancelRequest).
	CancelORSSession = "CancelORSSession"
	// NotifyORS sends another event to the session (EventRequest).
	NotifyORS = "NotifyORS"
	// SaveCallback writes a snapshot to the read model (callback.Record).
	SaveCallback = "SaveCallback"
	// MoveCallback writes a rescheduled callback into its new bucket (MoveRequest).
	MoveCallback = "MoveCallback"
	// ExpectedWaitTime reads the `_request_queue_time_stat` statistic (string -> seconds).
	ExpectedWaitTime = "ExpectedWaitTime"
	// ServicePaused tells whether a service is paused now (string -> bool); a local activity.
	ServicePaused = "ServicePaused"
	// ResolveSettings reads a service's settings from the configuration in
	// force now (ResolveRequest -> Settings).
	ResolveSettings = "ResolveSettings"
)

// Names lists every activity name.
var Names = []string{SubmitToORS, CancelORSSession, NotifyORS, SaveCallback, MoveCallback, ExpectedWaitTime, ServicePaused, ResolveSettings,
	DeliverNotification}

// Settings are the effective options of a callback's service for one
// callback: resolved by the API at admission, and again by the
// ResolveSettings activity when the callback falls due.
type Settings struct {
	ORSURL            string
	AppURL            string
	CallbackURL       string // absolute URL ORS uses for its state PUTs
	MaxSubmitAttempts int
	ExecutionBuffer   time.Duration // `_request_execution_time_buffer`
	QueueTimeStat     string        // `_request_queue_time_stat`, "" = no EWT
	MandatoryKeys     []string      // `_mandatory_customer_lookup_keys`
	Options           map[string]string
}

// ResolveRequest asks for a callback's settings under the configuration in
// force now: its service and its properties (the request's values of the
// overwritable options).
type ResolveRequest struct {
	Service    string
	Properties map[string]string
}

// ORSTimeout caps one ORS call (CONTRACT: no answer within 10 s fails the
// attempt): the HTTP client's time-out and each ORS activity's
// start-to-close time-out.
const ORSTimeout = 10 * time.Second

// ErrTypeBucketFull is the ApplicationError type of a move into a full bucket.
const ErrTypeBucketFull = "BUCKET_FULL"

// SubmitRequest starts one ORS session for a callback.
type SubmitRequest struct {
	Service string            // for metrics
	Due     time.Time         // when the callback fell due (fire lateness)
	ORSURL  string            // ORS base URL
	AppURL  string            // SCXML application, the session's `src`
	ID      string            // the callback's `_id`, also the idempotency key
	Params  map[string]string // every property and effective option
}

// AccessPrefix starts the names of the access information ORS's start
// answer may carry next to `sessionid` (`_access_number`, `_access_code`,
// `_access_expiration_time`): how the customer reaches the interaction when
// `_wait_for_agent` is false.
const AccessPrefix = "_access_"

// SubmitResult is ORS's answer to a successful submit.
type SubmitResult struct {
	SessionID string
	// Access holds the answer's AccessPrefix keys (nil when none; histories
	// older than the field lack it).
	Access map[string]string `json:",omitempty"`
}

// CancelRequest sends the cancel event to a callback's ORS session.
type CancelRequest struct {
	ORSURL    string
	SessionID string
}

// EventRequest sends a named event to a callback's ORS session.
type EventRequest struct {
	ORSURL    string
	SessionID string
	Event     string // callback.pause, callback.resume
}

// MoveRequest reschedules a callback into a time bucket.
type MoveRequest struct {
	Record callback.Record
	Bucket callback.Bucket
}
