package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestImmediateStartWithoutWaitingForAgentAnswersAccess: ORS answers the
// start with access information; an immediate start with
// `_wait_for_agent=false` answers it next to `_id` and the confirmation
// keys, one with the default (true) does not; both callbacks keep it as
// properties, which lookups show when returned-keys list them. A retry with
// the same Idempotency-Key answers the same.
func TestImmediateStartWithoutWaitingForAgentAnswersAccess(t *testing.T) {
	ini := strings.Replace(testINI, "returned-keys = ", "returned-keys = _access_number,_access_code,", 1)
	s := newStackWith(t, ini)
	s.ors.SetAccessNumber("+18005550100")

	noWait := map[string]any{"_customer_number": "5115", "_wait_for_agent": "false"}
	r := s.startWithKey(cbPath, "access-1", noWait)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	again := s.startWithKey(cbPath, "access-1", noWait)
	require.JSONEq(t, string(r.Body), string(again.Body), "a retried start answers the same access information")
	body := r.object(t)
	id, _ := body["_id"].(string)
	require.NotEmpty(t, id)
	starts := s.ors.Starts()
	require.Len(t, starts, 1)
	require.Equal(t, "false", starts[0].Params["_wait_for_agent"], "ORS is told not to wait")
	access := starts[0].Access
	require.Equal(t, "+18005550100", access["_access_number"])
	require.NotEmpty(t, access["_access_code"])
	require.Equal(t, "ConfirmationDialog", body["Action"])
	require.Equal(t, "ConfirmationDialog", body["_action"])
	require.Equal(t, "You will receive the call shortly", body["_text"])
	for k, v := range access {
		require.Equal(t, v, body[k], "answer key %s", k)
	}
	rec := s.lookupOne("cb", id)
	require.Equal(t, access["_access_number"], rec["_access_number"], "the record holds it")
	require.Equal(t, access["_access_code"], rec["_access_code"])

	r = s.postJSON(cbPath, map[string]any{"_customer_number": "5116"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	body = r.object(t)
	id2, _ := body["_id"].(string)
	require.NotEmpty(t, id2)
	require.Equal(t, "ConfirmationDialog", body["Action"])
	for k := range body {
		require.False(t, strings.HasPrefix(k, "_access_"), "waiting for an agent: no %s in the answer", k)
	}
	require.Len(t, s.ors.Starts(), 2)
	require.Equal(t, s.ors.Starts()[1].Access["_access_code"], s.lookupOne("cb", id2)["_access_code"],
		"the record holds it all the same")
}
