package config

import (
	"sort"
	"strings"

	"github.com/opengms/callback/gmserr"
)

// Values of _type and _service.
const (
	// TypeORS is the _type of a callback service (the default).
	TypeORS = "ors"
	// TypeBuiltin is the _type of an office-hours or capacity section.
	TypeBuiltin = "builtin"
	// ServiceCallback is the _service of a callback service (the default).
	ServiceCallback = "callback"
	// ServiceOfficeHours is the _service of a builtin office-hours section.
	ServiceOfficeHours = "office-hours"
	// ServiceCapacity is the _service of a builtin capacity section.
	ServiceCapacity = "capacity"
)

// Service is one [service.NAME] section.
type Service struct {
	// Name is NAME, the {callback-execution-name}.
	Name string
	// Options are the configured values (raw, before tokens), plus for a
	// callback service the values inherited from [callback] (SPEC §4.1).
	Options map[string]string
	// Err is non-nil when the section is unusable as a callback service
	// (resolution texts of SPEC §0) or has an invalid option value (50020
	// naming the option). It never affects the other services.
	Err *gmserr.Error
}

// Type returns the section's _type, lower-cased, TypeORS when absent or empty.
func (s *Service) Type() string { return lowerOr(s.Options[OptType], TypeORS) }

// Kind returns the section's _service, lower-cased, ServiceCallback when absent or empty.
func (s *Service) Kind() string { return lowerOr(s.Options[OptService], ServiceCallback) }

// lowerOr returns v trimmed and lower-cased, def when that is empty.
func lowerOr(v, def string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return def
	}
	return v
}

// newService builds the Service of section [service.name] from its raw keys.
func newService(name string, raw, callback map[string]string) *Service {
	s := &Service{Name: name, Options: make(map[string]string, len(raw))}
	for k, v := range raw {
		s.Options[k] = v
	}
	if s.Err = s.resolve(); s.Err != nil {
		return s
	}
	inherit(s.Options, callback)
	s.Err = validateConfigured(name, s.Options)
	return s
}

// resolve applies the resolution rules of SPEC §0 to the section's _type and _service.
func (s *Service) resolve() *gmserr.Error {
	switch s.Type() {
	case TypeORS:
	case TypeBuiltin:
		return configErr(s.Name, "Service %s has option _type != ors", s.Name)
	default:
		return configErr(s.Name, "Service %s has unknown value for option _type", s.Name)
	}
	if s.Kind() != ServiceCallback {
		return configErr(s.Name, "Service %s has option _service != callback", s.Name)
	}
	return nil
}

// inherit copies into opts every [callback] value of SPEC §4.1 (_throttle_*,
// _enable_in_queue_checking, _max_queued_callbacks_per_service, and
// max_queued_callbacks_per_service as the latter) that opts does not set; a
// key present with an empty value counts as not set.
func inherit(opts, callback map[string]string) {
	set := func(target, v string) {
		if strings.TrimSpace(opts[target]) == "" && strings.TrimSpace(v) != "" {
			opts[target] = v
		}
	}
	for k, v := range callback {
		if strings.HasPrefix(k, "_throttle_") || k == OptEnableInQueueChecking || k == OptMaxQueuedCallbacksPerService {
			set(k, v)
		}
	}
	set(OptMaxQueuedCallbacksPerService, callback[KeyMaxQueuedCallbacksPerService])
}

// validateConfigured checks every configured value that holds no $token$
// (those are checked per request, once substituted).
func validateConfigured(service string, opts map[string]string) *gmserr.Error {
	for _, k := range sortedKeys(opts) {
		if k == OptType || k == OptService || token.MatchString(opts[k]) {
			continue
		}
		if err := validateOption(service, k, opts[k], nil); err != nil {
			return err
		}
	}
	return nil
}

// CallbackService resolves a {callback-execution-name} per SPEC §0: unknown ->
// 50020 "Service undefined: NAME"; _type absent = ors, _service absent =
// callback; other values -> the SPEC texts; else s.Err if set.
func (c *Config) CallbackService(name string) (*Service, *gmserr.Error) {
	s, ok := c.Services[name]
	if !ok {
		return nil, configErr(name, "Service undefined: %s", name)
	}
	if s.Err != nil {
		return nil, s.Err
	}
	return s, nil
}

// CallbackServices lists the names of all usable callback services, sorted.
func (c *Config) CallbackServices() []string {
	var names []string
	for name, s := range c.Services {
		if s.Err == nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// configErr builds a 50020 BAD_CONFIGURATION envelope about service.
func configErr(service, format string, args ...any) *gmserr.Error {
	return gmserr.New(gmserr.BadConfiguration, format, args...).With("service", service)
}

// validateOption checks one option value with its table validator. from
// names the request parameters the value came from (nil = the
// configuration's value): an invalid one is 40010 "Invalid {option}:
// {value}", with " (from parameter {tok})" when a $tok$ brought it. An
// invalid configured value is C3 for _request_queue_time_stat, "Option
// {option} is invalid: {value}" otherwise.
func validateOption(service, name, value string, from []string) *gmserr.Error {
	o, ok := Lookup(name)
	if !ok || o.Validate == nil {
		return nil
	}
	if o.Validate(value) == nil {
		return nil
	}
	switch {
	case len(from) == 1 && from[0] == name:
		return gmserr.New(gmserr.BadParameter, "Invalid %s: %s", name, value).With("option", name)
	case len(from) > 0:
		return gmserr.New(gmserr.BadParameter, "Invalid %s: %s (from parameter %s)", name, value, strings.Join(from, ",")).
			With("option", name)
	case name == OptRequestQueueTimeStat:
		return configErr(service, "Unable to parse option: %s=%s", name, value)
	}
	return configErr(service, "Option %s is invalid: %s", name, value)
}
