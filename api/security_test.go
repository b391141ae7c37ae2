package api_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sqlKey is a lookup key that reads as SQL; service sqlkeys allows it.
const sqlKey = "k';DROP TABLE callbacks;--"

// securityINI adds to testINI a service whose allow-listed lookup keys
// include sqlKey, so SQL-looking keys reach the queries.
const securityINI = testINI + `
[service.sqlkeys]
_app_url = callback.scxml
_request_execution_time_buffer = 0
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = false
_customer_lookup_keys = _customer_number,` + sqlKey + `
`

// TestLookupSQLInjection: SQL-looking lookup keys and values are refused
// (keys outside the allow-list) or matched literally (bound parameters): no
// row leaks, nothing is dropped or deleted, and every answer is an envelope
// or a JSON list.
func TestLookupSQLInjection(t *testing.T) {
	s := newStackWith(t, securityINI)
	sqlPath := "/genesys/1/service/callback/sqlkeys"
	at := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
	start := func(number, keyValue string) string {
		r := s.postJSON(sqlPath, map[string]any{"_customer_number": number, sqlKey: keyValue, "_desired_time": at.Format(time.RFC3339)})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		return r.object(t)["_id"].(string)
	}
	a := start("5201", "x' OR '1'='1")
	b := start("5202", "other")
	cbID := s.schedule(cbPath, "5203", at).object(t)["_id"].(string)

	lookup := func(path string, q url.Values) reply { return s.get(path + "?" + q.Encode()) }
	ids := func(r reply) []string {
		t.Helper()
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		var out []string
		for _, rec := range r.records(t) {
			out = append(out, rec["_id"])
		}
		return out
	}
	injections := []string{"1' OR '1'='1", "5201' OR '1'='1", "' OR 1=1 --", "5201'; DROP TABLE callbacks; --",
		`5201" OR ""="`, "%", "_", "5201' UNION SELECT id FROM callbacks --", "$1"}

	// Values of allowed keys are matched literally.
	for _, v := range injections {
		require.Empty(t, ids(lookup(cbPath, url.Values{"_customer_number": {v}})), "cb _customer_number=%q", v)
		require.Empty(t, ids(lookup("/genesys/1/service/callback", url.Values{"_customer_number": {v}})), "all services _customer_number=%q", v)
		require.Empty(t, ids(lookup(sqlPath, url.Values{sqlKey: {v}})), "sqlkeys %s=%q", sqlKey, v)
		require.Empty(t, ids(lookup(sqlPath, url.Values{"_id": {v}})), "_id=%q", v)
		require.Empty(t, ids(lookup(sqlPath, url.Values{"_customer_number": {v}, sqlKey: {v}, "operand": {"OR"}})), "OR of %q", v)
	}
	// The SQL-looking key and value, when they are the stored ones, find exactly that callback.
	require.Equal(t, []string{a}, ids(lookup(sqlPath, url.Values{sqlKey: {"x' OR '1'='1"}})))
	require.Equal(t, []string{b}, ids(lookup("/genesys/1/service/callback", url.Values{sqlKey: {"other"}})))
	require.Equal(t, []string{a}, ids(lookup(sqlPath, url.Values{"_customer_number": {"5201"}, sqlKey: {"x' OR '1'='1"}})))

	// Keys outside the allow-list are refused, SQL-looking or not.
	for _, k := range []string{sqlKey, "_customer_number' OR '1'='1", "1=1; --", "usr_account) OR (1=1", "c.id", "properties->>'x'"} {
		r := lookup(cbPath, url.Values{k: {"5203"}})
		r.envelope(t, 400, 40010, "BAD_PARAMETER")
		require.Contains(t, string(r.Body), "No such lookup possible", "key %q", k)
	}
	// Reserved parameters with SQL-looking values are refused, not interpreted.
	lookup(cbPath, url.Values{"_customer_number": {"5203"}, "_callback_state": {"SCHEDULED' OR '1'='1"}}).envelope(t, 400, 40020, "INVALID_OPERATION")
	lookup(cbPath, url.Values{"_customer_number": {"5203"}, "operand": {"OR 1=1"}}).envelope(t, 400, 40010, "BAD_PARAMETER")
	lookup(cbPath, url.Values{"_customer_number": {"5203"}, "_desired_time_from": {"now() --"}}).envelope(t, 400, 40010, "BAD_PARAMETER")

	// The admin queries bind their filter values too.
	r := s.send(http.MethodGet, "/genesys/1/admin/callback/queues?"+url.Values{"_callback_state": {"SCHEDULED' OR '1'='1"},
		"_vq": {"x' OR '1'='1"}, "target": {"sqlkeys"}}.Encode(), "", nil, asAdmin)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.JSONEq(t, `{}`, string(r.Body))
	r = s.admin(http.MethodPost, "/genesys/1/admin/callback/ops/delete", map[string][]string{
		sqlKey: {"' OR '1'='1", "other' --"}, "_id": {"' OR '1'='1"}, "_customer_number": {"5201' OR '1'='1"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.NotContains(t, string(r.Body), a, "nothing but literal matches is deleted")
	require.NotContains(t, string(r.Body), b, "nothing but literal matches is deleted")

	// Nothing was dropped or deleted: the table exists and holds its rows.
	var n int
	require.NoError(t, s.store.DB.Get(&n, `SELECT count(*) FROM callbacks WHERE id IN ($1, $2, $3)`, a, b, cbID))
	require.Equal(t, 3, n)
	var lookups int
	require.NoError(t, s.store.DB.Get(&lookups, `SELECT count(*) FROM callback_lookup WHERE key = $1`, sqlKey))
	require.Equal(t, 2, lookups, "the SQL-looking key is stored as data")
	require.Equal(t, []string{cbID}, ids(lookup(cbPath, url.Values{"_customer_number": {"5203"}})))
}

// TestUnstorableText: text PostgreSQL cannot hold (a NUL, invalid UTF-8)
// in a lookup value, a filter value or a property is the client's error,
// 40010, not "read model is unavailable" (503), and never an update the
// read model then fails to write.
func TestUnstorableText(t *testing.T) {
	s := newStack(t)
	id := s.schedule(cbPath, "5401", time.Now().Add(2*time.Hour)).object(t)["_id"].(string)
	for _, v := range []string{"54\x0001", "54\xff01"} {
		t.Run(fmt.Sprintf("%q", v), func(t *testing.T) {
			parent := s.t
			s.t = t
			defer func() { s.t = parent }()
			s.get(cbPath+"?_customer_number="+url.QueryEscape(v)).envelope(t, 400, 40010, "BAD_PARAMETER")
			s.get("/genesys/1/service/callback?_id="+url.QueryEscape(v)).envelope(t, 400, 40010, "BAD_PARAMETER")
			s.admin(http.MethodGet, "/genesys/1/admin/callback/queues?_vq="+url.QueryEscape(v), nil).envelope(t, 400, 40010, "BAD_PARAMETER")
			// Raw bytes: json.Marshal would have replaced invalid UTF-8 with U+FFFD.
			s.send(http.MethodPost, "/genesys/1/admin/callback/ops/delete", "application/json",
				strings.NewReader(`{"_customer_number":["`+v+`"]}`), asAdmin).envelope(t, 400, 40010, "BAD_PARAMETER")
			s.do(http.MethodPost, cbPath, "application/json", strings.NewReader(`{"_customer_number":"5402","usr_note":"`+v+`"}`)).
				envelope(t, 400, 40010, "BAD_PARAMETER")
			s.putForm(cbPath+"/"+id, url.Values{"usr_note": {v}}).envelope(t, 400, 40010, "BAD_PARAMETER")
		})
	}
}

// TestBodyOverOneMiB: every route that reads a body answers 413 with the
// 40010 envelope past 1 MiB (CONTRACT), whatever the encoding; a body of
// exactly 1 MiB is read.
func TestBodyOverOneMiB(t *testing.T) {
	s := newStack(t)
	const limit = 1 << 20
	padJSON := func(n int) []byte { // a JSON object of exactly n bytes
		head, tail := `{"_customer_number":"5301","usr_pad":"`, `"}`
		return []byte(head + strings.Repeat("x", n-len(head)-len(tail)) + tail)
	}
	form := []byte("_customer_number=5302&usr_pad=" + strings.Repeat("y", limit))
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	require.NoError(t, mw.WriteField("_customer_number", "5303"))
	require.NoError(t, mw.WriteField("usr_pad", strings.Repeat("z", limit)))
	require.NoError(t, mw.Close())

	id := s.schedule(cbPath, "5304", time.Now().Add(2*time.Hour)).object(t)["_id"].(string)
	big := padJSON(limit + 4096)
	for _, tc := range []struct {
		method, path, contentType string
		body                      []byte
		admin                     bool
	}{
		{http.MethodPost, cbPath, "application/json", big, false},
		{http.MethodPost, cbPath, "", big, false},
		{http.MethodPost, cbPath, "application/x-www-form-urlencoded", form, false},
		{http.MethodPost, cbPath, mw.FormDataContentType(), mp.Bytes(), false},
		{http.MethodPut, cbPath + "/" + id, "application/json", big, false},
		{http.MethodPut, cbPath + "/" + id, "application/x-www-form-urlencoded", form, false},
		{http.MethodDelete, cbPath + "/" + id, "application/json", big, false},
		{http.MethodPost, "/genesys/1/admin/callback/ops/delete", "application/json", big, true},
		{http.MethodPost, "/genesys/1/admin/callback/reportcancelled", "application/json", big, true},
		{http.MethodPost, "/genesys/1/admin/callback/cancel", "application/json", big, true},
	} {
		var auth func(*http.Request)
		if tc.admin {
			auth = asAdmin
		}
		r := s.send(tc.method, tc.path, tc.contentType, bytes.NewReader(tc.body), auth)
		m := r.envelope(t, http.StatusRequestEntityTooLarge, 40010, "BAD_PARAMETER")
		require.Contains(t, m["message"], "exceeds 1048576 bytes", "%s %s %s", tc.method, tc.path, tc.contentType)
	}
	// The callback the refused PUT and DELETE addressed is untouched.
	st, _ := s.stateOf("cb", id)
	require.Equal(t, "SCHEDULED", st)
	// Exactly 1 MiB is within the cap.
	r := s.do(http.MethodPost, cbPath, "application/json", bytes.NewReader(padJSON(limit)))
	require.NotEqual(t, http.StatusRequestEntityTooLarge, r.Status, "body: %.300s", r.Body)
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestLogsHoldNoPhoneNumbersOrSecrets: over a whole lifecycle (immediate
// and scheduled starts, lookups by number, reschedule, ORS state reports,
// admin queries with good and bad credentials, an admin cancel, forget-me
// by number, failures), the API's and the worker's logs at info level
// carry no customer number and no credential.
func TestLogsHoldNoPhoneNumbersOrSecrets(t *testing.T) {
	var sink syncBuffer
	logger := slog.New(slog.NewJSONHandler(&sink, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s := newLoggedStack(t, testINI, logger)
	const immediate, scheduled, forgotten = "6175550123", "6175550124", "6175550125"

	r := s.postJSON(cbPath, map[string]any{"_customer_number": immediate, "usr_name": "Ann"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	imm := r.object(t)["_id"].(string)
	at := time.Now().Add(3 * time.Hour)
	sch := s.schedule(cbPath, scheduled, at).object(t)["_id"].(string)
	s.schedule(cbPath, forgotten, at.Add(time.Hour))

	for _, n := range []string{immediate, scheduled, "+1" + scheduled} {
		require.Equal(t, http.StatusOK, s.get(cbPath+"?_customer_number="+url.QueryEscape(n)).Status)
		require.Equal(t, http.StatusOK, s.get("/genesys/1/service/callback?_customer_number="+url.QueryEscape(n)).Status)
	}
	require.Equal(t, http.StatusOK, s.putForm(cbPath+"/"+sch, url.Values{"_new_desired_time": {at.Add(time.Hour).UTC().Format(time.RFC3339)},
		"usr_note": {"moved"}}).Status)
	s.putForm(cbPath+"/"+sch, url.Values{"_customer_number": {"x" + scheduled}})                    // whatever it answers
	s.get("/genesys/1/phonenumber?number=" + immediate + "&country=US")                             // number facts
	s.postJSON("/genesys/1/service/callback/broken", map[string]any{"_customer_number": immediate}) // 50020, logged as a warning
	s.postJSON("/genesys/1/service/callback/phones", map[string]any{"_customer_number": "5551234567"})
	s.send(http.MethodGet, "/genesys/1/admin/callback/watermarks", "", nil, func(r *http.Request) { r.SetBasicAuth("admin", "wrong-"+adminPassword) })
	s.send(http.MethodGet, "/genesys/1/admin/callback/watermarks", "", nil, func(r *http.Request) { r.SetBasicAuth(adminPassword, adminPassword) })
	require.Equal(t, http.StatusOK, s.admin(http.MethodGet, "/genesys/1/admin/callback/queues?target=cb", nil).Status)
	require.Equal(t, http.StatusOK, s.send(http.MethodDelete, cbPath+"/"+sch, "", nil, asAdmin).Status)
	r = s.admin(http.MethodPost, "/genesys/1/admin/callback/ops/delete", map[string]any{"_customer_number": []string{forgotten}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	eventually(t, 30*time.Second, func() bool { st, _ := s.stateOf("cb", imm); return st == "COMPLETED" }, "immediate callback never completed")

	logs := sink.String()
	require.Greater(t, strings.Count(logs, `"msg":"request"`), 15, "the requests are logged: %s", logs)
	secrets := map[string]string{
		"admin password":          adminPassword,
		"admin bcrypt hash":       adminHash,
		"Basic credentials":       base64.StdEncoding.EncodeToString([]byte("admin:" + adminPassword)),
		"wrong password":          "wrong-" + adminPassword,
		"immediate number":        immediate,
		"scheduled number":        scheduled,
		"forgotten number":        forgotten,
		"rejected premium number": "5551234567",
	}
	for what, v := range secrets {
		require.NotContains(t, logs, v, "the logs hold the %s", what)
	}
	// Not even the subscriber part of a number (its last 7 digits).
	for _, n := range []string{immediate, scheduled, forgotten} {
		require.NotContains(t, logs, n[3:], "the logs hold most of %s", n)
	}
	t.Logf("%d bytes of logs checked", len(logs))
	if testing.Verbose() {
		t.Log(logs)
	}
}
