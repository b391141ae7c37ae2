package config

import (
	"regexp"
	"slices"
	"strings"

	"github.com/opengms/callback/gmserr"
)

// token matches a $tok$ variable in a service option value.
var token = regexp.MustCompile(`\$([^$\s]+)\$`)

// requestNeverSets lists the options a request never sets, overwritable or
// not: the section's identity, and the list that decides what is overwritable.
var requestNeverSets = map[string]bool{OptType: true, OptService: true, OptOverwritableOptions: true}

// Substitute replaces each $tok$ of v by params["tok"] when that parameter is
// present (even empty); an absent one leaves the literal in place.
func Substitute(v string, params map[string]string) string {
	if !strings.Contains(v, "$") {
		return v
	}
	return token.ReplaceAllStringFunc(v, func(m string) string {
		if p, ok := params[m[1:len(m)-1]]; ok {
			return p
		}
		return m
	})
}

// Effective computes the option set of service s for one request (SPEC §4
// override rule and tokens):
//
//  1. every Option's non-empty default;
//  2. the service's values (configured and inherited), each $tok$ replaced by
//     params["tok"] when present;
//  3. every request parameter whose name starts with "_": used when the
//     service does not set that option, or when the option is listed in the
//     service's _overwritable_options (never _type, _service, _overwritable_options);
//  4. _ors falls back to [ors] url when still empty.
//
// The result is validated: an invalid value answers 50020 "Option {option} is
// invalid: {value}" (C3 for _request_queue_time_stat); then the cross-option
// checks C1/C2 (_default_country empty while a phone check is on) and C4/C5
// (_media_type=chat without [chat] default_chat_endpoint / _client_timeout).
// An unusable service answers its own error.
func (c *Config) Effective(s *Service, params map[string]string) (Effective, *gmserr.Error) {
	if s == nil {
		return nil, configErr("", "Service undefined: %s", "")
	}
	if s.Err != nil {
		return nil, s.Err
	}
	e := Effective{}
	for _, o := range Options {
		if o.Default != "" {
			e[o.Name] = o.Default
		}
	}
	for k, v := range s.Options {
		e[k] = Substitute(v, params)
	}
	overwritable := SplitList(e[OptOverwritableOptions])
	for k, v := range params {
		if !strings.HasPrefix(k, "_") || requestNeverSets[k] {
			continue
		}
		if _, configured := s.Options[k]; !configured || slices.Contains(overwritable, k) {
			e[k] = v
		}
	}
	if strings.TrimSpace(e[OptORS]) == "" && c.ORSURL != "" {
		e[OptORS] = c.ORSURL
	}
	for _, k := range sortedKeys(e) {
		if k == OptType || k == OptService {
			continue
		}
		if err := validateOption(s.Name, k, e[k]); err != nil {
			return nil, err
		}
	}
	if err := c.crossCheck(s.Name, e); err != nil {
		return nil, err
	}
	return e, nil
}

// crossCheck applies the 50020 checks that involve several options: C1, C2, C4, C5.
func (c *Config) crossCheck(service string, e Effective) *gmserr.Error {
	if strings.TrimSpace(e[OptDefaultCountry]) == "" {
		for _, check := range []string{OptDisallowImpossiblePhoneNumbers, OptDisallowPremiumPhoneNumbers} {
			if e.Bool(check) {
				return configErr(service, "Service option %s / %s is not configured. But option %s is set."+
					" We cannot validate phone numbers without knowing the country.", service, OptDefaultCountry, check)
			}
		}
	}
	if strings.EqualFold(strings.TrimSpace(e[OptMediaType]), "chat") {
		chat := c.Sections[SectionChat]
		if strings.TrimSpace(chat[KeyDefaultChatEndpoint]) == "" {
			return configErr(service, "Missing %s option in chat section because this service has parameter %s=chat",
				KeyDefaultChatEndpoint, OptMediaType)
		}
		if strings.TrimSpace(chat[KeyClientTimeout]) == "" {
			return configErr(service, "Missing default %s option in chat section because this service has parameter %s=chat",
				KeyClientTimeout, OptMediaType)
		}
	}
	return nil
}
