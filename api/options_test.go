package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
)

// optionsINI adds services whose options a request sets: through a token,
// and an overwritable redirect.
const optionsINI = `
[service.tokened]
_app_url = callback.scxml
_request_time_bucket = $bucket$
_disallow_impossible_phone_numbers = false

[service.detour]
_app_url = callback.scxml
_redirect = cb
_overwritable_options = _redirect
_disallow_impossible_phone_numbers = false
`

// TestRequestOptionValues: an option value a request supplies that fails
// the option's validator is the client's fault, 400 40010 naming the
// option, not a 50020 configuration error (issue 14 B).
func TestRequestOptionValues(t *testing.T) {
	s := newStackWith(t, testINI+optionsINI)
	for _, tc := range []struct {
		name, path, body, message, option string
	}{
		{"boolean", "/genesys/1/service/callback/buffered", `{"_customer_number":"1","_wait_for_agent":"yes"}`,
			"Invalid _wait_for_agent: yes", "_wait_for_agent"},
		{"one of", "/genesys/1/service/callback/buffered", `{"_customer_number":"1","_request_time_bucket":"7"}`,
			"Invalid _request_time_bucket: 7", "_request_time_bucket"},
		{"integer", "/genesys/1/service/callback/buffered", `{"_customer_number":"1","_max_ors_submit_attempts":"0"}`,
			"Invalid _max_ors_submit_attempts: 0", "_max_ors_submit_attempts"},
		{"statistic", "/genesys/1/service/callback/buffered", `{"_customer_number":"1","_request_queue_time_stat":"EWT;Queue"}`,
			"Invalid _request_queue_time_stat: EWT;Queue", "_request_queue_time_stat"},
		{"through a token", "/genesys/1/service/callback/tokened", `{"_customer_number":"1","bucket":"7"}`,
			"Invalid _request_time_bucket: 7 (from parameter bucket)", "_request_time_bucket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := s.do(http.MethodPost, tc.path, "application/json", strings.NewReader(tc.body)).envelope(t, 400, 40010, "BAD_PARAMETER")
			require.Equal(t, tc.message, m["message"])
			require.Equal(t, map[string]any{"option": tc.option}, m["properties"])
		})
	}
	require.Empty(t, s.ors.Starts(), "no rejected request reached ORS")
	var n int
	require.NoError(t, s.store.DB.Get(&n, "SELECT count(*) FROM callbacks"))
	require.Zero(t, n, "no rejected request left a row")

	// Without its parameter the token stays literal: the configuration's fault.
	m := s.postJSON("/genesys/1/service/callback/tokened", map[string]any{"_customer_number": "1"}).envelope(t, 500, 50020, "BAD_CONFIGURATION")
	require.Equal(t, "Option _request_time_bucket is invalid: $bucket$", m["message"])
	at := time.Now().Add(time.Hour)
	r := s.postJSON("/genesys/1/service/callback/tokened?bucket=10", map[string]any{"_customer_number": "1", "_desired_time": callback.FormatTime(at)})
	require.Equal(t, http.StatusOK, r.Status, "a valid token value: body %s", r.Body)
}

// TestQuotedEmptyRedirect: `?_redirect=""`, as the vendor reference writes
// it, is the empty value and disables an overwritable redirect.
func TestQuotedEmptyRedirect(t *testing.T) {
	s := newStackWith(t, testINI+optionsINI)
	at := time.Now().Add(time.Hour)
	n := 0
	serviceOf := func(query string) string {
		n++ // a number each: the in-queue limit stays out of the way
		r := s.schedule("/genesys/1/service/callback/detour"+query, strconv.Itoa(n), at)
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		rec, err := s.store.Get(context.Background(), r.object(t)["_id"].(string))
		require.NoError(t, err)
		return rec.Service
	}
	require.Equal(t, "cb", serviceOf(""), "redirected by default")
	require.Equal(t, "detour", serviceOf(`?_redirect=""`), "not redirected")
	require.Equal(t, "detour", serviceOf("?_redirect=%22%22"), "not redirected")
	require.Equal(t, "detour", serviceOf("?_redirect="), "not redirected")
}
