package config

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/ini.v1"
)

// Section names and keys of the INI file outside [service.NAME] sections.
const (
	// SectionCallback holds the application-level options and the inherited defaults.
	SectionCallback = "callback"
	// SectionORS holds the default ORS base URL under KeyURL.
	SectionORS = "ors"
	// SectionStat holds the statistics endpoint under KeyURL.
	SectionStat = "stat"
	// SectionAdminUsers maps admin user names to bcrypt hashes.
	SectionAdminUsers = "admin-users"
	// SectionChat holds the chat options checked when _media_type=chat.
	SectionChat = "chat"
	// ServicePrefix starts the name of every service section: [service.NAME].
	ServicePrefix = "service."

	// KeyURL is the url key of [ors] and [stat].
	KeyURL = "url"
	// KeyReturnedKeys is [callback] returned-keys: extra keys of Q4/Q7 records.
	KeyReturnedKeys = "returned-keys"
	// KeyFilterKeys is [callback] filter-keys: Q7 filters.
	KeyFilterKeys = "filter-keys"
	// KeyMaxQueuedCallbacksPerService is the [callback] form of OptMaxQueuedCallbacksPerService.
	KeyMaxQueuedCallbacksPerService = "max_queued_callbacks_per_service"
	// KeyDefaultChatEndpoint is [chat] default_chat_endpoint.
	KeyDefaultChatEndpoint = "default_chat_endpoint"
	// KeyClientTimeout is [chat] _client_timeout.
	KeyClientTimeout = "_client_timeout"

	// DefaultReturnedKeys is the seed default of returned-keys (with its duplicate).
	DefaultReturnedKeys = "_desired_time,_callback_state,_callback_state,_callback_reason,_ors_session_id"
	// DefaultFilterKeys is the seed default of filter-keys.
	DefaultFilterKeys = "_callback_state,_callback_reason,_request_queue_time_stat,_request_ewt_service,_vq"
)

// Config is one parsed INI file.
type Config struct {
	// ReturnedKeys is [callback] returned-keys, deduplicated (default DefaultReturnedKeys).
	ReturnedKeys []string
	// FilterKeys is [callback] filter-keys, deduplicated (default DefaultFilterKeys).
	FilterKeys []string
	// CallbackSection is every key of [callback], raw.
	CallbackSection map[string]string
	// ORSURL is [ors] url, the default of _ors.
	ORSURL string
	// StatURL is [stat] url, the statistics endpoint ("" = none).
	StatURL string
	// AdminUsers maps each [admin-users] user to its bcrypt hash (never token-substituted).
	AdminUsers map[string]string
	// Services holds every [service.NAME] section, by NAME, usable or not.
	Services map[string]*Service
	// Sections holds every other section (not callback, ors, stat, admin-users
	// or service.*) raw, by section name.
	Sections map[string]map[string]string
}

// loadOptions are the INI dialect: '=' only, no inline comments (values hold
// ';' and '#'), no %(key)s expansion (values are read raw).
var loadOptions = ini.LoadOptions{
	IgnoreInlineComment: true,
	KeyValueDelimiters:  "=",
}

// Load reads and parses the INI file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	return c, nil
}

// Parse parses an INI file. A syntactically broken file is an error; a broken
// service is not: it keeps its error in Service.Err.
func Parse(data []byte) (*Config, error) {
	f, err := ini.LoadSources(loadOptions, data)
	if err != nil {
		return nil, fmt.Errorf("config: parse: %w", err)
	}
	c := &Config{
		CallbackSection: map[string]string{},
		AdminUsers:      map[string]string{},
		Services:        map[string]*Service{},
		Sections:        map[string]map[string]string{},
	}
	raw := map[string]map[string]string{}
	for _, sec := range f.Sections() {
		keys := sec.Keys()
		if sec.Name() == ini.DefaultSection && len(keys) == 0 {
			continue
		}
		m := make(map[string]string, len(keys))
		for _, k := range keys {
			m[k.Name()] = k.Value() // Value: raw, never %(key)s-expanded
		}
		raw[sec.Name()] = m
	}
	if m, ok := raw[SectionCallback]; ok {
		c.CallbackSection = m
	}
	c.ReturnedKeys = SplitList(valueOr(c.CallbackSection, KeyReturnedKeys, DefaultReturnedKeys))
	c.FilterKeys = SplitList(valueOr(c.CallbackSection, KeyFilterKeys, DefaultFilterKeys))
	c.ORSURL = raw[SectionORS][KeyURL]
	c.StatURL = raw[SectionStat][KeyURL]
	if m, ok := raw[SectionAdminUsers]; ok {
		c.AdminUsers = m
	}
	for name, m := range raw {
		switch {
		case name == SectionCallback || name == SectionORS || name == SectionStat || name == SectionAdminUsers:
		case strings.HasPrefix(name, ServicePrefix) && len(name) > len(ServicePrefix):
			svc := strings.TrimPrefix(name, ServicePrefix)
			c.Services[svc] = newService(svc, m, c.CallbackSection)
		default:
			c.Sections[name] = m
		}
	}
	return c, nil
}

// valueOr returns m[key] when the key is present, else def.
func valueOr(m map[string]string, key, def string) string {
	if v, ok := m[key]; ok {
		return v
	}
	return def
}
