package orssim

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStartAnswersAccessInformation(t *testing.T) {
	sim, srv := newSim(t, Options{AccessNumber: "+18005550199", AccessTTL: time.Hour})
	before := time.Now().UTC()
	st, a := start(t, srv.URL, "cb-1", map[string]any{"_id": "cb-1"})
	require.Equal(t, 200, st)
	require.NotEmpty(t, a["sessionid"])
	require.Equal(t, "+18005550199", a["_access_number"])
	require.Regexp(t, regexp.MustCompile(`^\d{4}$`), a["_access_code"])
	exp, err := time.Parse("2006-01-02T15:04:05.000Z", a["_access_expiration_time"].(string))
	require.NoError(t, err)
	require.WithinDuration(t, before.Add(time.Hour), exp, 5*time.Second, "AccessTTL after the start")

	_, b := start(t, srv.URL, "cb-1", map[string]any{"_id": "cb-1"})
	require.Equal(t, a, b, "a replayed start answers the same session and access")
	starts := sim.Starts()
	require.Len(t, starts, 1)
	require.Equal(t, map[string]string{"_access_number": "+18005550199", "_access_code": a["_access_code"].(string),
		"_access_expiration_time": a["_access_expiration_time"].(string)}, starts[0].Access)

	sim.SetAccessNumber("")
	_, c := start(t, srv.URL, "cb-2", map[string]any{"_id": "cb-2"})
	require.Len(t, c, 1, "no access number, only the session id: %v", c)
	require.NotEmpty(t, c["sessionid"])
	require.Nil(t, sim.Starts()[1].Access)
}

func TestDefaultOptionsAnswerAccessInformation(t *testing.T) {
	require.Equal(t, DefaultAccessNumber, DefaultOptions().AccessNumber, "make run shows access information")
	_, srv := newSim(t, Options{})
	_, a := start(t, srv.URL, "cb-1", nil)
	require.NotContains(t, a, "_access_number", "the zero Options answer none")
}
