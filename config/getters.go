package config

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opengms/callback/gmserr"
)

// Effective is a resolved option set (name -> value) with typed getters; it is
// what travels into a workflow. Values were validated by Config.Effective.
type Effective map[string]string

// String returns the value of option name ("" when unset).
func (e Effective) String(name string) string { return e[name] }

// Has reports whether option name has a non-blank value.
func (e Effective) Has(name string) bool { return strings.TrimSpace(e[name]) != "" }

// Int returns the integer value of option name; 0 when empty or not a number.
func (e Effective) Int(name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(e[name]))
	return n
}

// Bool reports whether option name is "true", any case.
func (e Effective) Bool(name string) bool {
	return strings.EqualFold(strings.TrimSpace(e[name]), "true")
}

// Seconds returns the value of option name as a number of seconds.
func (e Effective) Seconds(name string) time.Duration {
	return time.Duration(e.Int(name)) * time.Second
}

// List returns option name as a CSV list: trimmed, empty entries dropped, deduplicated.
func (e Effective) List(name string) []string { return SplitList(e[name]) }

// Span returns a desired-time limit option (_reject_past_desired_time,
// _reject_future_desired_time); its default when the value does not parse.
func (e Effective) Span(name string) Span {
	if s, err := ParseSpan(e[name]); err == nil {
		return s
	}
	s, _ := ParseSpan(Default(name))
	return s
}

// InQueueLimit returns the most non-COMPLETED callbacks one number may have in
// the service per _enable_in_queue_checking: true 2, strict 1, false 0 (no limit).
func (e Effective) InQueueLimit() int {
	switch strings.ToLower(strings.TrimSpace(e[OptEnableInQueueChecking])) {
	case "false":
		return 0
	case "strict":
		return 1
	default:
		return 2
	}
}

// ThrottleParameterLimit returns _throttle_request_parameters_limit: 6 when
// empty, unparsable or negative.
func (e Effective) ThrottleParameterLimit() int {
	n, err := strconv.Atoi(strings.TrimSpace(e[OptThrottleRequestParametersLimit]))
	if err != nil || n < 0 {
		return 6
	}
	return n
}

// IntervalThrottle is one interval throttle rule: at most Limit callbacks
// created in the service within TTL.
type IntervalThrottle struct {
	N     int           // rule number of _throttle_callbacks_per_service_N / _throttle_ttl_N
	Limit int           // _throttle_callbacks_per_service_N
	TTL   time.Duration // _throttle_ttl_N seconds
}

// IntervalThrottles returns the interval throttle rules whose limit and ttl
// are both set, by rule number.
func (e Effective) IntervalThrottles() []IntervalThrottle {
	var out []IntervalThrottle
	for k, v := range e {
		m := throttleRule.FindStringSubmatch(k)
		if m == nil || m[1] != OptThrottleCallbacksPerServicePrefix || strings.TrimSpace(v) == "" {
			continue
		}
		ttl := OptThrottleTTLPrefix + m[2]
		if !e.Has(ttl) {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		out = append(out, IntervalThrottle{N: n, Limit: e.Int(k), TTL: e.Seconds(ttl)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].N < out[j].N })
	return out
}

// mandatory are the options that must not be empty when a callback is created (B6).
var mandatory = []string{OptMediaType, OptURSQueuedTTL, OptWaitForAgent}

// Mandatory checks the options a callback cannot be created without (SPEC
// §2.1 step 6): an empty one answers 40010 "Cannot create service, empty
// mandatory callback option {option}".
func (e Effective) Mandatory() *gmserr.Error {
	for _, name := range mandatory {
		if !e.Has(name) {
			return gmserr.New(gmserr.BadParameter, "Cannot create service, empty mandatory callback option %s", name).
				With("option", name)
		}
	}
	return nil
}
