package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/julienschmidt/httprouter"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/metrics"
)

func TestObserveLogsOneLineAndCountsTheRequest(t *testing.T) {
	var buf bytes.Buffer
	s := &Server{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}
	h := s.observe("/x/:id", func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
		noteCallback(r.Context(), "cb-42")
		w.WriteHeader(http.StatusTeapot)
	})
	before := testutil.ToFloat64(metrics.Requests.WithLabelValues("/x/:id", "PUT", "418"))
	req := httptest.NewRequest(http.MethodPut, "/x/1?_customer_number=5551234&secret=1", nil)
	h(httptest.NewRecorder(), req, httprouter.Params{{Key: "id", Value: "1"}})

	require.Equal(t, before+1, testutil.ToFloat64(metrics.Requests.WithLabelValues("/x/:id", "PUT", "418")))
	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line))
	require.Equal(t, "request", line["msg"])
	require.Equal(t, "PUT", line["method"])
	require.Equal(t, "/x/:id", line["route"])
	require.EqualValues(t, 418, line["status"])
	require.Equal(t, "cb-42", line["callback_id"])
	require.Contains(t, line, "latency_ms")
	require.NotContains(t, buf.String(), "5551234", "no personal data from the query string")
	require.NotContains(t, buf.String(), "secret")
	require.Equal(t, 1, bytes.Count(buf.Bytes(), []byte("\n")), "one line per request")
}

func TestUnstorableRequestsAreLoggedAndCounted(t *testing.T) {
	var buf bytes.Buffer
	h := (&Server{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}).Handler()
	for _, target := range []string{"/genesys/1/service/callback/cb?_customer_number=%00", "/genesys/1/service/callback/cb%FF", "/nowhere?x=%C3%28"} {
		buf.Reset()
		counted := func() float64 {
			return testutil.ToFloat64(metrics.Requests.WithLabelValues("unstorable", "GET", "400"))
		}
		before := counted()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))

		require.Equal(t, http.StatusBadRequest, rec.Code, target)
		var envelope map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &envelope))
		require.EqualValues(t, 40010, envelope["code"], target)
		require.Equal(t, before+1, counted(), "%s is counted", target)
		var line map[string]any
		require.NoError(t, json.Unmarshal(buf.Bytes(), &line), "%s is logged: %q", target, buf.String())
		require.Equal(t, "request", line["msg"])
		require.Equal(t, "unstorable", line["route"])
		require.EqualValues(t, 400, line["status"])
	}
}
