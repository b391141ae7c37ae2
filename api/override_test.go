package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
)

const overrideINI = `
[callback]
returned-keys = _desired_time,_callback_state,_target,_urs_virtual_queue,_media_type,order_id

[ors]
url = {ORS}

[service.locked]
_app_url = callback.scxml
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = false
_request_execution_time_buffer = 0
_target = Billing@$site$.GA
_urs_virtual_queue = VQ_Main

[service.open]
_app_url = callback.scxml
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = false
_request_execution_time_buffer = 0
_target = Billing@Stat_Server.GA
_urs_virtual_queue = VQ_Main
_overwritable_options = _target
`

// startParams are the params ORS received for callback id.
func (s *stack) startParams(id string) map[string]any {
	s.t.Helper()
	for _, st := range s.ors.Starts() {
		if fmt.Sprint(st.Params[callback.KeyID]) == id {
			return st.Params
		}
	}
	s.t.Fatalf("no ORS start for %s", id)
	return nil
}

// A request's value of an option the service configures reaches neither ORS
// nor the record unless the option is overwritable (SPEC §4): no queue jump
// from a browser.
func TestConfiguredOptionsWinOverTheRequest(t *testing.T) {
	s := newStackWith(t, overrideINI)
	s.ors.SetDrive(false)
	jump := map[string]any{"_customer_number": "1", "_target": "Evil@X.GA", "_urs_virtual_queue": "VQ_JUMP",
		"_media_type": "chat-ish", "site": "Stat_Server", "order_id": "42"}

	r := s.postJSON("/genesys/1/service/callback/locked", jump)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	id := r.object(t)["_id"].(string)
	p := s.startParams(id)
	require.Equal(t, "Billing@Stat_Server.GA", p["_target"], "configured, tokens substituted")
	require.Equal(t, "VQ_Main", p["_urs_virtual_queue"])
	require.Equal(t, "chat-ish", p["_media_type"], "not configured: the request's value")
	require.Equal(t, "42", p["order_id"], "user data passes")
	rec := s.lookupOne("locked", id)
	require.Equal(t, "Billing@Stat_Server.GA", rec["_target"], "lookups see the configured value")
	require.Equal(t, "VQ_Main", rec["_urs_virtual_queue"])

	// A PUT cannot set it either; user data it can.
	later := s.postJSON("/genesys/1/service/callback/locked", map[string]any{"_customer_number": "2", "site": "Stat_Server",
		"_desired_time": callback.FormatTime(time.Now().Add(2 * time.Hour))})
	require.Equal(t, http.StatusOK, later.Status, "body: %s", later.Body)
	lid := later.object(t)["_id"].(string)
	put := s.putForm("/genesys/1/service/callback/locked/"+lid, url.Values{"_target": {"Evil@X.GA"}, "order_id": {"7"}})
	require.Equal(t, http.StatusOK, put.Status, "body: %s", put.Body)
	rec = s.lookupOne("locked", lid)
	require.Equal(t, "Billing@Stat_Server.GA", rec["_target"])
	require.Equal(t, "7", rec["order_id"])

	r = s.postJSON("/genesys/1/service/callback/open", jump)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	p = s.startParams(r.object(t)["_id"].(string))
	require.Equal(t, "Evil@X.GA", p["_target"], "overwritable: the request's value")
	require.Equal(t, "VQ_Main", p["_urs_virtual_queue"], "not overwritable")
}
