package api_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
)

// subscriptionsINI is a service whose customers are identified by a
// subscription id instead of a number; phone checks stay on.
const subscriptionsINI = `
[service.subscriptions]
_app_url = callback.scxml
_mandatory_customer_lookup_keys = CB_SUBSCRIPTION_ID
_customer_lookup_keys = CB_SUBSCRIPTION_ID
_enable_in_queue_checking = strict
`

const subscriptionsPath = "/genesys/1/service/callback/subscriptions"

// TestCallbacksIdentifiedByAnotherKey: a service whose mandatory lookup key
// is not `_customer_number` admits starts without a number, checks phone
// rules only on a number that is given, and limits callbacks in queue per
// value of its mandatory key, never all number-less callbacks together
// (issue 14 A).
func TestCallbacksIdentifiedByAnotherKey(t *testing.T) {
	s := newStackWith(t, testINI+subscriptionsINI)
	at := callback.FormatTime(time.Now().Add(time.Hour))
	start := func(props map[string]any) reply {
		props["_desired_time"] = at
		return s.postJSON(subscriptionsPath, props)
	}
	id := func(r reply) string {
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		return r.object(t)["_id"].(string)
	}
	a := id(start(map[string]any{"CB_SUBSCRIPTION_ID": "A", "usr_name": "Ann"}))
	b := id(start(map[string]any{"CB_SUBSCRIPTION_ID": "B"}))

	m := start(map[string]any{"CB_SUBSCRIPTION_ID": "A"}).envelope(t, 429, 40001, "NUMBER_ALREADY_BOOKED")
	require.Equal(t, map[string]any{"max_queued": float64(1)}, m["properties"], "strict: one per subscription")

	m = start(map[string]any{"_customer_number": "5115"}).envelope(t, 400, 40010, "BAD_PARAMETER")
	require.Regexp(t, `^Callback [0-9a-f-]{36} does not contain the mandatory customer lookup keys CB_SUBSCRIPTION_ID$`, m["message"])
	m = start(map[string]any{"CB_SUBSCRIPTION_ID": "C", "_customer_number": "12"}).envelope(t, 400, 40040, "NUMBER_REJECTED")
	require.Equal(t, "Customer Number [12] is disallowed, because it is invalid. Check option _disallow_impossible_phone_numbers", m["message"],
		"a number that is given is still checked")

	// Lookups by the key, in the service and across services.
	for _, path := range []string{subscriptionsPath, "/genesys/1/service/callback"} {
		for sub, want := range map[string]string{"A": a, "B": b} {
			r := s.get(path + "?CB_SUBSCRIPTION_ID=" + sub)
			require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
			recs := r.records(t)
			require.Len(t, recs, 1, "%s?CB_SUBSCRIPTION_ID=%s", path, sub)
			require.Equal(t, want, recs[0]["_id"])
			require.Equal(t, sub, recs[0]["CB_SUBSCRIPTION_ID"])
		}
	}

	// A PUT checks a number only when one is given, as a start does.
	put := func(v url.Values) reply { return s.putForm(subscriptionsPath+"/"+b, v) }
	require.Equal(t, http.StatusOK, put(url.Values{"_customer_number": {"  "}, "usr_note": {"blank number"}}).Status)
	put(url.Values{"_customer_number": {"12"}}).envelope(t, 400, 40040, "NUMBER_REJECTED")

	// A cancelled callback no longer counts.
	require.Equal(t, http.StatusOK, s.do(http.MethodDelete, subscriptionsPath+"/"+a, "", nil).Status)
	id(start(map[string]any{"CB_SUBSCRIPTION_ID": "A"}))
}
