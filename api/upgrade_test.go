package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/internal/pgserver"
	"github.com/opengms/callback/internal/testenv"
	"github.com/opengms/callback/orssim"
	"github.com/opengms/callback/privacy"
	"github.com/opengms/callback/workflows"
)

// deployment is one release's API and worker processes.
type deployment struct {
	t     *testing.T
	procs []*exec.Cmd
	url   string
}

// buildRelease builds cmd/api and cmd/worker of the source tree src into dir.
func buildRelease(t *testing.T, src, dir string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", dir+string(os.PathSeparator), "./cmd/api", "./cmd/worker")
	cmd.Dir = src
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "build %s: %s", src, out)
}

// releaseSource extracts the source of the release's commit (corpus
// <release>/RELEASE) into a temporary directory.
func releaseSource(t *testing.T, release string) string {
	t.Helper()
	root := testenv.RepoRoot(t)
	commit, err := os.ReadFile(filepath.Join(root, "workflows", "testdata", "histories", release, "RELEASE"))
	require.NoError(t, err)
	rev := strings.TrimSpace(string(commit))
	if out, err := exec.Command("git", "-C", root, "cat-file", "-e", rev+"^{commit}").CombinedOutput(); err != nil {
		t.Fatalf("release %s (commit %s) is not in this clone (a shallow clone? git fetch --unshallow): %v %s", release, rev, err, out)
	}
	dir := t.TempDir()
	archive := exec.Command("git", "-C", root, "archive", rev)
	untar := exec.Command("tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	require.NoError(t, err)
	untar.Stdin = pipe
	require.NoError(t, untar.Start())
	require.NoError(t, archive.Run())
	require.NoError(t, untar.Wait())
	return dir
}

// start runs bin's api and worker with env; it returns once the API is healthy.
func (d *deployment) start(bin string, env []string) {
	d.t.Helper()
	for _, name := range []string{"worker", "api"} {
		cmd := exec.Command(filepath.Join(bin, name))
		cmd.Env = env
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		require.NoError(d.t, cmd.Start())
		d.procs = append(d.procs, cmd)
		d.t.Cleanup(func() {
			if cmd.ProcessState == nil {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
			}
			if d.t.Failed() {
				d.t.Logf("%s %s:\n%s", bin, name, logs.String())
			}
		})
	}
	eventually(d.t, 60*time.Second, func() bool {
		resp, err := http.Get(d.url + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, "%s did not become healthy", bin)
}

// stop ends the processes as a deploy does (SIGTERM, then wait).
func (d *deployment) stop() {
	for _, cmd := range d.procs {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	d.procs = nil
}

func (d *deployment) do(method, path string, form url.Values) (int, map[string]any) {
	d.t.Helper()
	req, err := http.NewRequest(method, d.url+path, strings.NewReader(form.Encode()))
	require.NoError(d.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(d.t, err)
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// state is the callback's state through the deployment's lookup (Q4).
func (d *deployment) state(id string) string {
	req, _ := http.NewRequest(http.MethodGet, d.url+"/genesys/1/service/callback/ewt?"+url.Values{callback.KeyCustomerNumber: {"5121"}}.Encode(), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var recs []map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&recs)
	for _, r := range recs {
		if r["_id"] == id {
			s, _ := r["_callback_state"].(string)
			return s
		}
	}
	return ""
}

// commandOrder is the order of the timers and EWT reads in a history.
func commandOrder(h *historypb.History) []string {
	var out []string
	for _, ev := range h.Events {
		switch ev.EventType {
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			out = append(out, "timer")
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			if name := ev.GetActivityTaskScheduledEventAttributes().ActivityType.Name; name == "ExpectedWaitTime" {
				out = append(out, "ewt")
			}
		}
	}
	return out
}

// TestUpgradeWhileCallbacksSleep deploys the current code over release v1
// while a callback v1 booked sleeps: the callback, on v1's path, falls due
// and completes on the new code, submitted once; one booked after the
// deploy takes the new path. Both histories replay on the new code.
func TestUpgradeWhileCallbacksSleep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two releases")
	}
	bins := map[string]string{"v1": t.TempDir(), workflows.Release: t.TempDir()}
	buildRelease(t, releaseSource(t, "v1"), bins["v1"])
	buildRelease(t, testenv.RepoRoot(t), bins[workflows.Release])

	c := testenv.Temporal(t)
	ors := orssim.New(orssim.Options{Drive: true, RoutingDelay: 100 * time.Millisecond,
		ProcessingDelay: 100 * time.Millisecond, CompleteDelay: 100 * time.Millisecond})
	orsSrv := httptest.NewServer(ors)
	t.Cleanup(orsSrv.Close)
	t.Cleanup(ors.Close)
	dir := t.TempDir()
	ini := filepath.Join(dir, "gms.ini")
	require.NoError(t, os.WriteFile(ini, []byte(strings.NewReplacer("{ORS}", orsSrv.URL, "{ADMIN_HASH}", adminHash).Replace(testINI)), 0o644))
	apiPort, err := pgserver.FreePort()
	require.NoError(t, err)
	metricsPort, err := pgserver.FreePort()
	require.NoError(t, err)
	addr := fmt.Sprintf("127.0.0.1:%d", apiPort)
	secrets := testenv.SecretsDir(t)
	env := append(os.Environ(), "GMS_CONFIG="+ini, "GMS_HTTP_ADDR="+addr, "GMS_PUBLIC_URL=http://"+addr,
		"TEMPORAL_ADDRESS="+testenv.FrontendAddress(t), "TEMPORAL_NAMESPACE=default", "TEMPORAL_TASK_QUEUE=tq-upgrade",
		"DATABASE_URL="+testenv.Database(t), "GMS_DATA_DIR="+dir, fmt.Sprintf("GMS_WORKER_METRICS_ADDR=127.0.0.1:%d", metricsPort),
		"GMS_PAYLOAD_KEYS_FILE="+filepath.Join(secrets, privacy.PayloadKeysFile),
		"GMS_NUMBER_HASH_KEY_FILE="+filepath.Join(secrets, privacy.NumberHashKeyFile))

	// Both releases run the tests' configuration; its service ewt reads the
	// expected wait time (the v1 → v2 change).
	// v1 books a callback three hours ahead: it reads EWT, then sleeps.
	d := &deployment{t: t, url: "http://" + addr}
	d.start(bins["v1"], env)
	ahead := func() url.Values {
		return url.Values{callback.KeyCustomerNumber: {"5121"}, callback.KeyDesiredTime: {callback.FormatTime(time.Now().Add(3 * time.Hour))}}
	}
	status, body := d.do(http.MethodPost, "/genesys/1/service/callback/ewt", ahead())
	require.Equal(t, http.StatusOK, status, "%v", body)
	old := body["_id"].(string)
	eventually(t, 10*time.Second, func() bool {
		o := commandOrder(history(t, c, old))
		return len(o) == 2
	}, "v1's callback never went to sleep")
	require.Equal(t, []string{"ewt", "timer"}, commandOrder(history(t, c, old)), "v1 reads EWT when booked")

	// The deploy: v1 stops, the current release starts on the same queue.
	d.stop()
	d.start(bins[workflows.Release], env)
	status, body = d.do(http.MethodPost, "/genesys/1/service/callback/ewt", ahead())
	require.Equal(t, http.StatusOK, status, "%v", body)
	fresh := body["_id"].(string)
	eventually(t, 10*time.Second, func() bool { return len(commandOrder(history(t, c, fresh))) == 1 }, "the new callback never went to sleep")
	require.Equal(t, []string{"timer"}, commandOrder(history(t, c, fresh)), "the current release sleeps first, reading EWT an hour before due")

	// v1's callback falls due on the new code (brought forward to 2 min
	// 6 s from now: due in 6 s) and completes, submitted once.
	soon := callback.FormatTime(time.Now().Add(2*time.Minute + 6*time.Second))
	status, body = d.do(http.MethodPut, "/genesys/1/service/callback/ewt/"+old, url.Values{callback.KeyNewDesiredTime: {soon}})
	require.Equal(t, http.StatusOK, status, "%v", body)
	eventually(t, 40*time.Second, func() bool { return d.state(old) == "COMPLETED" }, "v1's callback never completed on the new code")
	var submits int
	for _, s := range ors.Starts() {
		if s.Params[callback.KeyID] == old {
			submits++
		}
	}
	require.Equal(t, 1, submits, "submitted once")
	require.Equal(t, []string{"ewt", "timer", "ewt", "timer", "ewt"}, commandOrder(history(t, c, old))[:5], "it stayed on v1's path")

	// Both histories replay on the current code.
	codec, err := testenv.Secrets(t).Codec()
	require.NoError(t, err)
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: privacy.DataConverter(codec)})
	require.NoError(t, err)
	r.RegisterWorkflow(workflows.CallbackWorkflow)
	for _, id := range []string{old, fresh} {
		require.NoError(t, r.ReplayWorkflowHistory(nil, history(t, c, id)), id)
	}
	d.stop()
}

// history is a workflow's whole history so far.
func history(t *testing.T, c client.Client, id string) *historypb.History {
	t.Helper()
	iter := c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, ev)
	}
	return h
}
