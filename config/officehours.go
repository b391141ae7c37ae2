package config

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"weak"

	"github.com/opengms/callback/calendar"
	"github.com/opengms/callback/gmserr"
)

// OfficeHours returns the office hours a callback service uses: nil (always open) when it sets no
// _business_hours_service; 50020 C7 "Option _business_hours_service is invalid: {message}" when that
// names no [service.X] with _type = builtin and _service = office-hours, or when its options do not parse.
//
// The value is read from the service's configured options (trimmed). Each
// office-hours section is parsed once, on first use, and the result is shared
// by every later call and every concurrent reader (Config is read-only after
// Parse).
func (c *Config) OfficeHours(svc *Service) (*calendar.OfficeHours, *gmserr.Error) {
	if svc == nil {
		return nil, nil
	}
	name := strings.TrimSpace(svc.Options[OptBusinessHoursService])
	if name == "" {
		return nil, nil
	}
	invalid := func(format string, args ...any) *gmserr.Error {
		return configErr(svc.Name, "Option %s is invalid: %s", OptBusinessHoursService, fmt.Sprintf(format, args...))
	}
	oh, ok := c.Services[name]
	switch {
	case !ok:
		return nil, invalid("Service undefined: %s", name)
	case oh.Type() != TypeBuiltin:
		return nil, invalid("Service %s has option _type != %s", name, TypeBuiltin)
	case oh.Kind() != ServiceOfficeHours:
		return nil, invalid("Service %s has option _service != %s", name, ServiceOfficeHours)
	}
	hours, err := parsedOfficeHours(oh)
	if err != nil {
		return nil, invalid("Service %s: %v", name, err)
	}
	return hours, nil
}

// officeHoursEntry is the parse result of one office-hours section, computed once.
type officeHoursEntry struct {
	once  sync.Once
	hours *calendar.OfficeHours
	err   error
}

// officeHoursCache maps an office-hours section (weak.Pointer[Service]) to
// its *officeHoursEntry. Entries go away with their Service, so configurations
// that are reloaded or dropped (tests) leave nothing behind.
var officeHoursCache sync.Map

// parsedOfficeHours parses the options of office-hours section s on first
// use and returns that same result ever after.
func parsedOfficeHours(s *Service) (*calendar.OfficeHours, error) {
	key := weak.Make(s)
	v, ok := officeHoursCache.Load(key)
	if !ok {
		var loaded bool
		if v, loaded = officeHoursCache.LoadOrStore(key, &officeHoursEntry{}); !loaded {
			runtime.AddCleanup(s, func(k weak.Pointer[Service]) { officeHoursCache.Delete(k) }, key)
		}
	}
	e := v.(*officeHoursEntry)
	e.once.Do(func() { e.hours, e.err = calendar.Parse(s.Options) })
	return e.hours, e.err
}
