package config

import "strings"

// pausedAll is the key of a paused-services list that pauses every service.
const pausedAll = "all"

// ServicePaused reports whether the callback service named name is paused
// (an unknown name is not).
func (c *Config) ServicePaused(name string) bool { return c.Paused(c.Services[name]) }

// Paused reports whether callback service svc is paused: its
// `_paused_services_list` names a section (`[NAME]` or `[service.NAME]`)
// where the service's name, its `_paused_services_id`, or `all` is true.
func (c *Config) Paused(svc *Service) bool {
	if svc == nil {
		return false
	}
	list := strings.TrimSpace(svc.Options[OptPausedServicesList])
	if list == "" {
		return false
	}
	keys := c.Sections[list]
	if keys == nil {
		if s, ok := c.Services[list]; ok {
			keys = s.Options
		}
	}
	for _, k := range []string{svc.Name, strings.TrimSpace(svc.Options[OptPausedServicesID]), pausedAll} {
		if k != "" && strings.EqualFold(strings.TrimSpace(keys[k]), "true") {
			return true
		}
	}
	return false
}

// PausedServices lists the callback services that are paused.
func (c *Config) PausedServices() map[string]bool {
	out := map[string]bool{}
	for _, name := range c.CallbackServices() {
		out[name] = c.ServicePaused(name)
	}
	return out
}
