package contract

import (
	"time"

	"github.com/opengms/callback/notify"
)

// DeliverNotification posts one webhook notification (Notification) to
// the callback's `_device_notification_id`, and records the attempt.
const DeliverNotification = "DeliverNotification"

// Notification is one webhook notification of a callback.
type Notification struct {
	// Seq counts the callback's notifications (1, 2, ...): with the `_id`,
	// the delivery's identity on every attempt.
	Seq     int
	URL     string
	Payload notify.Payload
	// GivenUp asks only to record the delivery as failed: the workflow gave
	// up on it (its hour of attempts ran out).
	GivenUp bool `json:",omitempty"`
}

// NotifyFor is how long a notification is retried (from its change).
const NotifyFor = time.Hour
