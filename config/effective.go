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
// not: the section's identity, the list that decides what is overwritable,
// and what decides where and how the service's webhooks go.
var requestNeverSets = map[string]bool{OptType: true, OptService: true, OptOverwritableOptions: true,
	OptNotificationURLPattern: true, OptNotificationSecret: true}

// Secret tells whether option name is a secret: never shown to clients,
// stored with a callback or sent to ORS.
func Secret(name string) bool { return name == OptNotificationSecret }

// quotedEmpty is how the vendor reference writes an empty request value:
// `?_redirect=""` disables the redirect.
const quotedEmpty = `""`

// Substitute replaces each $tok$ of v by params["tok"] when that parameter is
// present (even empty); an absent one leaves the literal in place.
func Substitute(v string, params map[string]string) string {
	v, _ = substitute(v, params)
	return v
}

// substitute is Substitute, also returning the parameters it took values
// from, in order of appearance (nil when none).
func substitute(v string, params map[string]string) (string, []string) {
	if !strings.Contains(v, "$") {
		return v, nil
	}
	var from []string
	out := token.ReplaceAllStringFunc(v, func(m string) string {
		name := m[1 : len(m)-1]
		p, ok := params[name]
		if !ok {
			return m
		}
		if !slices.Contains(from, name) {
			from = append(from, name)
		}
		return p
	})
	return out, from
}

// requestValue is a request parameter's value as an option value: `""`
// (surrounding blanks aside) is the empty value.
func requestValue(v string) string {
	if strings.TrimSpace(v) == quotedEmpty {
		return ""
	}
	return v
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
//     A request value `""` is the empty value (`?_redirect=""` disables the
//     redirect where _redirect is overwritable);
//  4. _ors falls back to [ors] url when still empty.
//
// The result is validated. An invalid value the request supplied is the
// client's fault: 400 40010 "Invalid {option}: {value}" (property option),
// whether it is the request's own `_xxx` or a configured value whose
// $tok$ a request parameter replaced (then "... (from parameter {tok})":
// the configuration only says where the value goes, the request chose it).
// Any other invalid value is the configuration's: 50020 "Option {option}
// is invalid: {value}" (C3 for _request_queue_time_stat), a $tok$ left
// literal for want of its parameter included. Then the cross-option checks
// C1/C2 (_default_country empty while a phone check is on) and C4/C5
// (_media_type=chat without [chat] default_chat_endpoint / _client_timeout)
// answer 50020 whatever set the options. An unusable service answers its
// own error.
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
	requested := map[string][]string{} // option -> the request parameters its value came from
	for k, v := range s.Options {
		var from []string
		if e[k], from = substitute(v, params); from != nil {
			requested[k] = from
		}
	}
	overwritable := SplitList(e[OptOverwritableOptions])
	for k, v := range params {
		if !strings.HasPrefix(k, "_") || requestNeverSets[k] {
			continue
		}
		if _, configured := s.Options[k]; !configured || slices.Contains(overwritable, k) {
			e[k] = requestValue(v)
			requested[k] = []string{k}
		}
	}
	if strings.TrimSpace(e[OptORS]) == "" && c.ORSURL != "" {
		e[OptORS] = c.ORSURL
	}
	for _, k := range sortedKeys(e) {
		if k == OptType || k == OptService {
			continue
		}
		if err := validateOption(s.Name, k, e[k], requested[k]); err != nil {
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
