package config

import "testing"

// benchINI is a service as deployments write them: tokens, overwritable
// options, office hours and an expected-wait-time statistic.
const benchINI = `
[callback]
returned-keys = _desired_time,_callback_state,_callback_reason,_ors_session_id
filter-keys = _callback_state,_callback_reason,_vq

[ors]
url = http://127.0.0.1:8090

[service.office-hours]
_type = builtin
_service = office-hours
_timezone = America/New_York
_bh_regular1 = Mon-Fri 08:00-20:00

[service.bench]
_type = ors
_service = callback
_app_url = callback.scxml
_business_hours_service = office-hours
_request_time_bucket = 5
_max_request_by_time_bucket = 100
_request_execution_time_buffer = 120
_request_queue_time_stat = ExpectedWaitTime;Queue;8999@SIP_Server;Environment
_customer_lookup_keys = _customer_number,usr_account
_overwritable_options = _ors,_target
_target = Billing@$my_token$.GA
`

// BenchmarkEffective resolves a service's options for one start request
// (every POST start and lookup does this).
func BenchmarkEffective(b *testing.B) {
	c, err := Parse([]byte(benchINI))
	if err != nil {
		b.Fatal(err)
	}
	svc, e := c.CallbackService("bench")
	if e != nil {
		b.Fatal(e)
	}
	params := map[string]string{
		"_customer_number": "+16175550100", "_desired_time": "2026-05-01T10:00:00.000Z",
		"usr_customer_name": "Bob", "usr_account": "123456", "my_token": "VIP", "_target": "Sales@VIP.GA",
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, e := c.Effective(svc, params); e != nil {
			b.Fatal(e)
		}
	}
}
