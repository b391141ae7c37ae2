package orssim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeGMS records the PUTs an ORS sends to the callback URL.
type fakeGMS struct {
	mu     sync.Mutex
	puts   []url.Values
	paths  []string
	status int // answer; 0 = 200
	failN  int // the first failN PUTs answer 503
	got    chan url.Values
}

func newFakeGMS(t *testing.T) (*fakeGMS, *httptest.Server) {
	f := &fakeGMS{got: make(chan url.Values, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			http.Error(w, "method", http.StatusMethodNotAllowed)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var v url.Values
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch ct {
		case "application/json":
			m := map[string]string{}
			if err := json.Unmarshal(body, &m); err != nil {
				http.Error(w, "bad json", http.StatusBadRequest)
				return
			}
			v = url.Values{}
			for k, x := range m {
				v.Set(k, x)
			}
		default:
			var err error
			if v, err = url.ParseQuery(string(body)); err != nil {
				http.Error(w, "bad form", http.StatusBadRequest)
				return
			}
		}
		f.mu.Lock()
		if f.failN > 0 {
			f.failN--
			f.mu.Unlock()
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		st := f.status
		f.puts = append(f.puts, v)
		f.paths = append(f.paths, r.URL.Path)
		f.mu.Unlock()
		f.got <- v
		if st == 0 {
			st = http.StatusOK
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
		_, _ = w.Write([]byte("{}"))
	}))
	t.Cleanup(srv.Close)
	return f, srv
}

func newSim(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	sim := New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { srv.Close(); sim.Close() })
	return sim, srv
}

func start(t *testing.T, base, key string, params map[string]any) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"src": "callback.scxml", "params": params})
	req, _ := http.NewRequest(http.MethodPost, base+"/scxml/session/start", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("start: decode: %v", err)
	}
	return resp.StatusCode, out
}

func post(t *testing.T, u string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(u, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("post %s: %v", u, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestIdempotentStart(t *testing.T) {
	sim, srv := newSim(t, Options{})
	params := map[string]any{"_id": "cb-1", "_customer_number": "5551234"}
	st1, a := start(t, srv.URL, "cb-1", params)
	st2, b := start(t, srv.URL, "cb-1", params)
	if st1 != 200 || st2 != 200 {
		t.Fatalf("status %d %d", st1, st2)
	}
	id, _ := a["sessionid"].(string)
	if id == "" || b["sessionid"] != id {
		t.Fatalf("session ids %v %v", a, b)
	}
	if n := sim.SessionsFor("cb-1"); n != 1 {
		t.Fatalf("SessionsFor = %d", n)
	}
	if n := sim.SessionsForID("cb-1"); n != 1 {
		t.Fatalf("SessionsForID = %d", n)
	}
	if n := sim.Attempts("cb-1"); n != 2 {
		t.Fatalf("Attempts = %d", n)
	}
	starts := sim.Starts()
	if len(starts) != 1 || starts[0].SessionID != id || starts[0].Key != "cb-1" ||
		starts[0].Src != "callback.scxml" || starts[0].Params["_customer_number"] != "5551234" {
		t.Fatalf("Starts = %+v", starts)
	}
	if got, ok := sim.SessionFor("cb-1"); !ok || got != id {
		t.Fatalf("SessionFor = %q %v", got, ok)
	}
	// Another key is another session.
	_, c := start(t, srv.URL, "cb-2", map[string]any{"_id": "cb-2"})
	if c["sessionid"] == id {
		t.Fatal("different keys share a session")
	}
	if st, ok := sim.SessionState(id); !ok || st != StateStarted {
		t.Fatalf("SessionState = %q %v", st, ok)
	}
}

func TestConcurrentStartsSameKey(t *testing.T) {
	sim, srv := newSim(t, Options{})
	sim.SetDelay(20 * time.Millisecond)
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, out := start(t, srv.URL, "same", map[string]any{"_id": "same"})
			ids[i], _ = out["sessionid"].(string)
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id == "" || id != ids[0] {
			t.Fatalf("ids %v", ids)
		}
	}
	if sim.SessionsFor("same") != 1 || sim.Attempts("same") != 8 {
		t.Fatalf("sessions %d attempts %d", sim.SessionsFor("same"), sim.Attempts("same"))
	}
}

func TestDriveSequence(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		name := "form"
		if asJSON {
			name = "json"
		}
		t.Run(name, func(t *testing.T) {
			gms, gsrv := newFakeGMS(t)
			gms.failN = 1 // the first report is retried
			sim, srv := newSim(t, Options{
				RoutingDelay: 5 * time.Millisecond, ProcessingDelay: 5 * time.Millisecond,
				CompleteDelay: 5 * time.Millisecond, Drive: true, PutJSON: asJSON,
				RetryBackoff: 5 * time.Millisecond,
			})
			cbURL := gsrv.URL + "/genesys/1/service/callback/svc/cb-9"
			_, out := start(t, srv.URL, "cb-9", map[string]any{"_id": "cb-9", "_callback_url": cbURL})
			sid := out["sessionid"].(string)

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := sim.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			gms.mu.Lock()
			defer gms.mu.Unlock()
			want := []string{"ROUTING", "PROCESSING", "COMPLETED"}
			if len(gms.puts) != len(want) {
				t.Fatalf("puts = %v", gms.puts)
			}
			for i, w := range want {
				if got := gms.puts[i].Get("_callback_state"); got != w {
					t.Fatalf("put %d state %q, want %q", i, got, w)
				}
				if gms.paths[i] != "/genesys/1/service/callback/svc/cb-9" {
					t.Fatalf("path %q", gms.paths[i])
				}
			}
			if r := gms.puts[2].Get("_callback_reason"); r != "AGENT_CONNECTED" {
				t.Fatalf("reason %q", r)
			}
			if r := gms.puts[0].Get("_callback_reason"); r != "" {
				t.Fatalf("ROUTING carries reason %q", r)
			}
			ups := sim.Updates()
			if len(ups) != 3 || ups[0].Attempts != 2 || ups[0].Err != "" || ups[2].Status != 200 {
				t.Fatalf("updates %+v", ups)
			}
			if st, _ := sim.SessionState(sid); st != "COMPLETED" {
				t.Fatalf("state %q", st)
			}
		})
	}
}

func TestRejectedReportStopsDriving(t *testing.T) {
	gms, gsrv := newFakeGMS(t)
	gms.status = http.StatusBadRequest
	sim, srv := newSim(t, Options{Drive: true})
	_, out := start(t, srv.URL, "k", map[string]any{"_callback_url": gsrv.URL + "/cb"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sim.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	ups := sim.Updates()
	if len(ups) != 1 || ups[0].Status != 400 || ups[0].Attempts != 1 {
		t.Fatalf("updates %+v", ups)
	}
	if st, _ := sim.SessionState(out["sessionid"].(string)); st != StateFailed {
		t.Fatalf("state %q", st)
	}
}

func TestCancelStopsDriving(t *testing.T) {
	gms, gsrv := newFakeGMS(t)
	sim, srv := newSim(t, Options{
		RoutingDelay: 10 * time.Millisecond, ProcessingDelay: time.Hour, CompleteDelay: time.Hour, Drive: true,
	})
	_, out := start(t, srv.URL, "cb-c", map[string]any{"_callback_url": gsrv.URL + "/cb"})
	sid := out["sessionid"].(string)
	select {
	case v := <-gms.got:
		if v.Get("_callback_state") != "ROUTING" {
			t.Fatalf("first report %v", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no ROUTING report")
	}
	st, body := post(t, srv.URL+"/scxml/session/"+sid+"/event/callback.cancel")
	if st != 200 || len(body) != 0 {
		t.Fatalf("cancel: %d %v", st, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sim.WaitIdle(ctx); err != nil {
		t.Fatal("driver still running after cancel")
	}
	gms.mu.Lock()
	n := len(gms.puts)
	gms.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d reports after cancel", n)
	}
	if c := sim.Cancels(); len(c) != 1 || c[0] != sid {
		t.Fatalf("Cancels = %v", c)
	}
	if s, _ := sim.SessionState(sid); s != StateCancelled {
		t.Fatalf("state %q", s)
	}

	// Unknown session: 404 JSON.
	st, body = post(t, srv.URL+"/scxml/session/nope/event/callback.cancel")
	if st != 404 || body["error"] == nil {
		t.Fatalf("unknown cancel: %d %v", st, body)
	}

	// Injected cancel failure.
	sim.SetCancelStatus(http.StatusInternalServerError)
	if st, _ = post(t, srv.URL+"/scxml/session/"+sid+"/event/callback.cancel"); st != 500 {
		t.Fatalf("injected cancel failure: %d", st)
	}
	if len(sim.Cancels()) != 1 {
		t.Fatal("failed cancel recorded")
	}
}

func TestCancelBeforeDriveStarts(t *testing.T) {
	gms, gsrv := newFakeGMS(t)
	sim, srv := newSim(t, Options{RoutingDelay: 50 * time.Millisecond, Drive: true})
	_, out := start(t, srv.URL, "x", map[string]any{"_callback_url": gsrv.URL + "/cb"})
	post(t, srv.URL+"/scxml/session/"+out["sessionid"].(string)+"/event/callback.cancel")
	time.Sleep(150 * time.Millisecond)
	gms.mu.Lock()
	defer gms.mu.Unlock()
	if len(gms.puts) != 0 {
		t.Fatalf("reports after cancel: %v", gms.puts)
	}
	_ = sim
}

func TestNoDrive(t *testing.T) {
	gms, gsrv := newFakeGMS(t)
	sim, srv := newSim(t, Options{Drive: false})
	start(t, srv.URL, "nd", map[string]any{"_callback_url": gsrv.URL + "/cb"})
	time.Sleep(50 * time.Millisecond)
	gms.mu.Lock()
	defer gms.mu.Unlock()
	if len(gms.puts) != 0 || len(sim.Updates()) != 0 {
		t.Fatalf("driven although Drive=false: %v", gms.puts)
	}
}

func TestFailFirst(t *testing.T) {
	sim, srv := newSim(t, Options{})
	sim.SetFailFirst(2)
	for i := 0; i < 2; i++ {
		st, body := start(t, srv.URL, "ff", map[string]any{"_id": "ff"})
		if st != http.StatusServiceUnavailable || body["error"] == nil {
			t.Fatalf("attempt %d: %d %v", i+1, st, body)
		}
	}
	if sim.SessionsFor("ff") != 0 {
		t.Fatal("failed attempt created a session")
	}
	st, body := start(t, srv.URL, "ff", map[string]any{"_id": "ff"})
	if st != 200 || body["sessionid"] == "" {
		t.Fatalf("third attempt: %d %v", st, body)
	}
	if sim.Attempts("ff") != 3 || sim.SessionsFor("ff") != 1 || sim.TotalAttempts() != 3 {
		t.Fatalf("attempts %d sessions %d", sim.Attempts("ff"), sim.SessionsFor("ff"))
	}
}

func TestFailRate(t *testing.T) {
	sim, srv := newSim(t, Options{FailRate: 1})
	if st, _ := start(t, srv.URL, "fr", nil); st != http.StatusInternalServerError {
		t.Fatalf("status %d", st)
	}
	sim.SetFailRate(0)
	if st, _ := start(t, srv.URL, "fr", nil); st != 200 {
		t.Fatalf("status %d", st)
	}
}

func TestSlowStartKeepsSession(t *testing.T) {
	sim, srv := newSim(t, Options{})
	sim.SetDelay(time.Second)
	body, _ := json.Marshal(map[string]any{"src": "a", "params": map[string]any{}})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/scxml/session/start", bytes.NewReader(body))
	req.Header.Set("Idempotency-Key", "slow")
	client := &http.Client{Timeout: 50 * time.Millisecond}
	if _, err := client.Do(req); err == nil {
		t.Fatal("expected a client timeout")
	}
	sim.SetDelay(0)
	st, out := start(t, srv.URL, "slow", map[string]any{})
	if st != 200 || sim.SessionsFor("slow") != 1 {
		t.Fatalf("%d %v sessions %d", st, out, sim.SessionsFor("slow"))
	}
	if id, _ := sim.SessionFor("slow"); id != out["sessionid"] {
		t.Fatalf("retry got %v, first session %s", out["sessionid"], id)
	}
}

func TestBadStartBody(t *testing.T) {
	_, srv := newSim(t, Options{})
	resp, err := http.Post(srv.URL+"/scxml/session/start", "application/json", strings.NewReader("{"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestStatistic(t *testing.T) {
	sim, srv := newSim(t, Options{EWTSeconds: 42})
	get := func() int {
		resp, err := http.Get(srv.URL + "/statistic?name=ExpectedWaitTime&object=Queue&id=8999@SIP_Server&tenant=Environment")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		var out struct{ Value int }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out.Value
	}
	if v := get(); v != 42 {
		t.Fatalf("value %d", v)
	}
	sim.SetEWT(7)
	if v := get(); v != 7 {
		t.Fatalf("value %d", v)
	}
	qs := sim.StatQueries()
	if len(qs) != 2 || qs[0].Get("id") != "8999@SIP_Server" || qs[0].Get("name") != "ExpectedWaitTime" {
		t.Fatalf("queries %v", qs)
	}
}

func TestUnknownRoute(t *testing.T) {
	_, srv := newSim(t, Options{})
	resp, err := http.Get(srv.URL + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestDefaultOptions(t *testing.T) {
	o := DefaultOptions()
	if o.RoutingDelay != 2*time.Second || o.ProcessingDelay != 3*time.Second || o.CompleteDelay != 5*time.Second || !o.Drive {
		t.Fatalf("%+v", o)
	}
}

func TestPauseHoldsReportsUntilResume(t *testing.T) {
	var mu sync.Mutex
	var got []string
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		got = append(got, r.Form.Get("_callback_state"))
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer cb.Close()
	sim := New(Options{Drive: true, RoutingDelay: 100 * time.Millisecond, ProcessingDelay: 10 * time.Millisecond, CompleteDelay: 10 * time.Millisecond})
	defer sim.Close()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/scxml/session/start", "application/json",
		strings.NewReader(`{"src":"a","params":{"_callback_url":"`+cb.URL+`"}}`))
	require.NoError(t, err)
	var body struct {
		SessionID string `json:"sessionid"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	resp.Body.Close()
	post := func(event string) {
		r, err := http.Post(srv.URL+"/scxml/session/"+body.SessionID+"/event/"+event, "application/json", strings.NewReader("{}"))
		require.NoError(t, err)
		r.Body.Close()
		require.Equal(t, http.StatusOK, r.StatusCode)
	}
	post("callback.pause")
	require.True(t, sim.Paused(body.SessionID))
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	require.Empty(t, got, "nothing reported while paused")
	mu.Unlock()
	post("callback.resume")
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 3 }, 5*time.Second, 20*time.Millisecond)
	require.Equal(t, []Event{{body.SessionID, true}, {body.SessionID, false}}, sim.Events())
}
