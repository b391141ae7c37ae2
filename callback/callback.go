// Package callback holds the vocabulary shared by the API, the workflow and
// the read model: states, reasons, reserved property names and the time
// format of the GMS API.
package callback

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// State is a callback's `_callback_state`.
type State string

// The states of SPEC §3.1.
const (
	Scheduled  State = "SCHEDULED"
	Queued     State = "QUEUED"
	Routing    State = "ROUTING"
	Processing State = "PROCESSING"
	Paused     State = "PAUSED"
	Completed  State = "COMPLETED"
)

// States lists every state, in lifecycle order.
var States = []State{Scheduled, Queued, Routing, Processing, Paused, Completed}

// ParseState accepts a state name in any case.
func ParseState(s string) (State, bool) {
	u := State(strings.ToUpper(strings.TrimSpace(s)))
	for _, st := range States {
		if st == u {
			return st, true
		}
	}
	return "", false
}

// Reasons we set ourselves (SPEC §3.3); ORS may report any other string.
const (
	ReasonCancelled    = "CANCELLED"
	ReasonNotAvailable = "NOT_AVAILABLE"
	ReasonSubmitError  = "SUBMIT_ERROR"
	// ReasonCancelledByAdmin marks a cancel by an admin user (what the
	// cancelled-callbacks export lists).
	ReasonCancelledByAdmin = "CANCELLED_BY_ADMIN"
)

// Reserved property names.
const (
	KeyID              = "_id"
	KeyServiceName     = "_service_name"
	KeyCustomerNumber  = "_customer_number"
	KeyState           = "_callback_state"
	KeyReason          = "_callback_reason"
	KeyDesiredTime     = "_desired_time"
	KeyNewDesiredTime  = "_new_desired_time"
	KeyExpirationTime  = "_expiration_time"
	KeyORSSessionID    = "_ors_session_id"
	KeyCallbackURL     = "_callback_url"
	KeyURL             = "_url"
	KeyCopyFromID      = "_copy_from_id"
	KeyDesiredTimeFrom = "_desired_time_from"
	KeyDesiredTimeTo   = "_desired_time_to"
	// KeyDeviceOS is how the client hears of changes: DeviceHTTPCallback,
	// or a push channel (e.g. "comet") the client streams itself.
	KeyDeviceOS = "_device_os"
	// KeyDeviceNotificationID is the device's address: the webhook URL
	// when KeyDeviceOS is DeviceHTTPCallback.
	KeyDeviceNotificationID = "_device_notification_id"
)

// DeviceHTTPCallback (`_device_os=httpcb`) asks for webhook notifications
// to the URL in `_device_notification_id`.
const DeviceHTTPCallback = "httpcb"

// Webhook is the URL props ask notifications to be posted to, "" if none.
func Webhook(props map[string]string) string {
	if props[KeyDeviceOS] != DeviceHTTPCallback {
		return ""
	}
	return props[KeyDeviceNotificationID]
}

// Retention is how long a callback's record is kept after its desired time (SPEC §3.5).
const Retention = 30 * 24 * time.Hour

// TimeLayout is the API's output format: UTC with milliseconds.
const TimeLayout = LocalLayout + "Z"

// LocalLayout is a wall-clock time with milliseconds and no offset
// (availability v2's localTime).
const LocalLayout = "2006-01-02T15:04:05.000"

// inputLayouts are the accepted input forms; offset-less ones are UTC.
var inputLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.000Z0700",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
}

// ParseTime parses an API time: RFC 3339 or the GMS format; a time without
// offset is UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range inputLayouts {
		if t, err := time.Parse(l, s); err == nil {
			if y := t.UTC().Year(); y < 1 || y > 9999 {
				return time.Time{}, fmt.Errorf("invalid date-time %q: the year must be between 0001 and 9999 in UTC", s)
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid date-time %q: expected ISO 8601 such as 2026-01-02T15:04:05.000Z", s)
}

// ParseBool accepts true/false in any case; anything else is an error.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("invalid boolean %q: expected true or false", s)
}

// URLPath is a callback's `_url`: /1/service/callback/{service}/{id}.
func URLPath(service, id string) string { return "/1/service/callback/" + service + "/" + id }

// StorableText tells whether s can be stored: valid UTF-8 without NUL.
func StorableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
