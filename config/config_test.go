package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opengms/callback/gmserr"
	"github.com/stretchr/testify/require"
)

// mustParse parses an INI text or fails the test.
func mustParse(t *testing.T, text string) *Config {
	t.Helper()
	c, err := Parse([]byte(text))
	require.NoError(t, err)
	return c
}

func TestLoadShippedFile(t *testing.T) {
	c, err := Load("gms.ini")
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:8090", c.ORSURL)
	require.Equal(t, "http://127.0.0.1:8090", c.StatURL)
	require.Equal(t, []string{"callback-immediate", "callback-office", "callback-test"}, c.CallbackServices())
	require.Equal(t, []string{"_desired_time", "_callback_state", "_callback_reason", "_ors_session_id"}, c.ReturnedKeys)
	require.Contains(t, c.FilterKeys, "_vq")
	require.Regexp(t, `^\$2[aby]\$10\$.{53}$`, c.AdminUsers["admin"])

	oh := c.Services["office-hours"]
	require.NotNil(t, oh)
	require.Equal(t, TypeBuiltin, oh.Type())
	require.Equal(t, ServiceOfficeHours, oh.Kind())
	require.Equal(t, "America/New_York", oh.Options["_timezone"])
	require.Equal(t, "Mon-Fri 08:00-20:00", oh.Options["_bh_regular1"])
	require.Equal(t, "Sat 09:00-13:00", oh.Options["_bh_regular2"])

	s, gerr := c.CallbackService("callback-test")
	require.Nil(t, gerr)
	e, gerr := c.Effective(s, map[string]string{"my_token": "Stat_Server1", "_customer_number": "5115"})
	require.Nil(t, gerr)
	require.Equal(t, "Billing@Stat_Server1.GA", e.String(OptTarget))
	require.Equal(t, "http://127.0.0.1:8090", e.String(OptORS))
	require.Equal(t, "callback.scxml", e.String(OptAppURL))
	require.Equal(t, 3, e.Int(OptMaxORSSubmitAttempts))
	require.False(t, e.Bool(OptDisallowImpossiblePhoneNumbers))
	require.Equal(t, []string{"_ors", "_target"}, e.List(OptOverwritableOptions))
	require.Empty(t, e.String(OptBusinessHoursService))

	s, gerr = c.CallbackService("callback-immediate")
	require.Nil(t, gerr)
	e, gerr = c.Effective(s, nil)
	require.Nil(t, gerr)
	st, err := ParseStat(e.String(OptRequestQueueTimeStat))
	require.NoError(t, err)
	require.Equal(t, Stat{"ExpectedWaitTime", "Queue", "8999@SIP_Server", "Environment"}, st)
	require.True(t, e.Bool(OptDisallowImpossiblePhoneNumbers))
}

func TestLoadErrors(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing.ini"))
	require.ErrorIs(t, err, os.ErrNotExist)

	for name, text := range map[string]string{
		"unclosed section": "[callback\nreturned-keys = a\n",
		"no delimiter":     "[callback]\nthis line has no delimiter\n",
		"colon delimiter":  "[ors]\nurl: http://x\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(text))
			require.Error(t, err)
			path := filepath.Join(t.TempDir(), "bad.ini")
			require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
			_, err = Load(path)
			require.ErrorContains(t, err, path)
		})
	}
}

func TestDefaults(t *testing.T) {
	c := mustParse(t, "[ors]\nurl = http://ors:1\n[service.plain]\n")
	require.Equal(t, []string{"_desired_time", "_callback_state", "_callback_reason", "_ors_session_id"}, c.ReturnedKeys)
	require.Equal(t, []string{"_callback_state", "_callback_reason", "_request_queue_time_stat", "_request_ewt_service", "_vq"}, c.FilterKeys)
	require.Empty(t, c.StatURL)

	s, gerr := c.CallbackService("plain")
	require.Nil(t, gerr)
	e, gerr := c.Effective(s, nil)
	require.Nil(t, gerr)
	for _, tc := range []struct {
		name, want string
	}{
		{OptORS, "http://ors:1"},
		{OptMaxORSSubmitAttempts, "3"},
		{OptRequestTimeBucket, "5"},
		{OptMaxRequestByTimeBucket, "100"},
		{OptRequestExecutionTimeBuffer, "120"},
		{OptRequestQueueTimeStat, ""},
		{OptEnableInQueueChecking, "true"},
		{OptCustomerLookupKeys, "_customer_number"},
		{OptMandatoryCustomerLookupKeys, "_customer_number"},
		{OptDefaultCountry, "US"},
		{OptDisallowImpossiblePhoneNumbers, "true"},
		{OptDisallowPremiumPhoneNumbers, "true"},
		{OptMediaType, "voice"},
		{OptURSQueuedTTL, "14400"},
		{OptWaitForAgent, "true"},
		{OptMaxTimeToWaitForAgentOnTheCall, "3600"},
		{OptNotificationMessageFile, "/genesys/1/document/service_template/callback/Resources/Strings/messages.json"},
		{OptThrottleRequestParameters, "_customer_number"},
		{OptThrottleRequestParametersLimit, "6"},
		{OptRejectPastDesiredTime, "300"},
		{OptRejectFutureDesiredTime, "365d"},
		{OptRedirect, ""},
		{OptOverwritableOptions, ""},
		{OptMaxQueuedCallbacksPerService, ""},
	} {
		require.Equal(t, tc.want, e.String(tc.name), tc.name)
		if tc.name != OptORS { // _ors has no seed default: it falls back to [ors] url
			require.Equal(t, tc.want, Default(tc.name), tc.name)
		}
	}
	require.Equal(t, 120*time.Second, e.Seconds(OptRequestExecutionTimeBuffer))
	require.Equal(t, 2, e.InQueueLimit())
	require.Equal(t, 6, e.ThrottleParameterLimit())
	require.Empty(t, e.IntervalThrottles())
	require.Nil(t, e.Mandatory())
	require.Equal(t, Span{Seconds: 300}, e.Span(OptRejectPastDesiredTime))
	require.Equal(t, Span{Seconds: 365 * 86400}, e.Span(OptRejectFutureDesiredTime))
}

func TestOptionsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, o := range Options {
		require.False(t, seen[o.Name], "defined twice: %s", o.Name)
		seen[o.Name] = true
		if o.Default != "" && o.Validate != nil {
			require.NoError(t, o.Validate(o.Default), o.Name)
		}
	}
	_, ok := Lookup("_throttle_ttl_3")
	require.True(t, ok)
	_, ok = Lookup("_throttle_ttl_x")
	require.False(t, ok)
	require.Equal(t, "", Default("_no_such_option"))
}

func TestResolution(t *testing.T) {
	c := mustParse(t, `
[service.ok]
[service.explicit]
_type = ors
_service = callback
[service.hours]
_type = builtin
_service = office-hours
[service.cap]
_type = builtin
_service = capacity
[service.weird]
_type = gms
[service.chat]
_service = chat
[service.ors-chat]
_type = ors
_service = request-chat
`)
	for _, tc := range []struct {
		name, msg string
	}{
		{"ok", ""},
		{"explicit", ""},
		{"missing", "Service undefined: missing"},
		{"hours", "Service hours has option _type != ors"},
		{"cap", "Service cap has option _type != ors"},
		{"weird", "Service weird has unknown value for option _type"},
		{"chat", "Service chat has option _service != callback"},
		{"ors-chat", "Service ors-chat has option _service != callback"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := c.CallbackService(tc.name)
			if tc.msg == "" {
				require.Nil(t, err)
				require.Equal(t, tc.name, s.Name)
				return
			}
			require.Nil(t, s)
			requireConfigErr(t, err, tc.msg, tc.name)
		})
	}
	require.Equal(t, []string{"explicit", "ok"}, c.CallbackServices())
	require.Contains(t, c.Services, "hours")
}

// requireParamErr checks a 40010 envelope's message and option property.
func requireParamErr(t *testing.T, err *gmserr.Error, msg, option string) {
	t.Helper()
	requireEnvelope(t, err, gmserr.BadParameter, msg, "option", option)
}

// requireConfigErr checks a 50020 envelope's message and service property.
func requireConfigErr(t *testing.T, err *gmserr.Error, msg, service string) {
	t.Helper()
	requireEnvelope(t, err, gmserr.BadConfiguration, msg, "service", service)
}

// requireEnvelope checks err is an envelope of code c with message msg and
// property key = value.
func requireEnvelope(t *testing.T, err *gmserr.Error, c gmserr.Code, msg, key, value string) {
	t.Helper()
	require.NotNil(t, err)
	require.Equal(t, c.Code, err.Code)
	require.Equal(t, c.Status, err.Status)
	require.Equal(t, c.Phrase, err.Phrase)
	require.Equal(t, gmserr.ExceptionPackage+c.Suffix, err.Exception)
	require.Equal(t, msg, err.Message)
	require.Equal(t, value, err.Properties[key])
}

func TestInvalidOptionValues(t *testing.T) {
	for _, tc := range []struct {
		option, value, msg string
	}{
		{OptMaxORSSubmitAttempts, "0", "Option _max_ors_submit_attempts is invalid: 0"},
		{OptMaxORSSubmitAttempts, "three", "Option _max_ors_submit_attempts is invalid: three"},
		{OptMaxORSSubmitAttempts, "", "Option _max_ors_submit_attempts is invalid: "},
		{OptRequestTimeBucket, "7", "Option _request_time_bucket is invalid: 7"},
		{OptMaxRequestByTimeBucket, "-1", "Option _max_request_by_time_bucket is invalid: -1"},
		{OptRequestExecutionTimeBuffer, "2m", "Option _request_execution_time_buffer is invalid: 2m"},
		{OptMaxTimeToWaitForAgentOnTheCall, "x", "Option _max_time_to_wait_for_agent_on_the_call is invalid: x"},
		{OptURSQueuedTTL, "-5", "Option _urs_queued_ttl is invalid: -5"},
		{OptDisallowImpossiblePhoneNumbers, "yes", "Option _disallow_impossible_phone_numbers is invalid: yes"},
		{OptDisallowPremiumPhoneNumbers, "1", "Option _disallow_premium_phone_numbers is invalid: 1"},
		{OptWaitForAgent, "no", "Option _wait_for_agent is invalid: no"},
		{OptEnableInQueueChecking, "maybe", "Option _enable_in_queue_checking is invalid: maybe"},
		{OptRequestQueueTimeStat, "ExpectedWaitTime;Queue", "Unable to parse option: _request_queue_time_stat=ExpectedWaitTime;Queue"},
		{OptRequestQueueTimeStat, "a;;c;d", "Unable to parse option: _request_queue_time_stat=a;;c;d"},
		{OptRequestQueueTimeStat, "a;b;c;d;e", "Unable to parse option: _request_queue_time_stat=a;b;c;d;e"},
		{OptORS, "not a url", "Option _ors is invalid: not a url"},
		{OptDefaultCountry, "USA", "Option _default_country is invalid: USA"},
		{OptExceptions, "^(", "Option _exceptions is invalid: ^("},
		{OptRejectFutureDesiredTime, "1y", "Option _reject_future_desired_time is invalid: 1y"},
		{OptThrottleRequestParametersLimit, "many", "Option _throttle_request_parameters_limit is invalid: many"},
		{OptThrottleCallbacksPerServicePrefix + "1", "-1", "Option _throttle_callbacks_per_service_1 is invalid: -1"},
	} {
		t.Run(tc.option+"="+tc.value, func(t *testing.T) {
			c := mustParse(t, "[service.bad]\n"+tc.option+" = "+tc.value+"\n[service.good]\n_request_time_bucket = 10\n")
			_, err := c.CallbackService("bad")
			requireConfigErr(t, err, tc.msg, "bad")
			require.Equal(t, []string{"good"}, c.CallbackServices())
			s, err := c.CallbackService("good")
			require.Nil(t, err)
			e, err := c.Effective(s, nil)
			require.Nil(t, err)
			require.Equal(t, 10, e.Int(OptRequestTimeBucket))

			// The same value from a request, for an option the service does not
			// set: the client's fault.
			_, err = c.Effective(s, map[string]string{tc.option: tc.value})
			if tc.option == OptRequestTimeBucket {
				require.Nil(t, err) // configured: the request cannot override it
				return
			}
			requireParamErr(t, err, "Invalid "+tc.option+": "+tc.value, tc.option)
		})
	}
}

func TestValidValues(t *testing.T) {
	for _, tc := range []struct{ option, value string }{
		{OptRequestTimeBucket, "120"},
		{OptEnableInQueueChecking, "STRICT"},
		{OptEnableInQueueChecking, "False"},
		{OptDisallowPremiumPhoneNumbers, "TRUE"},
		{OptRequestQueueTimeStat, ""},
		{OptMaxQueuedCallbacksPerService, ""},
		{OptMaxQueuedCallbacksPerService, "0"},
		{OptThrottleRequestParametersLimit, "-3"},
		{OptThrottleRequestParametersLimit, ""},
		{OptRejectFutureDesiredTime, "2M"},
		{OptRejectPastDesiredTime, "10m"},
		{OptExceptions, `1800\d+,900.*`},
		{OptORS, "https://ors.example:443/base"},
		{OptDefaultCountry, ""},
		{OptMediaType, ""},
		{OptURSQueuedTTL, ""},
	} {
		t.Run(tc.option+"="+tc.value, func(t *testing.T) {
			c := mustParse(t, "[service.s]\n"+tc.option+" = "+tc.value+"\n")
			_, err := c.CallbackService("s")
			require.Nil(t, err)
		})
	}
}

func TestTokens(t *testing.T) {
	c := mustParse(t, `
[service.s]
_target = Billing@$my_token$.GA
_vq = $a$-$b$-$a$
_request_time_bucket = $bucket$
_urs_virtual_queue = price $5 and $6
`)
	s, gerr := c.CallbackService("s")
	require.Nil(t, gerr, "a token value is validated per request, not at load")
	for _, tc := range []struct {
		name   string
		params map[string]string
		option string
		want   string
	}{
		{"replaced", map[string]string{"my_token": "Stat_Server1", "bucket": "5"}, OptTarget, "Billing@Stat_Server1.GA"},
		{"missing keeps literal", map[string]string{"bucket": "5"}, OptTarget, "Billing@$my_token$.GA"},
		{"present but empty", map[string]string{"my_token": "", "bucket": "5"}, OptTarget, "Billing@.GA"},
		{"several", map[string]string{"a": "1", "b": "2", "bucket": "5"}, OptVQ, "1-2-1"},
		{"partial", map[string]string{"a": "1", "bucket": "5"}, OptVQ, "1-$b$-1"},
		{"numeric option", map[string]string{"bucket": "30"}, OptRequestTimeBucket, "30"},
		{"not a token", map[string]string{"5 and ": "x", "bucket": "5"}, OptURSVirtualQueue, "price $5 and $6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, gerr := c.Effective(s, tc.params)
			require.Nil(t, gerr)
			require.Equal(t, tc.want, e.String(tc.option))
		})
	}
	// The request supplied the value through its token: the client's fault.
	_, gerr = c.Effective(s, map[string]string{"bucket": "7"})
	requireParamErr(t, gerr, "Invalid _request_time_bucket: 7 (from parameter bucket)", OptRequestTimeBucket)
	_, gerr = c.Effective(s, map[string]string{"bucket": ""})
	requireParamErr(t, gerr, "Invalid _request_time_bucket:  (from parameter bucket)", OptRequestTimeBucket)
	// No parameter for the token: the literal is the configuration's.
	_, gerr = c.Effective(s, nil)
	requireConfigErr(t, gerr, "Option _request_time_bucket is invalid: $bucket$", "s")
	require.Equal(t, "Billing@$my_token$.GA", s.Options[OptTarget], "the service keeps its raw value")
}

func TestOverrideRule(t *testing.T) {
	c := mustParse(t, `
[ors]
url = http://default-ors:8090
[service.fixed]
_target = Configured
_ors = http://service-ors:1
_redirect = other
_request_time_bucket = 15
[service.open]
_target = Configured
_ors = http://service-ors:1
_redirect = other
_overwritable_options = _ors, _target ,_redirect,$extra$
[service.bare]
`)
	for _, tc := range []struct {
		service string
		params  map[string]string
		option  string
		want    string
	}{
		{"fixed", map[string]string{"_target": "Request"}, OptTarget, "Configured"},
		{"fixed", map[string]string{"_ors": "http://request-ors:2"}, OptORS, "http://service-ors:1"},
		{"fixed", map[string]string{"_request_time_bucket": "60"}, OptRequestTimeBucket, "15"},
		{"fixed", map[string]string{"_max_ors_submit_attempts": "5"}, OptMaxORSSubmitAttempts, "5"},
		{"fixed", map[string]string{"_vq": "RequestVQ"}, OptVQ, "RequestVQ"},
		{"fixed", map[string]string{"_custom_option": "x"}, "_custom_option", "x"},
		{"fixed", map[string]string{"plain": "user data"}, "plain", ""},
		{"fixed", map[string]string{"_overwritable_options": "_target", "_target": "Request"}, OptTarget, "Configured"},
		{"fixed", map[string]string{"_type": "builtin"}, OptType, ""},
		{"open", map[string]string{"_target": "Request"}, OptTarget, "Request"},
		{"open", map[string]string{"_ors": "http://request-ors:2"}, OptORS, "http://request-ors:2"},
		{"open", map[string]string{"_redirect": ""}, OptRedirect, ""},
		{"open", map[string]string{"_redirect": `""`}, OptRedirect, ""}, // ?_redirect="" as the reference writes it
		{"open", map[string]string{"_redirect": ` "" `}, OptRedirect, ""},
		{"open", map[string]string{"_target": `""`}, OptTarget, ""},
		{"fixed", map[string]string{"_redirect": `""`}, OptRedirect, "other"}, // not overwritable
		{"bare", map[string]string{"_redirect": `""`}, OptRedirect, ""},
		{"bare", map[string]string{"_redirect": `"x"`}, OptRedirect, `"x"`},
		{"open", nil, OptRedirect, "other"},
		{"open", map[string]string{"extra": "_request_time_bucket", "_request_time_bucket": "60"}, OptRequestTimeBucket, "60"},
		{"bare", nil, OptORS, "http://default-ors:8090"},
		{"bare", map[string]string{"_ors": "http://request-ors:2"}, OptORS, "http://request-ors:2"},
		{"bare", map[string]string{"_ors": ""}, OptORS, "http://default-ors:8090"},
	} {
		t.Run(tc.service+" "+tc.option, func(t *testing.T) {
			s, gerr := c.CallbackService(tc.service)
			require.Nil(t, gerr)
			e, gerr := c.Effective(s, tc.params)
			require.Nil(t, gerr)
			require.Equal(t, tc.want, e.String(tc.option))
		})
	}
}

func TestORSFallbackWithoutSection(t *testing.T) {
	c := mustParse(t, "[service.s]\n")
	s, _ := c.CallbackService("s")
	e, gerr := c.Effective(s, nil)
	require.Nil(t, gerr)
	require.False(t, e.Has(OptORS))
}

func TestInheritance(t *testing.T) {
	c := mustParse(t, `
[callback]
_enable_in_queue_checking = strict
max_queued_callbacks_per_service = 10
_throttle_callbacks_per_service_1 = 5
_throttle_ttl_1 = 60
_throttle_request_parameters_limit = 3
_request_time_bucket = 60
[service.inherits]
[service.own]
_enable_in_queue_checking = false
_max_queued_callbacks_per_service = 2
_throttle_callbacks_per_service_1 = 50
_throttle_callbacks_per_service_2 = 100
_throttle_ttl_2 = 3600
_throttle_request_parameters_limit =
`)
	for _, tc := range []struct {
		service, option, want string
	}{
		{"inherits", OptEnableInQueueChecking, "strict"},
		{"inherits", OptMaxQueuedCallbacksPerService, "10"},
		{"inherits", "_throttle_callbacks_per_service_1", "5"},
		{"inherits", "_throttle_ttl_1", "60"},
		{"inherits", OptThrottleRequestParametersLimit, "3"},
		{"own", OptEnableInQueueChecking, "false"},
		{"own", OptMaxQueuedCallbacksPerService, "2"},
		{"own", "_throttle_callbacks_per_service_1", "50"},
		{"own", "_throttle_ttl_1", "60"},
		{"own", OptThrottleRequestParametersLimit, "3"}, // empty: [callback]'s value
	} {
		t.Run(tc.service+" "+tc.option, func(t *testing.T) {
			s, gerr := c.CallbackService(tc.service)
			require.Nil(t, gerr)
			require.Equal(t, tc.want, s.Options[tc.option])
			e, gerr := c.Effective(s, nil)
			require.Nil(t, gerr)
			require.Equal(t, tc.want, e.String(tc.option))
		})
	}
	s, _ := c.CallbackService("inherits")
	require.NotContains(t, s.Options, OptRequestTimeBucket, "not an inherited option")
	e, _ := c.Effective(s, nil)
	require.Equal(t, "5", e.String(OptRequestTimeBucket))
	require.Equal(t, 1, e.InQueueLimit())
	require.Equal(t, 3, e.ThrottleParameterLimit())
	require.Equal(t, []IntervalThrottle{{N: 1, Limit: 5, TTL: 60e9}}, e.IntervalThrottles())

	s, _ = c.CallbackService("own")
	e, _ = c.Effective(s, nil)
	require.Equal(t, 0, e.InQueueLimit())
	require.Equal(t, []IntervalThrottle{{N: 1, Limit: 50, TTL: 60e9}, {N: 2, Limit: 100, TTL: 3600e9}}, e.IntervalThrottles())

	// An inherited invalid value breaks the services that inherit it, only.
	c = mustParse(t, "[callback]\n_enable_in_queue_checking = maybe\n[service.a]\n[service.b]\n_enable_in_queue_checking = true\n")
	_, gerr := c.CallbackService("a")
	requireConfigErr(t, gerr, "Option _enable_in_queue_checking is invalid: maybe", "a")
	require.Equal(t, []string{"b"}, c.CallbackServices())
}

func TestAdminUsersAndRawValues(t *testing.T) {
	const hash = "$2a$10$473NRh3BsfMvU3IJpovPheVAUEMg9ElshHzP2d48fqxuh/7lhrOti"
	c := mustParse(t, `
[admin-users]
admin = `+hash+`
ops = $2y$12$abc$def$
[service.s]
_target = %(other)s;#x
[paused]
s = true
`)
	require.Equal(t, hash, c.AdminUsers["admin"])
	require.Equal(t, "$2y$12$abc$def$", c.AdminUsers["ops"])
	s, _ := c.CallbackService("s")
	require.Equal(t, "%(other)s;#x", s.Options[OptTarget])
	e, gerr := c.Effective(s, map[string]string{"2a": "X", "10": "Y", "12": "Z"})
	require.Nil(t, gerr)
	require.Equal(t, "%(other)s;#x", e.String(OptTarget))
	require.Equal(t, "$2y$12$abc$def$", c.AdminUsers["ops"])
	require.Equal(t, map[string]string{"s": "true"}, c.Sections["paused"])
	require.NotContains(t, c.Sections, SectionAdminUsers)
}

func TestCrossChecks(t *testing.T) {
	for _, tc := range []struct {
		name, ini string
		params    map[string]string
		msg       string
	}{
		{"C1", "[service.s]\n_default_country =\n", nil,
			"Service option s / _default_country is not configured. But option _disallow_impossible_phone_numbers is set. We cannot validate phone numbers without knowing the country."},
		{"C2", "[service.s]\n_default_country =\n_disallow_impossible_phone_numbers = false\n", nil,
			"Service option s / _default_country is not configured. But option _disallow_premium_phone_numbers is set. We cannot validate phone numbers without knowing the country."},
		{"C1 from request", "[service.s]\n", map[string]string{"_default_country": ""},
			"Service option s / _default_country is not configured. But option _disallow_impossible_phone_numbers is set. We cannot validate phone numbers without knowing the country."},
		{"no country, no checks", "[service.s]\n_default_country =\n_disallow_impossible_phone_numbers = false\n_disallow_premium_phone_numbers = FALSE\n", nil, ""},
		{"C4", "[service.s]\n_media_type = chat\n", nil,
			"Missing default_chat_endpoint option in chat section because this service has parameter _media_type=chat"},
		{"C5", "[chat]\ndefault_chat_endpoint = x\n[service.s]\n_media_type = chat\n", nil,
			"Missing default _client_timeout option in chat section because this service has parameter _media_type=chat"},
		{"chat ok", "[chat]\ndefault_chat_endpoint = x\n_client_timeout = 30\n[service.s]\n_media_type = chat\n", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustParse(t, tc.ini)
			s, gerr := c.CallbackService("s")
			require.Nil(t, gerr)
			_, gerr = c.Effective(s, tc.params)
			if tc.msg == "" {
				require.Nil(t, gerr)
				return
			}
			requireConfigErr(t, gerr, tc.msg, "s")
		})
	}
}

func TestMandatory(t *testing.T) {
	for _, option := range []string{OptMediaType, OptURSQueuedTTL, OptWaitForAgent} {
		t.Run(option, func(t *testing.T) {
			c := mustParse(t, "[service.s]\n"+option+" =\n")
			s, gerr := c.CallbackService("s")
			require.Nil(t, gerr)
			e, gerr := c.Effective(s, nil)
			require.Nil(t, gerr)
			err := e.Mandatory()
			require.NotNil(t, err)
			require.Equal(t, 40010, err.Code)
			require.Equal(t, "Cannot create service, empty mandatory callback option "+option, err.Message)
			require.Equal(t, option, err.Properties["option"])
		})
	}
}

func TestEffectiveOfBrokenService(t *testing.T) {
	c := mustParse(t, "[service.s]\n_type = builtin\n")
	_, gerr := c.Effective(c.Services["s"], nil)
	requireConfigErr(t, gerr, "Service s has option _type != ors", "s")
}
