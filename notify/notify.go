// Package notify is what a callback's customer hears about its callback:
// the JSON of a notification (one per state change or reschedule), shared
// by the webhooks (`_device_os=httpcb`) and the event stream, and the
// webhooks' rules: which URLs a service allows and the HMAC-SHA256
// signature its receivers check.
package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Event kinds (the "event" of a Payload).
const (
	// Created: the callback was accepted.
	Created = "created"
	// StateChanged: its state or reason changed.
	StateChanged = "state_changed"
	// Rescheduled: its desired time changed, its state did not.
	Rescheduled = "rescheduled"
	// ETA: its place in the queue or expected wait changed (stream only).
	ETA = "eta"
)

// Headers of a webhook POST.
const (
	// HeaderSignature is "sha256=" and the hex HMAC-SHA256 of the body
	// under the service's `_notification_secret` (absent without one).
	HeaderSignature = "X-GMS-Signature"
	// HeaderDelivery is "<_id>/<n>", n counting the callback's
	// notifications: the same on every attempt, so a receiver drops repeats.
	HeaderDelivery = "X-GMS-Delivery"
	// HeaderEvent is the event kind.
	HeaderEvent = "X-GMS-Event"
)

// Payload is the JSON body of a notification.
type Payload struct {
	ID          string `json:"_id"`
	Service     string `json:"_service_name"`
	State       string `json:"_callback_state"`
	Reason      string `json:"_callback_reason"`
	DesiredTime string `json:"_desired_time"`
	// EWT is the expected wait in seconds, as last read.
	EWT   int    `json:"_ewt"`
	Event string `json:"event"`
	// Time is when the change happened.
	Time string `json:"time"`
}

// ErrNotAllowed means a webhook URL is not one the service allows.
var ErrNotAllowed = errors.New("webhook URL not allowed")

// Allowed checks that rawURL is an absolute http(s) URL that pattern (the
// service's `_notification_url_pattern`, RE2) matches as a whole. An empty
// pattern allows none.
func Allowed(pattern, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return fmt.Errorf("%w: %q is not an absolute http(s) URL", ErrNotAllowed, rawURL)
	}
	if strings.TrimSpace(pattern) == "" {
		return fmt.Errorf("%w: the service allows no webhooks (_notification_url_pattern)", ErrNotAllowed)
	}
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		return fmt.Errorf("%w: _notification_url_pattern: %v", ErrNotAllowed, err)
	}
	if !re.MatchString(rawURL) {
		return fmt.Errorf("%w: %q does not match _notification_url_pattern", ErrNotAllowed, rawURL)
	}
	return nil
}

// Sign is the HeaderSignature of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify tells whether signature is body's HeaderSignature under secret
// (in constant time): what a receiver checks.
func Verify(secret string, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(signature))
}
