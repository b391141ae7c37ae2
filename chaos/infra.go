package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // PostgreSQL driver
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"github.com/opengms/callback/internal/cluster"
	gmsenv "github.com/opengms/callback/internal/env"
	"github.com/opengms/callback/internal/pgserver"
	"github.com/opengms/callback/orssim"
	"github.com/opengms/callback/privacy"
	"github.com/opengms/callback/queries"
)

// serviceName is the one callback service of the chaos configuration.
const serviceName = "chaos"

// chaosINI is the configuration of the run; {ORS} is the in-process fake ORS,
// {HOOKS} the URL of the in-process webhook receiver (as RE2).
// No throttle, in-queue limit or capacity gets in the way: every refusal
// the run sees comes from the crashes.
const chaosINI = `[callback]
returned-keys = _desired_time,_callback_state,_callback_reason,_ors_session_id,usr_chaos_key

[ors]
url = {ORS}

[service.chaos]
_app_url = callback.scxml
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = false
_request_execution_time_buffer = 0
_max_request_by_time_bucket = 100000
_throttle_request_parameters_limit = 100000
_max_ors_submit_attempts = 5
_notification_url_pattern = {HOOKS}/.*
_notification_secret = ` + hookSecret + `
`

// env is everything one run starts: PostgreSQL, the Temporal dev server, the
// worker and the API as subprocesses, and the fake ORS in this process.
type env struct {
	o    Options
	logf func(format string, args ...any)

	dir, pgDir, logDir, binDir string
	pgData                     string
	pgPort, tPort, apiPort     int
	metricsPort                int
	dbURL, apiURL              string
	taskQueue                  string

	ors    *orssim.Server
	orsURL string
	orsSrv *http.Server
	hooks  *hooks // the webhook receiver

	pg, temporal, worker, api *proc
	procs                     []*proc
	// cluster is the real Temporal cluster (Options.Cluster); temporal is
	// then its frontend and services its four processes.
	cluster  *cluster.Cluster
	services []*proc

	tc    client.Client
	store *queries.Store

	cleanupMu sync.Mutex
	cleanups  []func()
}

func (e *env) atEnd(f func()) {
	e.cleanupMu.Lock()
	e.cleanups = append(e.cleanups, f)
	e.cleanupMu.Unlock()
}

// close stops everything the run started, newest first.
func (e *env) close() {
	e.cleanupMu.Lock()
	fs := e.cleanups
	e.cleanups = nil
	e.cleanupMu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// setup builds the binaries and starts every component, ready.
func (e *env) setup(ctx context.Context) error {
	o := e.o
	var err error
	if e.dir, err = os.MkdirTemp("", "gms-chaos-"); err != nil {
		return err
	}
	e.logDir = filepath.Join(e.dir, "logs")
	e.binDir = filepath.Join(e.dir, "bin")
	for _, d := range []string{e.logDir, e.binDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	e.atEnd(func() {
		if e.o.KeepDir {
			e.logf("logs and data kept in %s", e.dir)
			return
		}
		os.RemoveAll(e.dir)
	})

	e.logf("building api and worker")
	if err := e.build(ctx); err != nil {
		return err
	}

	ports, err := freePorts(4)
	if err != nil {
		return err
	}
	e.pgPort, e.tPort, e.apiPort, e.metricsPort = ports[0], ports[1], ports[2], ports[3]
	e.dbURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/gms?sslmode=disable", e.pgPort)
	e.apiURL = fmt.Sprintf("http://127.0.0.1:%d", e.apiPort)
	e.taskQueue = "chaos"

	if err := e.startORS(); err != nil {
		return err
	}
	if err := e.startHooks(); err != nil {
		return err
	}
	ini := strings.NewReplacer("{ORS}", e.orsURL, "{HOOKS}", regexp.QuoteMeta(e.hooks.url)).Replace(chaosINI)
	if err := os.WriteFile(filepath.Join(e.dir, "chaos.ini"), []byte(ini), 0o644); err != nil {
		return err
	}

	if err := e.setupPostgres(ctx); err != nil {
		return err
	}
	if o.Cluster {
		if err := e.setupCluster(ctx); err != nil {
			return err
		}
	} else {
		e.setupTemporal()
	}
	e.setupApps()
	for _, p := range e.procs {
		pp := p
		e.atEnd(pp.stop)
	}

	e.logf("starting PostgreSQL on 127.0.0.1:%d", e.pgPort)
	if err := e.pg.start(); err != nil {
		return err
	}
	if err := e.pg.waitReady(ctx, o.ReadyTimeout); err != nil {
		return err
	}
	if err := e.createDatabase(ctx); err != nil {
		return err
	}
	if err := e.startTemporal(ctx); err != nil {
		return err
	}
	// The worker and API use the development keys of GMS_DATA_DIR (e.dir):
	// created here first, so this client decodes what they write.
	sec, err := privacy.DevSecrets(filepath.Join(e.dir, "secrets"))
	if err != nil {
		return err
	}
	opts := client.Options{HostPort: e.temporalAddr(), Namespace: "default", Logger: quietLogger()}
	if err := gmsenv.Encrypt(&opts, sec); err != nil {
		return err
	}
	e.tc, err = client.DialContext(ctx, opts)
	if err != nil {
		return fmt.Errorf("connect to Temporal: %w", err)
	}
	e.atEnd(e.tc.Close)
	e.logf("starting the worker and the API (%s)", e.apiURL)
	for _, p := range []*proc{e.worker, e.api} {
		if err := p.start(); err != nil {
			return err
		}
	}
	for _, p := range []*proc{e.worker, e.api} {
		if err := p.waitReady(ctx, o.ReadyTimeout); err != nil {
			return err
		}
	}
	e.store, err = queries.Open(ctx, e.dbURL)
	if err != nil {
		return err
	}
	e.atEnd(func() { e.store.Close() })
	return nil
}

// build compiles cmd/api and cmd/worker into binDir.
func (e *env) build(ctx context.Context) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", e.binDir+"/", "./cmd/api", "./cmd/worker")
	cmd.Dir = e.o.RepoRoot
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build: %v: %s", err, out)
	}
	return nil
}

// startORS serves the fake ORS on a port of its own; it lives as long as
// the run, so it survives every crash and counts sessions per key.
func (e *env) startORS() error {
	e.ors = orssim.New(orssim.Options{
		RoutingDelay:    300 * time.Millisecond,
		ProcessingDelay: 300 * time.Millisecond,
		CompleteDelay:   500 * time.Millisecond,
		Drive:           true,
		// A real ORS strategy keeps reporting until it is heard; 10 tries
		// with doubling waits from 300 ms span ~2.5 minutes, longer than any
		// outage of the run.
		PutAttempts:  10,
		RetryBackoff: 300 * time.Millisecond,
		HTTPClient:   &http.Client{Timeout: 40 * time.Second},
		Logger:       slog.New(slog.NewTextHandler(e.openLog("ors"), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	e.orsURL = "http://" + ln.Addr().String()
	e.orsSrv = &http.Server{Handler: e.ors, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = e.orsSrv.Serve(ln) }()
	e.atEnd(func() {
		e.orsSrv.Close()
		e.ors.Close()
	})
	return nil
}

func (e *env) openLog(name string) *os.File {
	f, err := os.OpenFile(filepath.Join(e.logDir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		f, _ = os.Open(os.DevNull)
		return f
	}
	e.atEnd(func() { f.Close() })
	return f
}

// ---- PostgreSQL ----

func (e *env) setupPostgres(ctx context.Context) error {
	var cred *syscall.Credential
	if os.Geteuid() == 0 { // initdb and postgres refuse root
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root needs a postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	var err error
	// A directory of its own, which the postgres user owns and can reach.
	if e.pgDir, err = os.MkdirTemp("", "gms-chaos-pg-"); err != nil {
		return err
	}
	e.atEnd(func() { os.RemoveAll(e.pgDir) })
	if cred != nil {
		if err := os.Chown(e.pgDir, int(cred.Uid), int(cred.Gid)); err != nil {
			return err
		}
	}
	e.pgData = filepath.Join(e.pgDir, "data")
	asOwner := func(cmd *exec.Cmd) *exec.Cmd {
		cmd.Dir = e.pgDir
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return cmd
	}
	e.logf("initdb in %s", e.pgData)
	initdb := asOwner(exec.CommandContext(ctx, filepath.Join(e.o.PGBin, "initdb"), "-D", e.pgData, "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"))
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v: %s", err, out)
	}
	e.pg = &proc{name: "postgres", logf: e.logf, log: e.openLog("postgres"),
		build: func() *exec.Cmd {
			// The postmaster in the foreground: kill -9 of its group is a
			// real crash (crash recovery at the next start).
			return asOwner(exec.Command(filepath.Join(e.o.PGBin, "postgres"), "-D", e.pgData,
				"-p", strconv.Itoa(e.pgPort), "-k", e.pgDir,
				// A commit must survive kill -9: synchronous_commit stays on
				// (off loses the last commits of a crashed server). fsync off
				// is safe here: a killed process leaves its writes in the
				// page cache; only a machine crash would lose them.
				"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=on",
				"-c", "max_connections=200"))
		},
		ready: func(ctx context.Context) error { return pingPostgres(ctx, e.pgURL("postgres")) },
	}
	e.procs = append(e.procs, e.pg)
	return nil
}

func (e *env) pgURL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable&connect_timeout=3", e.pgPort, db)
}

func pingPostgres(ctx context.Context, url string) error {
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.PingContext(ctx)
}

func (e *env) createDatabase(ctx context.Context) error {
	db, err := sqlx.Open("postgres", e.pgURL("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE gms"); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	return nil
}

// ---- Temporal ----

func (e *env) temporalAddr() string { return fmt.Sprintf("127.0.0.1:%d", e.tPort) }

func (e *env) setupTemporal() {
	db := filepath.Join(e.dir, "temporal.db")
	e.temporal = &proc{name: "temporal", logf: e.logf, log: e.openLog("temporal"),
		build: func() *exec.Cmd {
			return exec.Command(e.o.TemporalCLI, "server", "start-dev", "--headless",
				"--ip", "127.0.0.1", "--port", strconv.Itoa(e.tPort), "--db-filename", db,
				"--log-level", "error",
				"--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true")
		},
		ready: e.temporalReady,
	}
	e.procs = append(e.procs, e.temporal)
}

// startTemporal starts the dev server, or the cluster's services, and
// waits until the frontend serves the namespace.
func (e *env) startTemporal(ctx context.Context) error {
	if e.cluster == nil {
		e.logf("starting the Temporal dev server on 127.0.0.1:%d (file-backed)", e.tPort)
		if err := e.temporal.start(); err != nil {
			return err
		}
		return e.temporal.waitReady(ctx, e.o.ReadyTimeout)
	}
	e.logf("starting a Temporal cluster, frontend on 127.0.0.1:%d: %d processes, 16 history shards", e.tPort, len(e.services))
	for _, p := range e.services {
		if err := p.start(); err != nil {
			return err
		}
	}
	wctx, cancel := context.WithTimeout(ctx, e.o.ReadyTimeout)
	defer cancel()
	return e.cluster.AwaitNamespace(wctx)
}

// setupCluster readies a real cluster (its PostgreSQL, schemas,
// configuration) and one proc per service; the frontend is e.temporal.
func (e *env) setupCluster(ctx context.Context) error {
	c, err := cluster.Prepare(ctx, cluster.Options{Dir: filepath.Join(e.dir, "temporal"), Bin: filepath.Join(e.o.RepoRoot, "bin"),
		PGBin: e.o.PGBin, FrontendPort: e.tPort, Shards: 16, PGSettings: pgserver.Throwaway})
	if err != nil {
		return err
	}
	e.cluster = c
	e.atEnd(c.Stop) // after the services' procs have stopped (cleanups run newest first)
	for _, svc := range cluster.Services {
		p := &proc{name: "temporal-" + svc, logf: e.logf, log: e.openLog("temporal-" + svc),
			build: func() *exec.Cmd { return c.Command(svc) },
			ready: e.temporalReady}
		e.services = append(e.services, p)
		if svc == "frontend" {
			e.temporal = p
		}
	}
	e.procs = append(e.procs, e.services...)
	return nil
}

// temporalReady: the frontend serves the namespace.
func (e *env) temporalReady(ctx context.Context) error {
	c, err := client.DialContext(ctx, client.Options{HostPort: e.temporalAddr(), Namespace: "default", Logger: quietLogger()})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.WorkflowService().DescribeNamespace(ctx, describeDefault())
	return err
}

// victims are the components the crash phase kills -9 in turn: the
// worker, the API, Temporal (the dev server, or a cluster's history and
// frontend processes) and the read model's PostgreSQL.
func (e *env) victims() []*proc {
	if e.cluster == nil {
		return []*proc{e.worker, e.api, e.temporal, e.pg}
	}
	var history *proc
	for _, p := range e.services {
		if p.name == "temporal-history" {
			history = p
		}
	}
	return []*proc{e.worker, e.api, history, e.temporal, e.pg}
}

// ---- worker and API ----

func (e *env) appEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GMS_") || strings.HasPrefix(k, "TEMPORAL_") || strings.HasPrefix(k, "ORS_SIM_") || k == "DATABASE_URL" {
			continue
		}
		out = append(out, kv)
	}
	return append(out,
		"GMS_CONFIG="+filepath.Join(e.dir, "chaos.ini"),
		"GMS_HTTP_ADDR="+strings.TrimPrefix(e.apiURL, "http://"),
		"GMS_PUBLIC_URL="+e.apiURL,
		"GMS_DATA_DIR="+e.dir,
		"GMS_WORKER_METRICS_ADDR="+fmt.Sprintf("127.0.0.1:%d", e.metricsPort),
		"TEMPORAL_ADDRESS="+e.temporalAddr(),
		"TEMPORAL_NAMESPACE=default",
		"TEMPORAL_TASK_QUEUE="+e.taskQueue,
		"DATABASE_URL="+e.dbURL,
	)
}

func (e *env) setupApps() {
	httpc := &http.Client{Timeout: 3 * time.Second}
	get200 := func(ctx context.Context, url string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := httpc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, body)
		}
		return nil
	}
	mk := func(name string) func() *exec.Cmd {
		return func() *exec.Cmd {
			cmd := exec.Command(filepath.Join(e.binDir, name))
			cmd.Dir = e.dir
			cmd.Env = e.appEnv()
			return cmd
		}
	}
	e.worker = &proc{name: "worker", logf: e.logf, log: e.openLog("worker"), build: mk("worker"),
		ready: func(ctx context.Context) error {
			return get200(ctx, fmt.Sprintf("http://127.0.0.1:%d/metrics", e.metricsPort))
		}}
	e.api = &proc{name: "api", logf: e.logf, log: e.openLog("api"), build: mk("api"),
		ready: func(ctx context.Context) error { return get200(ctx, e.apiURL+"/healthz") }}
	e.procs = append(e.procs, e.worker, e.api)
}

// ---- helpers ----

func describeDefault() *workflowservice.DescribeNamespaceRequest {
	return &workflowservice.DescribeNamespaceRequest{Namespace: "default"}
}

// quietLogger silences the Temporal SDK: the harness's own clients retry
// through every outage on purpose.
func quietLogger() log.Logger {
	return log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}

var portMu sync.Mutex
var portsTaken = map[int]bool{}

// freePorts returns n free ports below the kernel's ephemeral range, so no
// outgoing connection takes one while its component is down.
func freePorts(n int) ([]int, error) {
	lo, hi := 20000, 32000
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil && v > 2000 && v-1 < hi {
				hi = v - 1
				lo = min(lo, hi/2)
			}
		}
	}
	portMu.Lock()
	defer portMu.Unlock()
	var out []int
	for tries := 0; len(out) < n && tries < 10000; tries++ {
		p := lo + rand.IntN(hi-lo)
		if portsTaken[p] {
			continue
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		ln.Close()
		portsTaken[p] = true
		out = append(out, p)
	}
	if len(out) < n {
		return nil, errors.New("no free ports")
	}
	return out, nil
}

// FindRepoRoot is the module root above dir (the directory holding go.mod).
func FindRepoRoot(dir string) (string, error) {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found")
		}
		dir = parent
	}
}
