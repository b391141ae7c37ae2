package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/callback"
)

func TestSubmitKeepsORSAccessInformationAsProperties(t *testing.T) {
	h := newHarness(t)
	h.env.OnActivity(act.SubmitToORS, mock.Anything, mock.Anything).Return(func(_ context.Context, _ contract.SubmitRequest) (contract.SubmitResult, error) {
		return contract.SubmitResult{SessionID: "s-1", Access: map[string]string{
			"_access_number": "+18005550100", "_access_code": "4711",
			callback.KeyID: "not-an-access-key", // only _access_ keys are taken
		}}, nil
	})
	h.at(time.Minute, func() {
		saved := h.lastSaved()
		require.Equal(t, callback.Queued, saved.State)
		require.Equal(t, "+18005550100", saved.Properties["_access_number"], "the QUEUED write carries them")
		require.Equal(t, "4711", saved.Properties["_access_code"])
		h.update(UpdateChange, report(callback.Completed, "AGENT_CONNECTED"))
	})

	rec := h.run(input(0, true))

	require.Equal(t, "cb-1", rec.ID)
	require.NotContains(t, rec.Properties, callback.KeyID)
	require.Equal(t, "+18005550100", rec.Properties["_access_number"])
	require.Equal(t, "4711", rec.Properties["_access_code"])
	require.Equal(t, "Bob", rec.Properties["usr_name"], "the other properties stay")
}
