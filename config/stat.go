package config

import (
	"fmt"
	"strings"
)

// Stat is a parsed _request_queue_time_stat: Name;ObjectType;Object;Tenant,
// e.g. ExpectedWaitTime;Queue;8999@SIP_Server;Environment.
type Stat struct {
	Name       string // statistic name, e.g. ExpectedWaitTime
	ObjectType string // object type, e.g. Queue
	Object     string // object id, e.g. 8999@SIP_Server
	Tenant     string // tenant, e.g. Environment
}

// ParseStat parses a statistic of exactly four non-empty ';'-separated fields.
func ParseStat(v string) (Stat, error) {
	f := strings.Split(v, ";")
	if len(f) != 4 {
		return Stat{}, fmt.Errorf("statistic %q has %d fields, want 4", v, len(f))
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
		if f[i] == "" {
			return Stat{}, fmt.Errorf("statistic %q has an empty field", v)
		}
	}
	return Stat{Name: f[0], ObjectType: f[1], Object: f[2], Tenant: f[3]}, nil
}
