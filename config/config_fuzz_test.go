package config

import (
	"net/url"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/opengms/callback/gmserr"
)

// isParamErr reports whether e is a BAD_PARAMETER (40010) envelope naming
// an option.
func isParamErr(e *gmserr.Error) bool {
	return e != nil && e.Code == gmserr.BadParameter.Code && e.Status == gmserr.BadParameter.Status &&
		e.Phrase == gmserr.BadParameter.Phrase && e.Message != "" && e.Properties["option"] != ""
}

// isConfigErr reports whether e is a BAD_CONFIGURATION (50020) envelope.
func isConfigErr(e *gmserr.Error) bool {
	return e != nil && e.Code == gmserr.BadConfiguration.Code && e.Status == gmserr.BadConfiguration.Status &&
		e.Phrase == gmserr.BadConfiguration.Phrase && e.Message != ""
}

// FuzzParse: arbitrary INI bytes never panic Parse; for every service of a
// parsed file, resolving it, computing its effective options for fuzzed
// request parameters, reading them, and resolving its office hours and
// capacity never panic, and every error is a 50020 envelope (or a 40010 one
// for a value a request supplied).
func FuzzParse(f *testing.F) {
	if shipped, err := os.ReadFile("gms.ini"); err == nil {
		f.Add(shipped, "_customer_number=5115&usr_name=Bob")
	}
	for _, seed := range []struct{ ini, query string }{
		{"[service.cb]\n_app_url = callback.scxml\n_vq = VQ_$vq$\n", "vq=sales&_urs_queued_ttl=10"},
		{"[service.cb]\n_overwritable_options = _request_time_bucket\n_request_time_bucket = 5\n", "_request_time_bucket=7"},
		{"[service.h]\n_type = builtin\n_service = office-hours\n_timezone = Europe/Paris\n_bh_regular1 = Sat-Mon 19:00-07:00\n_bh_add1 = 12-24 09:00-12:00\n_bh_date1 = 2026-12-25\n" +
			"[service.cb]\n_business_hours_service = h\n", ""},
		{"[service.g]\n_type = builtin\n_service = capacity\n_timezone = UTC\n_capacity = [Mon]\n_capacity_1 = {\"1\":{\"0900\":1}}\n[service.cb]\n_capacity_service = g\n", ""},
		{"[callback]\n_throttle_callbacks_per_service_1 = 5\n_throttle_ttl_1 = 60\nmax_queued_callbacks_per_service = 3\n[service.cb]\n_media_type = chat\n", "_media_type=voice"},
		{"[service.x]\n_type = chat\n[service.y]\n_service = office-hours\n[service.z]\n_default_country =\n_disallow_impossible_phone_numbers = true\n", ""},
		{"[service.cb]\n_exceptions = 555.*,(\n_request_queue_time_stat = a;b\n_reject_future_desired_time = 3M\n", "_exceptions=[a-"},
		{"[admin-users]\nadmin = $2a$10$abc\n[ors]\nurl = http://127.0.0.1:1\n[stat]\nurl = ::\n", ""},
		{"a = b\n[", ""},
		{"", ""},
	} {
		f.Add([]byte(seed.ini), seed.query)
	}
	f.Fuzz(func(t *testing.T, data []byte, query string) {
		c, err := Parse(data)
		if err != nil {
			if c != nil {
				t.Fatalf("Parse failed (%v) but returned a config", err)
			}
			return
		}
		params := map[string]string{}
		if q, err := url.ParseQuery(query); err == nil {
			for k, vs := range q {
				params[k] = vs[0]
			}
		}
		usable := map[string]bool{}
		for _, name := range c.CallbackServices() {
			usable[name] = true
		}
		names := make([]string, 0, len(c.Services))
		for name := range c.Services {
			names = append(names, name)
		}
		sort.Strings(names)
		now := time.Date(2026, 3, 8, 6, 30, 0, 0, time.UTC)
		for _, name := range names {
			svc := c.Services[name]
			if got, e := c.CallbackService(name); (e == nil) != usable[name] || e != nil && (!isConfigErr(e) || got != nil) {
				t.Fatalf("CallbackService(%q) = %v, %v (usable %v)", name, got, e, usable[name])
			}
			if svc.Err != nil && !isConfigErr(svc.Err) {
				t.Fatalf("service %q: Err is not a 50020 envelope: %#v", name, svc.Err)
			}
			_ = c.Paused(svc)
			if _, e := c.OfficeHours(svc); e != nil && !isConfigErr(e) {
				t.Fatalf("OfficeHours(%q): not a 50020 envelope: %#v", name, e)
			} else if e == nil {
				if oh, _ := c.OfficeHours(svc); oh != nil {
					_ = oh.IsOpen(now)
					_ = oh.OpenDuring(now, now.Add(time.Hour))
				}
			}
			if _, e := c.Capacity(svc); e != nil && !isConfigErr(e) {
				t.Fatalf("Capacity(%q): not a 50020 envelope: %#v", name, e)
			}
			for _, p := range []map[string]string{nil, params} {
				e, gerr := c.Effective(svc, p)
				if gerr != nil {
					if !(isConfigErr(gerr) || p != nil && isParamErr(gerr)) || e != nil {
						t.Fatalf("Effective(%q, %v) = %v, %#v: want a 50020 (or for a request's value 40010) envelope", name, p, e, gerr)
					}
					continue
				}
				if svc.Err != nil {
					t.Fatalf("Effective(%q) succeeded for a broken service (%v)", name, svc.Err)
				}
				for k := range e {
					_ = e.Int(k)
					_ = e.Bool(k)
					_ = e.Seconds(k)
					_ = e.List(k)
					_ = e.Span(k).After(now)
					_ = e.Span(k).Before(now)
				}
				_ = e.InQueueLimit()
				_ = e.ThrottleParameterLimit()
				_ = e.IntervalThrottles()
				if m := e.Mandatory(); m != nil && m.Code != gmserr.BadParameter.Code {
					t.Fatalf("Mandatory(%q) = %#v", name, m)
				}
				for _, pat := range e.List(OptExceptions) {
					if _, err := CompilePattern(pat); err != nil {
						t.Fatalf("Effective(%q) accepted _exceptions %q that does not compile: %v", name, e[OptExceptions], err)
					}
				}
			}
		}
		for _, v := range c.CallbackSection {
			_ = Substitute(v, params)
		}
	})
}
