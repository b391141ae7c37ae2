package config

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"weak"

	"github.com/opengms/callback/capacity"
	"github.com/opengms/callback/gmserr"
)

// Capacity returns the capacity grid a callback service uses: nil when it sets
// no _capacity_service (then _max_request_by_time_bucket applies); 50020
// "Option _capacity_service is invalid: {message}" (.With("service", svc.Name))
// when that names no [service.X] with _type = builtin and _service = capacity,
// or when its options do not parse (capacity.Parse).
//
// The value is read from the service's configured options (trimmed). Each
// capacity section is parsed once, on first use, and the result is shared by
// every later call and every concurrent reader (Config is read-only after
// Parse).
func (c *Config) Capacity(svc *Service) (*capacity.Grid, *gmserr.Error) {
	if svc == nil {
		return nil, nil
	}
	name := strings.TrimSpace(svc.Options[OptCapacityService])
	if name == "" {
		return nil, nil
	}
	invalid := func(format string, args ...any) *gmserr.Error {
		return configErr(svc.Name, "Option %s is invalid: %s", OptCapacityService, fmt.Sprintf(format, args...))
	}
	cs, ok := c.Services[name]
	switch {
	case !ok:
		return nil, invalid("Service undefined: %s", name)
	case cs.Type() != TypeBuiltin:
		return nil, invalid("Service %s has option _type != %s", name, TypeBuiltin)
	case cs.Kind() != ServiceCapacity:
		return nil, invalid("Service %s has option _service != %s", name, ServiceCapacity)
	}
	grid, err := parsedCapacity(cs)
	if err != nil {
		return nil, invalid("Service %s: %v", name, err)
	}
	return grid, nil
}

// capacityEntry is the parse result of one capacity section, computed once.
type capacityEntry struct {
	once sync.Once
	grid *capacity.Grid
	err  error
}

// capacityCache maps a capacity section (weak.Pointer[Service]) to its
// *capacityEntry. Entries go away with their Service, so configurations that
// are reloaded or dropped (tests) leave nothing behind.
var capacityCache sync.Map

// parsedCapacity parses the options of capacity section s on first use and
// returns that same result ever after.
func parsedCapacity(s *Service) (*capacity.Grid, error) {
	key := weak.Make(s)
	v, ok := capacityCache.Load(key)
	if !ok {
		var loaded bool
		if v, loaded = capacityCache.LoadOrStore(key, &capacityEntry{}); !loaded {
			runtime.AddCleanup(s, func(k weak.Pointer[Service]) { capacityCache.Delete(k) }, key)
		}
	}
	e := v.(*capacityEntry)
	e.once.Do(func() { e.grid, e.err = capacity.Parse(s.Options) })
	return e.grid, e.err
}
