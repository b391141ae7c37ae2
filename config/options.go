package config

import (
	"regexp"
	"sort"
)

// Names of the service options (SPEC §4 and §4.1), each defined once.
const (
	// OptType is the service type: ors (a callback service) or builtin (office hours, capacity); absent = ors.
	OptType = "_type"
	// OptService is the service kind: callback for a callback service; absent = callback.
	OptService = "_service"
	// OptORS is the ORS base URL; defaults to the [ors] section's url.
	OptORS = "_ors"
	// OptAppURL is the SCXML application handed to ORS as src.
	OptAppURL = "_app_url"
	// OptMaxORSSubmitAttempts is how many failed submits end a callback with SUBMIT_ERROR.
	OptMaxORSSubmitAttempts = "_max_ors_submit_attempts"
	// OptRequestTimeBucket is the bucket length in minutes (5,10,15,20,30,60,120).
	OptRequestTimeBucket = "_request_time_bucket"
	// OptMaxRequestByTimeBucket is the number of scheduled callbacks one bucket accepts.
	OptMaxRequestByTimeBucket = "_max_request_by_time_bucket"
	// OptRequestExecutionTimeBuffer is how many seconds before the desired time a callback is submitted.
	OptRequestExecutionTimeBuffer = "_request_execution_time_buffer"
	// OptRequestQueueTimeStat is the expected-wait-time statistic, Stat;Type;Object;Tenant.
	OptRequestQueueTimeStat = "_request_queue_time_stat"
	// OptEnableInQueueChecking limits open callbacks per number: true (2), strict (1), false (none).
	OptEnableInQueueChecking = "_enable_in_queue_checking"
	// OptCustomerLookupKeys lists the keys Q4/Q9 look callbacks up by.
	OptCustomerLookupKeys = "_customer_lookup_keys"
	// OptMandatoryCustomerLookupKeys lists the keys every start or update must carry.
	OptMandatoryCustomerLookupKeys = "_mandatory_customer_lookup_keys"
	// OptOverwritableOptions lists the configured options a start request may override.
	OptOverwritableOptions = "_overwritable_options"
	// OptRedirect names the service a start request is redirected to.
	OptRedirect = "_redirect"
	// OptBusinessHoursService names the builtin office-hours service.
	OptBusinessHoursService = "_business_hours_service"
	// OptDefaultCountry is the ISO 3166 country customer numbers are parsed for.
	OptDefaultCountry = "_default_country"
	// OptDisallowImpossiblePhoneNumbers rejects numbers that cannot be phone numbers.
	OptDisallowImpossiblePhoneNumbers = "_disallow_impossible_phone_numbers"
	// OptDisallowPremiumPhoneNumbers rejects premium-rate numbers.
	OptDisallowPremiumPhoneNumbers = "_disallow_premium_phone_numbers"
	// OptExceptions lists RE2 patterns of rejected customer numbers (full match).
	OptExceptions = "_exceptions"
	// OptMediaType is the media type handed to ORS (mandatory).
	OptMediaType = "_media_type"
	// OptURSQueuedTTL is the maximum wait for a target in seconds, handed to ORS (mandatory).
	OptURSQueuedTTL = "_urs_queued_ttl"
	// OptWaitForAgent tells ORS to wait for an agent before notifying the customer (mandatory).
	OptWaitForAgent = "_wait_for_agent"
	// OptMaxTimeToWaitForAgentOnTheCall is the seconds ORS waits for an agent on the call.
	OptMaxTimeToWaitForAgentOnTheCall = "_max_time_to_wait_for_agent_on_the_call"
	// OptNotificationMessageFile is the URL of the notification strings, handed to ORS.
	OptNotificationMessageFile = "_notification_message_file"
	// OptDesiredTime is the request's desired time (default now); listed for completeness.
	OptDesiredTime = "_desired_time"
	// OptTarget is the routing target handed to ORS.
	OptTarget = "_target"
	// OptURSVirtualQueue is the URS virtual queue handed to ORS.
	OptURSVirtualQueue = "_urs_virtual_queue"
	// OptVQForOutboundCalls is the virtual queue of outbound calls handed to ORS.
	OptVQForOutboundCalls = "_vq_for_outbound_calls"
	// OptOnUserConfirmTimeout is handed to ORS as is.
	OptOnUserConfirmTimeout = "_on_user_confirm_timeout"
	// OptTTL is handed to ORS as is.
	OptTTL = "_ttl"
	// OptRequestEWTService is handed to ORS as is.
	OptRequestEWTService = "_request_ewt_service"
	// OptVQ is handed to ORS as is.
	OptVQ = "_vq"
	// OptThrottleRequestParameters names the request parameter of the per-parameter daily throttle.
	OptThrottleRequestParameters = "_throttle_request_parameters"
	// OptThrottleRequestParametersLimit is the daily limit per parameter value (empty or negative = 6).
	OptThrottleRequestParametersLimit = "_throttle_request_parameters_limit"
	// OptThrottleCallbacksPerServicePrefix + N is the limit of interval throttle rule N.
	OptThrottleCallbacksPerServicePrefix = "_throttle_callbacks_per_service_"
	// OptThrottleTTLPrefix + N is the interval in seconds of interval throttle rule N.
	OptThrottleTTLPrefix = "_throttle_ttl_"
	// OptMaxQueuedCallbacksPerService limits the QUEUED callbacks of a service (empty = no limit).
	OptMaxQueuedCallbacksPerService = "_max_queued_callbacks_per_service"
	// OptRejectPastDesiredTime is how far in the past a desired time may lie (seconds or s/m/h/d/M suffix).
	OptRejectPastDesiredTime = "_reject_past_desired_time"
	// OptRejectFutureDesiredTime is how far in the future a desired time may lie (seconds or s/m/h/d/M suffix).
	OptRejectFutureDesiredTime = "_reject_future_desired_time"
	// OptCapacityService names the builtin capacity service.
	OptCapacityService = "_capacity_service"
	// OptPausedServicesList names the INI section of paused-service flags.
	OptPausedServicesList = "_paused_services_list"
	// OptPausedServicesID is the id this service is paused by in that section.
	OptPausedServicesID = "_paused_services_id"
	// OptNotificationURLPattern (RE2, matched against the whole URL) lists
	// the webhook URLs a client may give as `_device_notification_id` with
	// `_device_os=httpcb`; none when empty. Configuration only.
	OptNotificationURLPattern = "_notification_url_pattern"
	// OptNotificationSecret keys the HMAC-SHA256 signature of the service's
	// webhook notifications. Configuration only, never shown or sent to ORS.
	OptNotificationSecret = "_notification_secret"
)

// Option describes one service option: its name, its seed default ("" = none)
// and a validator of a configured or requested value (nil = any value).
type Option struct {
	Name     string
	Default  string
	Validate func(string) error
}

// Options is the table of every known service option (SPEC §4 + §4.1), each
// defined once. The numbered throttle rules (OptThrottleCallbacksPerServicePrefix
// and OptThrottleTTLPrefix followed by N) are matched by Lookup instead.
var Options = []Option{
	{OptType, "", validType},
	{OptService, "", nil},
	{OptORS, "", validURL},
	{OptAppURL, "", nil},
	{OptMaxORSSubmitAttempts, "3", validIntMin(1)},
	{OptRequestTimeBucket, "5", validOneOf("5", "10", "15", "20", "30", "60", "120")},
	{OptMaxRequestByTimeBucket, "100", validIntMin(0)},
	{OptRequestExecutionTimeBuffer, "120", validIntMin(0)},
	{OptRequestQueueTimeStat, "", validStat},
	{OptEnableInQueueChecking, "true", validOneOf("true", "strict", "false")},
	{OptCustomerLookupKeys, "_customer_number", nil},
	{OptMandatoryCustomerLookupKeys, "_customer_number", nil},
	{OptOverwritableOptions, "", nil},
	{OptRedirect, "", nil},
	{OptBusinessHoursService, "", nil},
	{OptDefaultCountry, "US", validCountry},
	{OptDisallowImpossiblePhoneNumbers, "true", validBool},
	{OptDisallowPremiumPhoneNumbers, "true", validBool},
	{OptExceptions, "", validPatterns},
	{OptMediaType, "voice", nil},
	{OptURSQueuedTTL, "14400", orEmpty(validIntMin(0))},
	{OptWaitForAgent, "true", orEmpty(validBool)},
	{OptMaxTimeToWaitForAgentOnTheCall, "3600", validIntMin(0)},
	{OptNotificationMessageFile, "/genesys/1/document/service_template/callback/Resources/Strings/messages.json", nil},
	{OptDesiredTime, "", nil},
	{OptTarget, "", nil},
	{OptURSVirtualQueue, "", nil},
	{OptVQForOutboundCalls, "", nil},
	{OptOnUserConfirmTimeout, "", nil},
	{OptTTL, "", nil},
	{OptRequestEWTService, "", nil},
	{OptVQ, "", nil},
	{OptThrottleRequestParameters, "_customer_number", nil},
	{OptThrottleRequestParametersLimit, "6", orEmpty(validInt)},
	{OptMaxQueuedCallbacksPerService, "", orEmpty(validIntMin(0))},
	{OptRejectPastDesiredTime, "300", validSpan},
	{OptRejectFutureDesiredTime, "365d", validSpan},
	{OptCapacityService, "", nil},
	{OptPausedServicesList, "", nil},
	{OptPausedServicesID, "", nil},
	{OptNotificationURLPattern, "", validRegexp},
	{OptNotificationSecret, "", nil},
}

var (
	byName = func() map[string]Option {
		m := make(map[string]Option, len(Options))
		for _, o := range Options {
			if _, dup := m[o.Name]; dup {
				panic("config: option defined twice: " + o.Name)
			}
			m[o.Name] = o
		}
		return m
	}()
	throttleRule = regexp.MustCompile(`^(` + regexp.QuoteMeta(OptThrottleCallbacksPerServicePrefix) +
		`|` + regexp.QuoteMeta(OptThrottleTTLPrefix) + `)([0-9]+)$`)
)

// Lookup returns the Option named name: an entry of Options, or a numbered
// throttle rule option (limit or ttl, a non-negative integer).
func Lookup(name string) (Option, bool) {
	if o, ok := byName[name]; ok {
		return o, true
	}
	if throttleRule.MatchString(name) {
		return Option{Name: name, Validate: validIntMin(0)}, true
	}
	return Option{}, false
}

// Default returns the seed default of option name, "" when it has none or is unknown.
func Default(name string) string {
	o, _ := Lookup(name)
	return o.Default
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
