// Package gmserr defines the GMS error envelope and every error code of the
// reference, each once. Handlers, validators and workflows return *Error; the
// API encodes it with Write, and Temporal carries it across the wire through
// ToTemporal / FromTemporal.
package gmserr

import (
	"errors"
	"fmt"
	"strings"
)

// ExceptionPackage prefixes every exception class name, as the real product does.
const ExceptionPackage = "com.genesyslab.gsg.services.callback.exceptions."

// Code is one row of the reference's error table.
type Code struct {
	Code   int
	Status int
	Phrase string
	Suffix string // exception class name without its package
}

// The error catalogue (SPEC §0.1), plus the few codes of our own for routing and auth.
var (
	NumberAlreadyBooked     = Code{40001, 429, "NUMBER_ALREADY_BOOKED", "CallbackExceptionAlreadyBooked"}
	ThrottleServiceLimit    = Code{40002, 429, "THROTTLE_SERVICE_LIMIT", "CallbackExceptionThrottled"}
	ThrottleIntervalLimit   = Code{40003, 429, "THROTTLE_SERVICE_INTERVAL_LIMIT", "CallbackExceptionThrottled"}
	ThrottleParameterLimit  = Code{40004, 429, "THROTTLE_SERVICE_PARAMETER_LIMIT", "CallbackExceptionThrottled"}
	BadParameter            = Code{40010, 400, "BAD_PARAMETER", "CallbackExceptionBadParameter"}
	InvalidOperation        = Code{40020, 400, "INVALID_OPERATION", "CallbackExceptionInvalidOperation"}
	CallbackNotFound        = Code{40030, 400, "CALLBACK_NOT_FOUND", "CallbackExceptionNotFound"}
	NumberRejected          = Code{40040, 400, "NUMBER_REJECTED", "CallbackExceptionNumber"}
	SlotUnavailable         = Code{40050, 400, "SLOT_UNAVAILABLE", "CallbackExceptionAvailability"}
	SlotUnavailableProposal = Code{40051, 400, "SLOT_UNAVAILABLE_PROPOSAL", "CallbackExceptionAvailability"}
	Unauthorized            = Code{40100, 401, "UNAUTHORIZED", "CallbackExceptionUnauthorized"}
	NotFound                = Code{40400, 404, "NOT_FOUND", "CallbackExceptionNotFound"}
	MethodNotAllowed        = Code{40500, 405, "METHOD_NOT_ALLOWED", "CallbackExceptionBadParameter"}
	PayloadTooLarge         = Code{40010, 413, "BAD_PARAMETER", "CallbackExceptionBadParameter"}
	CapacityError           = Code{50004, 500, "CAPACITY_ERROR", "CallbackExceptionCapacityError"}
	CalendarError           = Code{50005, 500, "CALENDAR_ERROR", "CallbackExceptionCalendarError"}
	ORSMaxSubmitRetries     = Code{50006, 500, "ORS_MAX_SUBMIT_RETRIES", "CallbackExceptionMaxORSSubmitAttempts"}
	BadConfiguration        = Code{50020, 500, "BAD_CONFIGURATION", "CallbackExceptionConfiguration"}
	ORSError                = Code{50030, 500, "ORS_ERROR", "CallbackExceptionFromORS"}
	ServiceRedirectFailed   = Code{50040, 500, "SERVICE_REDIRECT_FAILED", "CallbackExceptionServiceRedirect"}
	UnknownError            = Code{50050, 500, "UNKNOWN_ERROR", "CallbackExceptionUnknown"}
	Unavailable             = Code{50300, 503, "SERVICE_UNAVAILABLE", "CallbackExceptionUnknown"}
)

var byNumber = map[int]Code{}

func init() {
	for _, c := range []Code{NumberAlreadyBooked, ThrottleServiceLimit, ThrottleIntervalLimit,
		ThrottleParameterLimit, BadParameter, InvalidOperation, CallbackNotFound, NumberRejected,
		SlotUnavailable, SlotUnavailableProposal, Unauthorized, NotFound, MethodNotAllowed,
		CapacityError, CalendarError, ORSMaxSubmitRetries, BadConfiguration, ORSError,
		ServiceRedirectFailed, UnknownError, Unavailable} {
		byNumber[c.Code] = c
	}
}

// Error is the GMS error envelope. It is both a Go error and the JSON body a
// client sees.
type Error struct {
	Status       int            `json:"-"`
	Code         int            `json:"code"`
	Phrase       string         `json:"phrase"`
	Message      string         `json:"message"`
	Exception    string         `json:"exception"`
	Properties   map[string]any `json:"properties,omitempty"`
	Availability map[string]int `json:"availability,omitempty"`
	// Cause is the internal failure behind the envelope: logged, never sent.
	Cause error `json:"-"`
}

// New builds an envelope of code c with a formatted message.
func New(c Code, format string, args ...any) *Error {
	return &Error{
		Status:    c.Status,
		Code:      c.Code,
		Phrase:    c.Phrase,
		Message:   fmt.Sprintf(format, args...),
		Exception: ExceptionPackage + c.Suffix,
	}
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Code, e.Phrase, e.Message) }

// Unwrap returns the envelope's Cause, so errors.Is and errors.As see the
// failure behind it (errors.As on *Error still finds this envelope first).
func (e *Error) Unwrap() error { return e.Cause }

// With adds key/value pairs to the envelope's properties and returns e:
// each key a string, each value as the seed shows it (a count is a JSON
// number, `max_queued` and `max-attempts`; most values are strings).
func (e *Error) With(kv ...any) *Error {
	if e.Properties == nil {
		e.Properties = map[string]any{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		e.Properties[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return e
}

// Normalize restores the HTTP status of an envelope that crossed a wire
// (Status is not serialized) from its code.
func (e *Error) Normalize() *Error {
	if e.Status == 0 {
		e.Status = 500
		if c, ok := byNumber[e.Code]; ok {
			e.Status = c.Status
		}
	}
	return e
}

// As returns err's envelope if it is or wraps one (directly or through
// Temporal), else an UNKNOWN_ERROR envelope describing err.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if e := FromTemporal(err); e != nil {
		return e
	}
	return Unknown(err)
}

// Unknown wraps an unexpected failure as 50050 "Error processing callback {message} ".
func Unknown(err error) *Error {
	return New(UnknownError, "Error processing callback %s ", strings.TrimSpace(err.Error())).With("message", err.Error())
}

// MaxSubmitAttempts is 50006 for a callback ORS never accepted.
func MaxSubmitAttempts(id string, attempts int) *Error {
	return New(ORSMaxSubmitRetries, "Callback %s reached maximum attempts to submit to ORS reached (%d)", id, attempts).
		With("id", id, "max-attempts", attempts)
}
