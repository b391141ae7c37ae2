package api_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/internal/testenv"
	"github.com/opengms/callback/privacy"
)

// Customer data of the privacy tests: none of it may be readable in
// Temporal.
const (
	privateNumber = "+15550107777"
	privateName   = "Ada-Lovelace-Private"
	privateNote   = "gate-code-4711"
)

// temporalCLI runs the repository's Temporal CLI against the tests' server.
func temporalCLI(t *testing.T, args ...string) string {
	t.Helper()
	args = append(args, "--address", testenv.FrontendAddress(t), "--namespace", "default", "--output", "json")
	out, err := exec.Command(testenv.TemporalCLIPath(t), args...).CombinedOutput()
	require.NoError(t, err, "temporal %s: %s", strings.Join(args, " "), out)
	return string(out)
}

// payloadText is the CLI's JSON output with every base64 value (payload
// data and metadata) decoded next to it: what anyone reading it can read.
func payloadText(t *testing.T, out string) string {
	var b strings.Builder
	b.WriteString(out)
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if s, ok := tok.(string); ok {
			if raw, err := base64.StdEncoding.DecodeString(s); err == nil {
				b.WriteString("\n")
				b.Write(raw)
			}
		}
	}
	require.NotEqual(t, len(out), b.Len(), "no base64 value in the output")
	return b.String()
}

func TestTemporalHoldsNoReadableCustomerData(t *testing.T) {
	s := newStack(t)
	// An immediate callback: its input, the ORS submission's arguments,
	// the read-model writes, an update with a user datum, its result.
	r := s.postJSON(cbPath, map[string]any{"_customer_number": privateNumber, "usr_name": privateName})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	id := r.object(t)["_id"].(string)
	require.Equal(t, http.StatusOK, s.putForm(cbPath+"/"+id, url.Values{"usr_note": {privateNote}}).Status)
	eventually(t, 20*time.Second, func() bool { st, _ := s.stateOf("cb", id); return st == "COMPLETED" }, "never completed")
	require.NotEmpty(t, s.ors.Starts(), "ORS got the callback, with its data")

	raw := temporalCLI(t, "workflow", "show", "--workflow-id", id) + temporalCLI(t, "workflow", "describe", "--workflow-id", id)
	rawText := payloadText(t, raw)
	for _, secret := range []string{"5550107777", privateName, privateNote} {
		require.False(t, strings.Contains(rawText, secret), "the raw history or description holds %q", secret)
	}
	require.True(t, strings.Contains(rawText, privacy.EncodingEncrypted), "payloads are encrypted")
	require.True(t, strings.Contains(rawText, `"`+testenv.Secrets(t).Hasher().Hash(privateNumber)+`"`), "the CustomerNumber attribute is the number's hash")

	// Through the codec server (as the Temporal UI decodes): all of it.
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+adminPassword))
	decoded := temporalCLI(t, "workflow", "show", "--workflow-id", id, "--codec-endpoint", s.url+"/codec", "--codec-auth", auth)
	decodedText := payloadText(t, decoded)
	for _, secret := range []string{privateNumber, privateName, privateNote} {
		require.True(t, strings.Contains(decodedText, secret), "the decoded view shows %q", secret)
	}
}

// TestCodecServerForTheTemporalUI makes the Temporal UI's codec requests:
// the preflight, then the decode, with and without credentials.
func TestCodecServerForTheTemporalUI(t *testing.T) {
	s := newStack(t)
	codec, err := testenv.Secrets(t).Codec()
	require.NoError(t, err)
	plain, err := privacy.DataConverter(codec).ToPayload(map[string]string{callback.KeyCustomerNumber: privateNumber})
	require.NoError(t, err)
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{plain}})
	require.NoError(t, err)
	require.NotContains(t, string(body), "5550107777")

	call := func(method, origin string, auth func(*http.Request), body string) reply {
		return s.send(method, "/codec/decode", "application/json", strings.NewReader(body), func(r *http.Request) {
			r.Header.Set("Origin", origin)
			r.Header.Set("X-Namespace", "default")
			if method == http.MethodOptions {
				r.Header.Set("Access-Control-Request-Method", "POST")
				r.Header.Set("Access-Control-Request-Headers", "content-type,x-namespace")
			}
			if auth != nil {
				auth(r)
			}
		})
	}

	pre := call(http.MethodOptions, uiOrigin, nil, "")
	require.Equal(t, http.StatusNoContent, pre.Status)
	require.Equal(t, uiOrigin, pre.Header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "true", pre.Header.Get("Access-Control-Allow-Credentials"))
	require.Contains(t, pre.Header.Get("Access-Control-Allow-Methods"), "POST")
	for _, h := range []string{"Content-Type", "X-Namespace", "Authorization"} {
		require.Contains(t, pre.Header.Get("Access-Control-Allow-Headers"), h)
	}
	require.Empty(t, call(http.MethodOptions, "https://evil.example", nil, "").Header.Get("Access-Control-Allow-Origin"),
		"another origin's page may not call it")

	// Without credentials: 401 in the envelope, readable by the UI (CORS).
	anon := call(http.MethodPost, uiOrigin, nil, string(body))
	anon.envelope(t, http.StatusUnauthorized, 40100, "UNAUTHORIZED")
	require.Equal(t, uiOrigin, anon.Header.Get("Access-Control-Allow-Origin"))
	require.NotContains(t, string(anon.Body), "5550107777")
	call(http.MethodPost, uiOrigin, func(r *http.Request) { r.SetBasicAuth("admin", "wrong") }, string(body)).
		envelope(t, http.StatusUnauthorized, 40100, "UNAUTHORIZED")

	// With an admin's credentials: the payloads in the clear.
	ok := call(http.MethodPost, uiOrigin, asAdmin, string(body))
	require.Equal(t, http.StatusOK, ok.Status, "body: %s", ok.Body)
	require.Equal(t, uiOrigin, ok.Header.Get("Access-Control-Allow-Origin"))
	var out commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(ok.Body, &out))
	require.Len(t, out.Payloads, 1)
	require.Equal(t, "json/plain", string(out.Payloads[0].Metadata["encoding"]))
	require.Contains(t, string(out.Payloads[0].Data), privateNumber)
	require.Empty(t, call(http.MethodPost, "https://evil.example", asAdmin, string(body)).Header.Get("Access-Control-Allow-Origin"))

	// Bad input: the envelope, never plain text.
	call(http.MethodPost, uiOrigin, asAdmin, "not json").envelope(t, http.StatusBadRequest, 40010, "BAD_PARAMETER")
	other, err := privacy.NewCodec(privacy.Keys{{ID: "elsewhere", Secret: make([]byte, 32)}})
	require.NoError(t, err)
	foreign, err := other.Encode([]*commonpb.Payload{{Data: []byte("x")}})
	require.NoError(t, err)
	fb, err := protojson.Marshal(&commonpb.Payloads{Payloads: foreign})
	require.NoError(t, err)
	m := call(http.MethodPost, uiOrigin, asAdmin, string(fb)).envelope(t, http.StatusBadRequest, 40010, "BAD_PARAMETER")
	require.Contains(t, m["message"], `"elsewhere"`)
	s.send(http.MethodPost, "/codec/other", "application/json", strings.NewReader(string(body)), asAdmin).
		envelope(t, http.StatusNotFound, 40400, "NOT_FOUND")

	// GET /codec/ is where the browser signs in for the calls below it.
	login := s.get("/codec/")
	login.envelope(t, http.StatusUnauthorized, 40100, "UNAUTHORIZED")
	require.Equal(t, `Basic realm="GMS"`, login.Header.Get("WWW-Authenticate"))
	require.Equal(t, http.StatusOK, s.send(http.MethodGet, "/codec/", "", nil, asAdmin).Status)
}

func TestNumberHashForOperators(t *testing.T) {
	s := newStack(t)
	want := testenv.Secrets(t).Hasher().Hash("+1 555 010 7777")
	r := s.send(http.MethodGet, "/genesys/1/admin/callback/number-hash?_customer_number="+url.QueryEscape("+1 555 010 7777"), "", nil, asAdmin)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	m := r.object(t)
	require.Equal(t, want, m["number_hash"])
	require.Equal(t, `CustomerNumber = "`+want+`"`, m["temporal_query"])
	require.Equal(t, want, testenv.Secrets(t).Hasher().Hash(privateNumber), "spacing does not change the hash")
	s.get("/genesys/1/admin/callback/number-hash?_customer_number=5115").envelope(t, http.StatusUnauthorized, 40100, "UNAUTHORIZED")
	s.send(http.MethodGet, "/genesys/1/admin/callback/number-hash", "", nil, asAdmin).envelope(t, http.StatusBadRequest, 40010, "BAD_PARAMETER")
}
