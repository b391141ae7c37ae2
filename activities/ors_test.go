package activities_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/opengms/callback/activities"
	"github.com/opengms/callback/activities/contract"
)

// submitTo runs SubmitToORS against an ORS answering answer to every start.
func submitTo(t *testing.T, answer string) (contract.SubmitResult, error) {
	t.Helper()
	ors := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/scxml/session/start", r.URL.Path)
		require.Equal(t, "cb-1", r.Header.Get("Idempotency-Key"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(answer))
	}))
	t.Cleanup(ors.Close)
	var env testsuite.WorkflowTestSuite
	aenv := env.NewTestActivityEnvironment()
	aenv.RegisterActivity(&activities.Activities{HTTP: ors.Client()})
	req := contract.SubmitRequest{Service: "cb", ORSURL: ors.URL, AppURL: "callback.scxml", ID: "cb-1",
		Params: map[string]string{"_id": "cb-1"}}
	v, err := aenv.ExecuteActivity(contract.SubmitToORS, req)
	if err != nil {
		return contract.SubmitResult{}, err
	}
	var res contract.SubmitResult
	require.NoError(t, v.Get(&res))
	return res, nil
}

func TestSubmitToORSReturnsAccessInformation(t *testing.T) {
	res, err := submitTo(t, `{"sessionid": "s-1", "_access_number": "+18005550100", "_access_code": 4711,
		"_access_expiration_time": "2030-01-02T03:04:05.000Z", "_access_flag": true, "_access_none": null,
		"_access_list": ["x"], "other": "ignored"}`)
	require.NoError(t, err)
	require.Equal(t, contract.SubmitResult{SessionID: "s-1", Access: map[string]string{
		"_access_number": "+18005550100", "_access_code": "4711", "_access_expiration_time": "2030-01-02T03:04:05.000Z",
	}}, res, "string and number _access_ keys only")
}

func TestSubmitToORSWithoutAccessInformation(t *testing.T) {
	res, err := submitTo(t, `{"sessionid": "s-2"}`)
	require.NoError(t, err)
	require.Equal(t, contract.SubmitResult{SessionID: "s-2"}, res)
	enc, err := json.Marshal(res)
	require.NoError(t, err)
	require.JSONEq(t, `{"SessionID": "s-2"}`, string(enc), "no Access in the history")
}

func TestSubmitToORSRejectsAnswerWithoutSession(t *testing.T) {
	for _, answer := range []string{`{"_access_number": "+18005550100"}`, `{"sessionid": 7}`, `[]`, `not json`} {
		_, err := submitTo(t, answer)
		require.ErrorContains(t, err, "invalid ORS response", answer)
	}
}
