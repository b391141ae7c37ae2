// Package resolve turns a callback service's configuration into the
// settings its workflow runs with (contract.Settings), in one place for the
// API (at admission) and the worker (when the callback falls due, so that a
// configuration change takes effect on callbacks booked before it).
package resolve

import (
	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/gmserr"
)

// IsOption tells whether k is an option of svc: one the reference lists or
// the service configures, but not one of the record's own fields nor a
// secret (config.Secret: never shown, matched, stored or sent to ORS).
func IsOption(svc *config.Service, k string) bool {
	_, known := config.Lookup(k)
	_, configured := svc.Options[k]
	return (known || configured) && !callback.Fields[k] && !config.Secret(k)
}

// Options are the effective values of svc's options for one callback
// (eff: config.Effective of its properties): what ORS receives over the
// properties, the configured value where `_overwritable_options` does not
// let the request's win.
func Options(svc *config.Service, eff config.Effective) map[string]string {
	out := make(map[string]string, len(eff))
	for k, v := range eff {
		if IsOption(svc, k) {
			out[k] = v
		}
	}
	return out
}

// Settings are the settings of a callback of svc with effective options
// eff; callbackURL is where ORS reports its states.
func Settings(svc *config.Service, eff config.Effective, callbackURL string) contract.Settings {
	return contract.Settings{
		ORSURL:            eff.String(config.OptORS),
		AppURL:            eff.String(config.OptAppURL),
		CallbackURL:       callbackURL,
		MaxSubmitAttempts: eff.Int(config.OptMaxORSSubmitAttempts),
		ExecutionBuffer:   eff.Seconds(config.OptRequestExecutionTimeBuffer),
		QueueTimeStat:     eff.String(config.OptRequestQueueTimeStat),
		MandatoryKeys:     eff.List(config.OptMandatoryCustomerLookupKeys),
		Options:           Options(svc, eff),
	}
}

// Effective are the service's section and effective options under cfg for
// a callback with properties props.
func Effective(cfg *config.Config, service string, props map[string]string) (*config.Service, config.Effective, *gmserr.Error) {
	svc, e := cfg.CallbackService(service)
	if e != nil {
		return nil, nil, e
	}
	eff, e := cfg.Effective(svc, props)
	return svc, eff, e
}

// Now resolves the settings of a callback of service with properties
// props under cfg (the callback URL left empty: it does not change).
func Now(cfg *config.Config, service string, props map[string]string) (contract.Settings, *gmserr.Error) {
	svc, eff, e := Effective(cfg, service, props)
	if e != nil {
		return contract.Settings{}, e
	}
	return Settings(svc, eff, ""), nil
}
