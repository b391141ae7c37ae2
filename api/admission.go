package api

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/workflows"
)

// admission is a start request that passed every check made before the
// admission transaction.
type admission struct {
	queries.Admission
	input   workflows.Input
	service *serviceRules
}

// copyExcluded are the properties a redial never copies (SPEC §3.4).
var copyExcluded = map[string]bool{
	callback.KeyID: true, callback.KeyServiceName: true, callback.KeyState: true, callback.KeyReason: true,
	callback.KeyORSSessionID: true, callback.KeyDesiredTime: true, callback.KeyExpirationTime: true,
}

// admit runs Q1's checks (SPEC §2.1) and prepares the admission of a new
// callback in service name. redirected is set on the one hop `_redirect`
// allows.
func (s *Server) admit(ctx context.Context, name string, p map[string]string, redirected bool) (*admission, *gmserr.Error) {
	rules, e := s.rules(name, p)
	if e != nil {
		return nil, e
	}
	if target := rules.opts.String(config.OptRedirect); target != "" {
		return s.redirect(ctx, target, p, redirected)
	}
	id := uuid.NewString()
	if src := strings.TrimSpace(p[callback.KeyCopyFromID]); src != "" {
		if p, e = s.redial(ctx, src, p); e != nil {
			return nil, e
		}
	}
	opts := rules.opts
	if e := checkMandatory(id, opts, p); e != nil {
		return nil, e
	}
	if e := checkWebhook(id, opts, p); e != nil {
		return nil, e
	}
	now := s.now()
	desired := now
	if v := strings.TrimSpace(p[callback.KeyDesiredTime]); v != "" {
		t, err := callback.ParseTime(v)
		if err != nil {
			return nil, badParameter("Invalid %s: %v", callback.KeyDesiredTime, err).With("id", id)
		}
		desired = t
	}
	if e := checkDesiredTime(id, opts, desired, now); e != nil {
		return nil, e
	}
	if number := p[callback.KeyCustomerNumber]; strings.TrimSpace(number) != "" { // a service may identify customers otherwise
		if e := rules.phone.Check(number); e != nil {
			return nil, e
		}
	}
	set := s.settings(rules, id)
	a := &admission{service: rules, input: workflows.Input{
		Record: callback.Record{ID: id, Service: name, State: callback.Scheduled, DesiredTime: desired, CreatedAt: now,
			Properties: effectiveProperties(p, set.Options), LookupKeys: opts.List(config.OptCustomerLookupKeys)},
		Settings: set,
	}}
	a.input.Record.NumberHash = s.Hasher.Hash(a.input.Record.CustomerNumber())
	a.InQueueLimit, a.InQueueKey = opts.InQueueLimit(), inQueueKey(opts)
	if forced := strings.TrimSpace(p[callback.KeyState]); forced != "" {
		if e := a.force(forced, p); e != nil {
			return nil, e
		}
		if a.input.Record.State != callback.Scheduled {
			a.Record = a.input.Record
			return a, nil // external lifecycle: no office-hours or capacity check
		}
	} else if s.immediate(ctx, opts, desired, now) {
		a.input.Immediate = true
		a.input.Record.State = callback.Queued
		if s.Config().Paused(rules.svc) { // held, not routed, until the service resumes
			a.input.Paused = true
			a.input.Record.State = callback.Paused
		}
	}
	bucket, e := s.place(ctx, rules, desired, a.input.Immediate)
	if e != nil {
		return nil, e
	}
	a.Bucket = bucket
	a.input.Record.Immediate = a.input.Immediate
	a.Record = a.input.Record
	a.Throttles = throttles(opts, p)
	return a, nil
}

// inQueueKey is the property that identifies a customer for the in-queue
// limit (`_enable_in_queue_checking`): `_customer_number` when it is one of
// the service's `_mandatory_customer_lookup_keys` (the reference's "same
// customer number") or the list is empty, else the list's first key — a
// service that names its customers otherwise (say CB_SUBSCRIPTION_ID)
// counts per value of that key. One key, not all mandatory values
// together: the limit is per customer, and a second key's other value
// (another account of the same subscriber) must not let one past it.
func inQueueKey(opts config.Effective) string {
	keys := opts.List(config.OptMandatoryCustomerLookupKeys)
	if len(keys) == 0 || slices.Contains(keys, callback.KeyCustomerNumber) {
		return callback.KeyCustomerNumber
	}
	return keys[0]
}

// throttles are the service's rate limits for a request with parameters p.
func throttles(opts config.Effective, p map[string]string) *queries.Throttles {
	t := &queries.Throttles{QueuedLimit: -1}
	if opts.Has(config.OptMaxQueuedCallbacksPerService) {
		t.QueuedLimit = opts.Int(config.OptMaxQueuedCallbacksPerService)
	}
	for _, it := range opts.IntervalThrottles() {
		t.Intervals = append(t.Intervals, queries.Interval{Limit: it.Limit, TTL: it.TTL})
	}
	limit := opts.ThrottleParameterLimit()
	for _, k := range opts.List(config.OptThrottleRequestParameters) {
		if v := strings.TrimSpace(p[k]); v != "" {
			t.Parameters = append(t.Parameters, queries.ParameterLimit{Key: k, Value: v, Limit: limit})
		}
	}
	return t
}

// force applies a `_callback_state` given at creation: SCHEDULED is an
// ordinary scheduled callback; any other state is stored as given and never
// submitted.
func (a *admission) force(v string, p map[string]string) *gmserr.Error {
	rec := &a.input.Record
	st, ok := callback.ParseState(v)
	if !ok {
		return badParameter("Invalid %s: %s", callback.KeyState, v).With("id", rec.ID)
	}
	rec.State = st
	if st == callback.Completed {
		rec.Reason = strings.TrimSpace(p[callback.KeyReason])
		if rec.Reason == "" {
			rec.Reason = callback.ReasonNotAvailable
		}
	}
	return nil
}

// immediate decides immediate vs scheduled (SPEC §3.2):
// desired <= now + `_request_execution_time_buffer` + EWT.
func (s *Server) immediate(ctx context.Context, opts config.Effective, desired, now time.Time) bool {
	ewt, err := s.Stats.ExpectedWait(ctx, opts.String(config.OptRequestQueueTimeStat))
	if err != nil {
		s.Logger.WarnContext(ctx, "expected wait time unavailable, using 0", "error", err)
		ewt = 0
	}
	return !desired.After(now.Add(opts.Seconds(config.OptRequestExecutionTimeBuffer) + ewt))
}

// redirect admits the request as service target instead (one hop): a
// target that fails with a 5xx answers 50040; its 4xx pass through.
func (s *Server) redirect(ctx context.Context, target string, p map[string]string, redirected bool) (*admission, *gmserr.Error) {
	if redirected {
		return nil, gmserr.New(gmserr.ServiceRedirectFailed, "Service %s redirects again: only one _redirect hop is allowed", target).With("service", target)
	}
	hop := make(map[string]string, len(p))
	for k, v := range p {
		if k != config.OptRedirect {
			hop[k] = v
		}
	}
	a, e := s.admit(ctx, target, hop, true)
	if e != nil && e.Status >= 500 {
		return nil, gmserr.New(gmserr.ServiceRedirectFailed, "%s", e.Message).With("service", target)
	}
	return a, e
}

// redial merges a COMPLETED callback's properties under the request's
// (SPEC §3.4): unknown -> 40030, not COMPLETED -> 40020.
func (s *Server) redial(ctx context.Context, src string, p map[string]string) (map[string]string, *gmserr.Error) {
	rec, err := s.Store.Get(ctx, src)
	if errors.Is(err, queries.ErrNotFound) {
		return nil, gmserr.New(gmserr.CallbackNotFound, "Callback %s to copy from cannot be found", src).With("id", src)
	}
	if err != nil {
		return nil, unavailable("read model", err)
	}
	if rec.State != callback.Completed {
		return nil, gmserr.New(gmserr.InvalidOperation,
			"Request cannot be processed because callback %s to copy is not COMPLETED. Check parameter _copy_from_id", src).With("id", src)
	}
	merged := make(map[string]string, len(rec.Properties)+len(p))
	for k, v := range rec.Properties {
		if !copyExcluded[k] {
			merged[k] = v
		}
	}
	for k, v := range p {
		merged[k] = v
	}
	return merged, nil
}

// admissionError maps a refused admission transaction to its envelope.
func (s *Server) admissionError(ctx context.Context, a *admission, err error) error {
	var th *queries.ThrottleError
	switch {
	case errors.As(err, &th):
		return throttled(a.input.Record.Service, th)
	case errors.Is(err, queries.ErrInQueueLimit):
		return gmserr.New(gmserr.NumberAlreadyBooked, "There is already %d or more Callbacks QUEUED for this number, please refer to _enable_in_queue_checking for detail.", a.InQueueLimit).
			With("max_queued", a.InQueueLimit)
	case errors.Is(err, queries.ErrBucketFull):
		return s.proposeInstead(ctx, a.service, a.input.Record.DesiredTime, slotFull)
	}
	return unavailable("read model", err)
}

// throttled is the envelope of a refused admission (429).
func throttled(service string, th *queries.ThrottleError) *gmserr.Error {
	attempts := strconv.Itoa(th.Attempts)
	switch th.Kind {
	case queries.ThrottleQueued:
		return gmserr.New(gmserr.ThrottleServiceLimit, "Limit of queued callbacks for %s is reached.", service).With("service", service)
	case queries.ThrottleInterval:
		interval := strconv.Itoa(int(th.Interval.Seconds()))
		return gmserr.New(gmserr.ThrottleIntervalLimit, "Limit of queued callbacks for %s is reached for interval %ss.", service, interval).
			With("service", service, "interval", interval, "attempts", attempts)
	default:
		return gmserr.New(gmserr.ThrottleParameterLimit, "Limit of queued callbacks for %s is reached for parameter %s. Reached %s times today.",
			service, th.Parameter, attempts).With("service", service, "parameter", th.Parameter, "attempts", attempts)
	}
}
