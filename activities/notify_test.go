package activities_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/opengms/callback/activities"
	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/notify"
)

// deliver runs DeliverNotification of n under a configuration whose
// service hooked allows local receivers and signs with "k".
func deliver(t *testing.T, n contract.Notification) error {
	t.Helper()
	cfg, err := config.Parse([]byte("[service.hooked]\n_app_url = a.scxml\n" +
		`_notification_url_pattern = http://127\.0\.0\.1:[0-9]+/hooks/.*` + "\n_notification_secret = k\n"))
	require.NoError(t, err)
	var env testsuite.WorkflowTestSuite
	aenv := env.NewTestActivityEnvironment()
	aenv.RegisterActivity(&activities.Activities{Config: func() *config.Config { return cfg },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	_, err = aenv.ExecuteActivity(contract.DeliverNotification, n)
	return err
}

func notification(url string) contract.Notification {
	return contract.Notification{Seq: 2, URL: url, Payload: notify.Payload{ID: "cb-1", Service: "hooked", State: "QUEUED",
		DesiredTime: "2026-12-03T17:00:00.000Z", EWT: 30, Event: notify.StateChanged, Time: "2026-12-03T16:58:00.000Z"}}
}

func TestDeliverNotificationPostsSignedJSON(t *testing.T) {
	var got *http.Request
	var body []byte
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, body = r, must(io.ReadAll(r.Body))
		w.WriteHeader(http.StatusAccepted)
	}))
	defer recv.Close()

	require.NoError(t, deliver(t, notification(recv.URL+"/hooks/x")))
	require.Equal(t, http.MethodPost, got.Method)
	require.Equal(t, "application/json", got.Header.Get("Content-Type"))
	require.Equal(t, "cb-1/2", got.Header.Get(notify.HeaderDelivery))
	require.Equal(t, notify.StateChanged, got.Header.Get(notify.HeaderEvent))
	require.Regexp(t, regexp.MustCompile(`^sha256=[0-9a-f]{64}$`), got.Header.Get(notify.HeaderSignature))
	require.True(t, notify.Verify("k", body, got.Header.Get(notify.HeaderSignature)))
	require.JSONEq(t, `{"_id":"cb-1","_service_name":"hooked","_callback_state":"QUEUED","_callback_reason":"",
		"_desired_time":"2026-12-03T17:00:00.000Z","_ewt":30,"event":"state_changed","time":"2026-12-03T16:58:00.000Z"}`, string(body))
}

func TestDeliverNotificationFailures(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	followed := 0
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { followed++ }))
	defer elsewhere.Close()
	moved := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/hooks/y", http.StatusTemporaryRedirect)
	}))
	defer moved.Close()

	var appErr *temporal.ApplicationError
	for _, url := range []string{down.URL + "/hooks/x", moved.URL + "/hooks/x"} {
		err := deliver(t, notification(url))
		require.Error(t, err, url)
		require.False(t, errors.As(err, &appErr) && appErr.NonRetryable(), "%s: retried: %v", url, err)
	}
	require.Zero(t, followed, "a redirect is not followed")
	// A URL the configuration in force no longer allows is refused for good.
	err := deliver(t, notification("http://127.0.0.1:9/elsewhere"))
	require.ErrorAs(t, err, &appErr)
	require.True(t, appErr.NonRetryable())
	require.Equal(t, "NOTIFICATION_REFUSED", appErr.Type())
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
