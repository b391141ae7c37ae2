package api

import (
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/resolve"
)

// lookup is Q4: GET /genesys/1/service/callback[/{name}]?k=v…
func (s *Server) lookup(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	name := ps.ByName("name")
	f, e := s.lookupFilter(name, r)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	recs, err := s.Store.Lookup(r.Context(), f, s.now())
	if err != nil {
		s.writeError(w, r, unavailable("read model", err))
		return
	}
	out := make([]map[string]string, 0, len(recs))
	for i := range recs {
		out = append(out, s.record(&recs[i], true))
	}
	writeJSON(w, http.StatusOK, out)
}

// lookupFilter parses Q4's query string.
func (s *Server) lookupFilter(name string, r *http.Request) (queries.Filter, *gmserr.Error) {
	f := queries.Filter{Service: name}
	allowed, e := s.lookupKeys(name)
	if e != nil {
		return f, e
	}
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var unknown []string
	for _, k := range keys {
		v := q.Get(k)
		switch k {
		case "operand":
			switch strings.ToUpper(v) {
			case "AND":
			case "OR":
				f.Or = true
			default:
				return f, badParameter("Invalid operand %q: expected AND or OR", v)
			}
		case callback.KeyState:
			st, ok := callback.ParseState(strings.TrimPrefix(v, "!"))
			if !ok {
				return f, gmserr.New(gmserr.InvalidOperation, "Cannot process 'filter' parameter correctly : %s=%s", k, v).With("filter", k+"="+v)
			}
			f.State, f.NotState = st, strings.HasPrefix(v, "!")
		case callback.KeyDesiredTimeFrom, callback.KeyDesiredTimeTo:
			t, err := callback.ParseTime(v)
			if err != nil {
				return f, badParameter("Invalid %s: %v", k, err)
			}
			if k == callback.KeyDesiredTimeFrom {
				f.From = t
			} else {
				f.To = t
			}
		default:
			if k != callback.KeyID && !allowed[k] {
				unknown = append(unknown, k+"="+v)
				continue
			}
			f.Matches = append(f.Matches, queries.Match{Key: k, Value: v})
		}
	}
	if len(unknown) > 0 {
		props := "{" + strings.Join(unknown, ", ") + "}"
		return f, badParameter("No such lookup possible for %s", props).With("properties", props)
	}
	if len(f.Matches) == 0 {
		return f, badParameter("No lookup possible. No properties to look for.")
	}
	return f, nil
}

// optionsNow are the option values of rec's service in force now for rec
// (its properties carry the request's values); none when the service is
// gone or broken.
func (s *Server) optionsNow(rec *callback.Record) map[string]string {
	svc, eff, e := resolve.Effective(s.Config(), rec.Service, rec.Properties)
	if e != nil {
		return map[string]string{}
	}
	return resolve.Options(svc, eff)
}

// lookupKeys are the keys a lookup may use: `_customer_lookup_keys` of the
// service, or of any callback service when none is named.
func (s *Server) lookupKeys(name string) (map[string]bool, *gmserr.Error) {
	cfg := s.Config()
	names := cfg.CallbackServices()
	if name != "" {
		names = []string{name}
	}
	out := map[string]bool{}
	for _, n := range names {
		svc, e := cfg.CallbackService(n)
		if e != nil {
			return nil, e
		}
		opts, e := cfg.Effective(svc, nil)
		if e != nil {
			if name != "" {
				return nil, e
			}
			continue // a broken service never blocks the others
		}
		for _, k := range opts.List(config.OptCustomerLookupKeys) {
			out[k] = true
		}
	}
	return out, nil
}

// record renders a callback as Q4/Q7 show it (SPEC §5): the always-returned
// keys, the service's lookup keys and the application's returned-keys;
// absent values are omitted. A returned key the callback's properties lack
// but its service configures as an option (`_vq`, `_request_ewt_service`,
// …) shows the value in force now.
func (s *Server) record(rec *callback.Record, aliases bool) map[string]string {
	all := rec.AllProperties()
	url := callback.URLPath(rec.Service, rec.ID)
	out := map[string]string{callback.KeyURL: url, "url": url}
	keep := []string{callback.KeyID, callback.KeyDesiredTime, callback.KeyServiceName, callback.KeyState,
		callback.KeyExpirationTime, callback.KeyCustomerNumber, callback.KeyReason}
	keep = append(keep, rec.LookupKeys...)
	for _, k := range slices.Compact(keep) {
		if v, ok := all[k]; ok && v != "" {
			out[k] = v
		}
	}
	var options map[string]string // the service's options in force, read once
	for _, k := range s.Config().ReturnedKeys {
		v := all[k]
		if v == "" {
			if options == nil {
				options = s.optionsNow(rec)
			}
			v = options[k]
		}
		if v != "" {
			out[k] = v
		}
	}
	if aliases {
		out["desired_time"] = out[callback.KeyDesiredTime]
	}
	return out
}
