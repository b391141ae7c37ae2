package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/internal/testenv"
)

func TestCallbacksAreFoundBySearchAttributes(t *testing.T) {
	s := newStack(t)
	hash := testenv.Secrets(t).Hasher().Hash
	s.ors.SetDrive(false)
	desired := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Second)
	id := s.schedule(cbPath, "5119", desired).object(t)["_id"].(string)
	list := func(query string) []string {
		resp, err := s.c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", Query: query})
		require.NoError(t, err, query)
		var ids []string
		for _, e := range resp.Executions {
			ids = append(ids, e.Execution.WorkflowId)
		}
		return ids
	}
	found := func(query string) bool {
		for _, got := range list(query) {
			if got == id {
				return true
			}
		}
		return false
	}
	for _, q := range []string{
		fmt.Sprintf(`CallbackId = %q`, id),
		fmt.Sprintf(`CustomerNumber = %q`, hash("5119")),
		`ServiceName = "cb" AND CallbackState = "SCHEDULED"`,
		fmt.Sprintf(`DesiredTime BETWEEN %q AND %q`, desired.Add(-time.Minute).Format(time.RFC3339), desired.Add(time.Minute).Format(time.RFC3339)),
	} {
		eventually(t, 10*time.Second, func() bool { return found(q) }, "not found by %s", q)
	}
	require.False(t, found(`CustomerNumber = "5119"`), "visibility holds the number's keyed hash, never the number")
	// A new number: the index holds its hash.
	require.Equal(t, http.StatusOK, s.putForm(cbPath+"/"+id, url.Values{"_customer_number": {"+1 (555) 010-5120"}}).Status)
	eventually(t, 10*time.Second, func() bool { return found(fmt.Sprintf(`CustomerNumber = %q`, hash("+15550105120"))) },
		"a changed number is indexed by its hash (normalised)")
	// Kept current: a reschedule and a state change show in the index.
	later := desired.Add(time.Hour)
	require.Equal(t, http.StatusOK, s.putForm(cbPath+"/"+id, url.Values{"_new_desired_time": {callback.FormatTime(later)}}).Status)
	require.Equal(t, http.StatusOK, s.do(http.MethodDelete, cbPath+"/"+id, "", nil).Status)
	eventually(t, 10*time.Second, func() bool {
		return found(fmt.Sprintf(`CallbackState = "COMPLETED" AND DesiredTime > %q`, later.Add(-time.Minute).Format(time.RFC3339)))
	}, "index not updated")

	d, err := s.c.DescribeWorkflowExecution(context.Background(), id, "")
	require.NoError(t, err)
	var summary string
	require.NoError(t, converterFromMemo(t, d.WorkflowExecutionInfo.Memo.Fields["summary"], &summary))
	require.Equal(t, "scheduled callback of cb for "+callback.FormatTime(desired), summary)
	require.NotContains(t, summary, "5119", "no personal data in the summary")
}
