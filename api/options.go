package api

import (
	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/resolve"
)

// optionValues are the effective values of the service's options for one
// request (resolve.Options): a request's value only where the override
// rule lets it through (SPEC §4). ORS receives them over the callback's
// properties, and the record keeps them in place of a request's value.
func optionValues(r *serviceRules) map[string]string { return resolve.Options(r.svc, r.opts) }

// effectiveProperties are the request's parameters a callback keeps (all
// but those its record holds in its own fields), an option's value being
// the effective one: a request that sends `_target` to a service that
// configures it, not overwritable, keeps the configured value.
func effectiveProperties(p, options map[string]string) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		if callback.Fields[k] {
			continue
		}
		if o, ok := options[k]; ok {
			v = o
		}
		out[k] = v
	}
	return out
}
