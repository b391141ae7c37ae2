// Command bench measures the callback service end to end (`make bench`,
// `make bench-quick`): it starts its own Temporal dev server (in memory),
// PostgreSQL cluster, ORS simulator (in process), worker and API (the real
// binaries, built from ./cmd), then measures
//
//  1. start throughput: scheduled POST starts per second through the HTTP API
//     at increasing concurrency, against the baseline of a bare
//     client.ExecuteWorkflow of a trivial sleeping workflow on the same server;
//  2. start latency at half the best sustained API rate (open loop);
//  3. fire precision: ORS submit time - due time of callbacks falling due
//     while many others are pending;
//  4. the read model with 1 000 000 bulk-loaded callbacks: lookup, queues,
//     availability v2 over 30 days, watermarks;
//  5. footprint: peak RSS of the worker and the API.
//
// It prints one table and writes it, with the machine's description, to
// BENCHMARKS.md (between markers, so hand-written notes there stay). Every
// random choice uses a fixed seed. It is a program, not a test: `make test`
// never runs it.
package main

import (
	"github.com/opengms/callback/internal/pgserver"

	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"golang.org/x/crypto/bcrypt"

	"github.com/opengms/callback/config"
	"github.com/opengms/callback/internal/cluster"
	"github.com/opengms/callback/internal/env"
	"github.com/opengms/callback/orssim"
	"github.com/opengms/callback/privacy"
)

// plan is what one run measures.
type plan struct {
	name       string
	levels     []int         // client concurrencies of the throughput runs
	perLevel   int           // starts per concurrency (API and baseline each)
	latencyFor time.Duration // open-loop latency run
	pending    int           // callbacks pending during fire precision and footprint
	fireN      int           // callbacks falling due...
	fireSpread time.Duration // ...within this window
	rows       int           // bulk-loaded read model
	queryN     int           // timed requests per read-model query
	micro      bool          // run the Go micro-benchmarks too
}

var (
	full  = plan{name: "full", levels: []int{4, 16, 32, 64}, perLevel: 2000, latencyFor: 30 * time.Second, pending: 10_000, fireN: 1000, fireSpread: time.Minute, rows: 1_000_000, queryN: 500, micro: true}
	quick = plan{name: "quick", levels: []int{4, 16, 32, 64}, perLevel: 400, latencyFor: 6 * time.Second, pending: 3_000, fireN: 300, fireSpread: 20 * time.Second, rows: 100_000, queryN: 200}
)

const (
	benchService  = "bench"
	taskQueue     = "bench-callbacks"
	baselineQueue = "bench-baseline"
	adminUser     = "bench"
)

func main() {
	var (
		quickFlag = flag.Bool("quick", false, "the quick run (under 3 minutes): fewer starts, 3 000 pending, 100 000 rows")
		out       = flag.String("out", "BENCHMARKS.md", "Markdown file the results are written to (\"\" = none)")
		keep      = flag.Bool("keep", false, "keep the temporary directory (logs, configuration)")
		rows      = flag.Int("rows", 0, "bulk-loaded callbacks (default: 1 000 000, quick 100 000)")
		pending   = flag.Int("pending", 0, "callbacks pending during fire precision and footprint (default 10 000, quick 3 000)")
		perLevel  = flag.Int("n", 0, "starts per concurrency level (default 2 000, quick 200)")
		fireN     = flag.Int("fire", 0, "callbacks falling due in the fire-precision window (default 1 000, quick 300)")
		spread    = flag.Duration("fire-spread", 0, "window the fire-precision callbacks fall due in (default 1m, quick 20s)")
		micro     = flag.Bool("micro", false, "run the Go micro-benchmarks (always in the full run)")
		only      = flag.String("only", "", "run only these phases, comma-separated: throughput,latency,pending,fire,readmodel (no file written unless -out is given)")
		explain   = flag.Duration("explain", 0, "log the plans of statements slower than this (auto_explain) to postgres.log in the kept temporary directory")
		profile   = flag.Duration("profile", 0, "capture CPU profiles of the API and the worker (this long: during scheduled starts at c=32, and during each read-model query) into the kept temporary directory")
		rate      = flag.Float64("rate", 0, "offered rate of the latency run (default: half the best sustained API rate measured; 100/s without the throughput phase)")
		onCluster = flag.Bool("cluster", false, "run on a real Temporal cluster (bin/temporal-server: frontend, history, matching, worker processes, 16 shards, SQL persistence and visibility on its own PostgreSQL) instead of the dev server")
		compareF  = flag.Bool("compare", false, "run on the dev server, then on a real cluster, and report the two side by side")
	)
	flag.Parse()
	outSet := false
	flag.Visit(func(f *flag.Flag) { outSet = outSet || f.Name == "out" })
	if *only != "" && !outSet {
		*out = ""
	}
	p := full
	if *quickFlag {
		p = quick
	}
	for _, o := range []struct{ flag, field *int }{{rows, &p.rows}, {pending, &p.pending}, {perLevel, &p.perLevel}, {fireN, &p.fireN}} {
		if *o.flag > 0 {
			*o.field = *o.flag
		}
	}
	if *spread > 0 {
		p.fireSpread = *spread
	}
	p.micro = p.micro || *micro
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	newBench := func(onCluster bool) *bench {
		b := &bench{plan: p, out: *out, keep: *keep || *explain > 0 || *profile > 0, t0: time.Now(), rate: *rate, explain: *explain, profile: *profile,
			onCluster: onCluster}
		if b.onCluster {
			b.name += "-cluster" // its own section of the report
		}
		if *only != "" {
			b.name += "-partial" // its own section of the report, never the full or quick one
			b.only = map[string]bool{}
			for _, ph := range strings.Split(*only, ",") {
				b.only[strings.TrimSpace(ph)] = true
			}
		}
		return b
	}
	var err error
	if *compareF {
		err = compare(ctx, newBench(false), newBench(true))
	} else {
		b := newBench(*onCluster)
		err = b.run(ctx)
		b.cl.run()
	}
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// bench is one run.
type bench struct {
	plan
	out  string
	keep bool
	only map[string]bool // phases to run; nil = all
	rate float64         // latency run's offered rate; 0 = half of maxAPI
	// explain > 0 logs the plans of slower statements (auto_explain).
	explain time.Duration
	// profile > 0 captures CPU profiles of the API and the worker.
	profile time.Duration
	pprof   map[string]string // process -> its GMS_PPROF_ADDR
	t0      time.Time
	cl      cleanups

	dir      string
	pg       *postgres
	db       *sqlx.DB
	temporal *proc // the dev server; nil on a cluster
	// tc is a plain client (the bare ExecuteWorkflow baseline); enc is one
	// with the service's payload encryption (its keys under dir/secrets,
	// GMS_DATA_DIR of the worker and API) for CallbackWorkflow.
	tc, enc client.Client
	// onCluster runs on a real cluster (-cluster) instead of the dev server.
	onCluster bool
	cluster   *cluster.Cluster
	api       *proc
	worker    *proc
	ors       *orssim.Server
	http      *apiClient

	seq    atomic.Int64 // customer numbers of API starts
	errors int          // over every phase
	maxAPI float64      // best sustained API start rate

	cfgOnce sync.Once // the configuration, for the direct starts
	cfg     *config.Config
	cfgErr  error

	results []row
	details []string
}

// row is one line of the results table.
type row struct{ metric, value, target, result string }

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(b.t0).Seconds(), fmt.Sprintf(format, args...))
}

func (b *bench) detail(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	b.details = append(b.details, s)
	b.logf("  %s", s)
}

func (b *bench) add(metric, value, target string, pass *bool) {
	res := "—"
	if pass != nil {
		res = "FAIL"
		if *pass {
			res = "pass"
		}
	}
	b.results = append(b.results, row{metric, value, target, res})
}

func ptr(v bool) *bool { return &v }

// count adds a phase's errors to the total and reports the first.
func (b *bench) count(phase string, r result) {
	b.errors += r.errs
	if r.errs > 0 {
		b.detail("%s: %d errors of %d, first: %v", phase, r.errs, r.n, r.first)
	}
}

func (b *bench) run(ctx context.Context) error {
	if err := b.runPhases(ctx); err != nil {
		return err
	}
	goVersion := runtime.Version()
	var micro string
	if b.micro {
		b.logf("== micro-benchmarks")
		micro = b.microBenchmarks(ctx)
	}
	table := b.table()
	fmt.Println()
	fmt.Println(table)
	if b.out != "" {
		if err := writeReport(b.out, b.name, machine(goVersion), b.t0, table, b.details, micro); err != nil {
			return err
		}
		b.logf("written to %s", b.out)
	}
	return nil
}

// runPhases sets the run up and runs its phases; the results are in
// b.results and b.details.
func (b *bench) runPhases(ctx context.Context) error {
	b.logf("bench %s: %s", b.name, machine(runtime.Version()))
	if err := b.setup(ctx); err != nil {
		return err
	}
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"throughput", b.throughput},
		{"latency", b.latency},
		{"pending", b.fillPending},
		{"fire", b.firePrecision},
		{"readmodel", b.readModel},
	}
	for _, s := range steps {
		if b.only != nil && !b.only[s.name] {
			continue
		}
		b.logf("== %s", s.name)
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if b.api.exited() || b.worker.exited() {
			return fmt.Errorf("after %s: a service process exited:\napi:\n%s\nworker:\n%s", s.name, b.api.tail(), b.worker.tail())
		}
	}
	b.footprint("at the end")
	b.add("errors (every phase; must be 0)", fmt.Sprint(b.errors), "0", ptr(b.errors == 0))
	return nil
}

// ---- setup ----

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found: run the bench from the repository")
		}
		dir = parent
	}
}

func quietLogger() log.Logger {
	return log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
}

func (b *bench) setup(ctx context.Context) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if b.dir, err = os.MkdirTemp("", "gms-bench-"); err != nil {
		return err
	}
	if b.keep {
		b.logf("temporary directory kept: %s", b.dir)
	} else {
		dir := b.dir
		b.cl.add(func() { os.RemoveAll(dir) })
	}

	// Build the service binaries while PostgreSQL and Temporal start.
	b.logf("building cmd/api and cmd/worker; starting PostgreSQL and Temporal")
	var wg sync.WaitGroup
	var buildErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", b.dir+"/", "./cmd/api", "./cmd/worker")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	}()
	var pgExtra string
	if b.explain > 0 {
		pgExtra = fmt.Sprintf(" -c shared_preload_libraries=auto_explain -c auto_explain.log_min_duration=%d"+
			" -c auto_explain.log_analyze=on -c auto_explain.log_buffers=on", b.explain.Milliseconds())
	}
	if b.pg, err = startPostgres(ctx, &b.cl, pgExtra); err != nil {
		wg.Wait()
		return err
	}
	if b.explain > 0 {
		dir, pgLog := b.dir, filepath.Join(b.pg.dir, "log")
		b.cl.add(func() { // runs before the cluster's directory is removed
			if data, err := os.ReadFile(pgLog); err == nil {
				_ = os.WriteFile(filepath.Join(dir, "postgres.log"), data, 0o644)
			}
		})
	}
	if b.db, err = sqlx.Open("postgres", b.pg.url); err != nil {
		wg.Wait()
		return err
	}
	b.cl.add(func() { b.db.Close() })
	cli := os.Getenv("TEMPORAL_CLI")
	if cli == "" {
		cli = filepath.Join(root, "bin", "temporal")
	}
	var temporalAddr string
	if b.onCluster {
		temporalAddr, err = b.startCluster(ctx, root)
	} else {
		b.temporal, temporalAddr, b.tc, err = startTemporal(ctx, &b.cl, b.dir, cli)
	}
	if err != nil {
		wg.Wait()
		return err
	}
	wg.Wait()
	if buildErr != nil {
		return buildErr
	}
	if b.enc, err = b.encrypted(); err != nil {
		return err
	}

	// ORS simulator in process: its recorded start times give the fire
	// precision. It answers at once and reports nothing back.
	b.ors = orssim.New(orssim.Options{Drive: false})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	orsSrv := &http.Server{Handler: b.ors, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = orsSrv.Serve(ln) }()
	b.cl.add(func() { _ = orsSrv.Close(); b.ors.Close() })
	orsURL := "http://" + ln.Addr().String()

	pass, err := b.writeConfig(orsURL)
	if err != nil {
		return err
	}
	apiPort, err := pgserver.FreePort()
	if err != nil {
		return err
	}
	apiAddr := fmt.Sprintf("127.0.0.1:%d", apiPort)
	env := []string{
		"GMS_CONFIG=" + filepath.Join(b.dir, "bench.ini"),
		"GMS_HTTP_ADDR=" + apiAddr,
		"TEMPORAL_ADDRESS=" + temporalAddr,
		"TEMPORAL_NAMESPACE=default",
		"TEMPORAL_TASK_QUEUE=" + taskQueue,
		"DATABASE_URL=" + b.pg.url,
		"GMS_DATA_DIR=" + b.dir, // the development keys of encrypted()
	}
	b.pprof = map[string]string{}
	procEnv := func(name string) ([]string, error) {
		if b.profile == 0 {
			return env, nil
		}
		port, err := pgserver.FreePort()
		b.pprof[name] = fmt.Sprintf("127.0.0.1:%d", port)
		return append(env[:len(env):len(env)], "GMS_PPROF_ADDR="+b.pprof[name]), err
	}
	for _, p := range []struct {
		name string
		proc **proc
	}{{"worker", &b.worker}, {"api", &b.api}} {
		penv, err := procEnv(p.name)
		if err != nil {
			return err
		}
		if *p.proc, err = startProc(&b.cl, b.dir, p.name, penv, filepath.Join(b.dir, p.name)); err != nil {
			return err
		}
	}
	if err := waitHTTP(ctx, b.api, "http://"+apiAddr+"/healthz"); err != nil {
		return err
	}
	b.http = newAPIClient("http://"+apiAddr, 128)
	b.http.adminUser, b.http.adminPass = adminUser, pass

	// The baseline's worker, in this process, polled as the service's is.
	w := sdkworker.New(b.tc, baselineQueue, sdkworker.Options{MaxConcurrentWorkflowTaskPollers: 16, MaxConcurrentActivityTaskPollers: 8})
	w.RegisterWorkflowWithOptions(Sleepy, workflow.RegisterOptions{Name: "Sleepy"})
	if err := w.Start(); err != nil {
		return fmt.Errorf("baseline worker: %w", err)
	}
	b.cl.add(w.Stop)
	b.logf("ready: API %s, Temporal %s, PostgreSQL %d, ORS %s", apiAddr, temporalAddr, b.pg.port, orsURL)
	return nil
}

// Sleepy is the baseline workflow: a start and one timer.
func Sleepy(ctx workflow.Context) error { return workflow.Sleep(ctx, 24*time.Hour) }

// writeConfig writes the bench's GMS configuration and returns the admin
// password. The admin hash has bcrypt's default cost, as operators get it.
func (b *bench) writeConfig(orsURL string) (string, error) {
	raw := make([]byte, 12)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	pass := hex.EncodeToString(raw)
	hash, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	var ini strings.Builder
	fmt.Fprintf(&ini, `; written by bench/ for one run
[callback]
returned-keys = _desired_time,_callback_state,_callback_reason,_ors_session_id
filter-keys = _callback_state,_callback_reason,_vq

[ors]
url = %s

[stat]
url = %s

[admin-users]
%s = %s

[service.office-hours]
_type = builtin
_service = office-hours
_timezone = America/New_York
_bh_regular1 = Mon-Fri 08:00-20:00
_bh_regular2 = Sat 09:00-13:00

[service.%s]
_type = ors
_service = callback
_app_url = callback.scxml
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = false
_max_request_by_time_bucket = 1000000
_request_execution_time_buffer = 0
`, orsURL, orsURL, adminUser, hash, benchService)
	for i := range loadServices {
		fmt.Fprintf(&ini, `
[service.%s]
_type = ors
_service = callback
_app_url = callback.scxml
_business_hours_service = office-hours
_disallow_impossible_phone_numbers = false
`, loadService(i))
	}
	return pass, os.WriteFile(filepath.Join(b.dir, "bench.ini"), []byte(ini.String()), 0o600)
}

// ---- CPU accounting ----

type cpu map[string]float64

func (b *bench) cpuNow() cpu {
	return cpu{
		"temporal": cpuSeconds(b.temporalPIDs()),
		"api":      cpuSeconds([]int{b.api.pid()}),
		"worker":   cpuSeconds([]int{b.worker.pid()}),
		"postgres": cpuSeconds(b.pg.pids()),
		"bench":    cpuSeconds([]int{os.Getpid()}),
	}
}

// quiesce waits (at most 15 s) until Temporal, the worker, the API and
// PostgreSQL are nearly idle, so one measurement does not pay for the
// previous one.
func (b *bench) quiesce(ctx context.Context) {
	busy := func(c cpu) float64 { return c["temporal"] + c["worker"] + c["postgres"] + c["api"] }
	deadline := time.Now().Add(15 * time.Second)
	prev := busy(b.cpuNow())
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(500 * time.Millisecond)
		cur := busy(b.cpuNow())
		if cur-prev < 0.1 { // under 20 % of one core
			return
		}
		prev = cur
	}
}

// perStart renders CPU used (seconds per process) per start, in ms.
func perStart(used cpu, n int) string {
	var parts []string
	total := 0.0
	for _, k := range []string{"temporal", "api", "worker", "postgres", "bench"} {
		d := used[k] * 1000 / float64(n)
		total += d
		parts = append(parts, fmt.Sprintf("%s %.2f", k, d))
	}
	return fmt.Sprintf("%s; total %.2f", strings.Join(parts, ", "), total)
}

// minus is the CPU used between before and c.
func (c cpu) minus(before cpu) cpu {
	out := cpu{}
	for k, v := range c {
		out[k] = v - before[k]
	}
	return out
}

// plus adds two amounts of CPU.
func (c cpu) plus(o cpu) cpu {
	out := cpu{}
	for k, v := range c {
		out[k] = v
	}
	for k, v := range o {
		out[k] += v
	}
	return out
}

// ---- 1. start throughput ----

var areaCodes = []int{212, 312, 415, 617, 646, 713, 202, 305}

// nextNumber is a distinct, plausible US number per start.
func (b *bench) nextNumber() string {
	s := b.seq.Add(1)
	return fmt.Sprintf("+1%d%07d", areaCodes[s%int64(len(areaCodes))], 2_000_000+s%8_000_000)
}

// offsets are n fixed-seed offsets within an hour (desired-time spread).
func offsets(n int, seed uint64) []time.Duration {
	r := mrand.New(mrand.NewPCG(seed, 1))
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(r.IntN(3600)) * time.Second
	}
	return out
}

// scheduledStart is one API start due in a day (plus the i-th offset).
func (b *bench) scheduledStart(offs []time.Duration) func(context.Context, int) error {
	return func(ctx context.Context, i int) error {
		_, err := b.http.startScheduled(ctx, benchService, b.nextNumber(), time.Now().Add(24*time.Hour+offs[i%len(offs)]), nil)
		return err
	}
}

// encrypted is b.tc with the payload codec of the worker's and API's
// development keys (GMS_DATA_DIR/secrets).
func (b *bench) encrypted() (client.Client, error) {
	sec, err := privacy.DevSecrets(filepath.Join(b.dir, "secrets"))
	if err != nil {
		return nil, err
	}
	opts := client.Options{Namespace: "default", Logger: quietLogger()}
	if err := env.Encrypt(&opts, sec); err != nil {
		return nil, err
	}
	c, err := client.NewClientFromExisting(b.tc, opts)
	if err == nil {
		b.cl.add(c.Close)
	}
	return c, err
}

var baselineSeq atomic.Int64

func (b *bench) baselineStart(ctx context.Context, _ int) error {
	_, err := b.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       fmt.Sprintf("sleepy-%d", baselineSeq.Add(1)),
		TaskQueue:                baselineQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
	}, "Sleepy")
	return err
}

// settle waits until every API start is marked started in the read model
// (no admission row of the bench service left at version 0) and returns
// when. The query reads the small partial index of such rows: polling it
// costs PostgreSQL next to nothing.
func (b *bench) settle(ctx context.Context) (time.Time, error) {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var waiting bool
		if err := b.db.GetContext(ctx, &waiting, `SELECT EXISTS (SELECT 1 FROM callbacks WHERE version = 0 AND service = $1)`, benchService); err != nil {
			return time.Time{}, err
		}
		if !waiting {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("starts not marked in the read model after 5 minutes")
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// side is one kind of start (baseline or API) at one concurrency, summed
// over its runs.
type side struct {
	ok, n, errs  int
	lat          []time.Duration
	answering    time.Duration // first request to last answer
	sustained    time.Duration // first request to every process quiet again
	written      time.Duration // API: first request to every start marked in the read model
	cpuAnswering cpu
	cpuSustained cpu
}

func (s side) answeredRate() float64  { return float64(s.ok) / s.answering.Seconds() }
func (s side) sustainedRate() float64 { return float64(s.ok) / s.sustained.Seconds() }

// measure runs n starts at concurrency c from a quiet system, then waits
// (API: until the read model is written and) until every process is quiet
// again, and adds the run to s.
func (b *bench) measure(ctx context.Context, s *side, name string, n, c int, do func(context.Context, int) error, api bool) error {
	b.quiesce(ctx)
	c0, t0 := b.cpuNow(), time.Now()
	r := closedLoop(ctx, n, c, do)
	c1 := b.cpuNow()
	b.count(fmt.Sprintf("%s c=%d", name, c), r)
	if api {
		settled, err := b.settle(ctx)
		if err != nil {
			return err
		}
		s.written += settled.Sub(t0)
	}
	quiet, cq := b.drain(ctx)
	s.ok, s.n, s.errs = s.ok+r.n-r.errs, s.n+r.n, s.errs+r.errs
	s.lat = append(s.lat, r.lat...)
	s.answering += r.elapsed
	s.sustained += quiet.Sub(t0)
	s.cpuAnswering = s.cpuAnswering.plus(c1.minus(c0))
	s.cpuSustained = s.cpuSustained.plus(cq.minus(c0))
	return nil
}

// throughput compares scheduled API starts with the baseline at each
// concurrency. Each side runs twice, in the order baseline, API, API,
// baseline, so that neither pays alone for Temporal's growing history. Two
// rates are reported: answered (starts over the time to answer them) and
// sustained (starts over the time until every process is quiet again:
// Temporal dispatches workflow tasks and writes visibility after it
// answers, so a burst's answered rate counts work not yet done).
func (b *bench) throughput(ctx context.Context) error {
	offs := offsets(b.perLevel, 1)
	// Warm-up (not counted): connections, caches, lazy paths.
	b.count("warm-up", closedLoop(ctx, 50, 8, b.baselineStart))
	b.count("warm-up", closedLoop(ctx, 50, 8, b.scheduledStart(offs)))
	if _, err := b.settle(ctx); err != nil {
		return err
	}
	type best struct {
		rate float64
		c    int
	}
	var bestAPI, bestBase, susAPI, susBase best
	better := func(x *best, rate float64, c int) {
		if rate > x.rate {
			*x = best{rate, c}
		}
	}
	for _, c := range b.levels {
		var base, api side
		half := b.perLevel / 2
		for _, step := range []bool{false, true, true, false} { // true: API
			var err error
			if step {
				err = b.measure(ctx, &api, "API", half, c, b.scheduledStart(offs), true)
			} else {
				err = b.measure(ctx, &base, "baseline", half, c, b.baselineStart, false)
			}
			if err != nil {
				return err
			}
		}
		ratio, sus := api.answeredRate()/base.answeredRate(), api.sustainedRate()/base.sustainedRate()
		b.add(fmt.Sprintf("start throughput c=%d, answered: API / baseline", c),
			fmt.Sprintf("%.0f/s / %.0f/s = **%.2f**", api.answeredRate(), base.answeredRate(), ratio), "—", nil)
		b.add(fmt.Sprintf("start throughput c=%d, sustained: API / baseline", c),
			fmt.Sprintf("%.0f/s / %.0f/s = **%.2f**", api.sustainedRate(), base.sustainedRate(), sus), "≥ 0.8", ptr(sus >= 0.8))
		b.detail("c=%d: baseline %.0f/s answered (p50 %s, p99 %s), %.0f/s sustained; API %.0f/s answered (p50 %s, p99 %s), all marked started in the read model after %s, %.0f/s sustained",
			c, base.answeredRate(), ms(pct(base.lat, .5)), ms(pct(base.lat, .99)), base.sustainedRate(),
			api.answeredRate(), ms(pct(api.lat, .5)), ms(pct(api.lat, .99)), api.written.Round(10*time.Millisecond), api.sustainedRate())
		b.detail("c=%d CPU ms per start, while answering: baseline %s | API %s", c, perStart(base.cpuAnswering, base.n), perStart(api.cpuAnswering, api.n))
		b.detail("c=%d CPU ms per start, until quiet: baseline %s | API %s", c, perStart(base.cpuSustained, base.n), perStart(api.cpuSustained, api.n))
		better(&bestAPI, api.answeredRate(), c)
		better(&bestBase, base.answeredRate(), c)
		better(&susAPI, api.sustainedRate(), c)
		better(&susBase, base.sustainedRate(), c)
	}
	// The maximum rate is the one the system keeps up with: an open loop
	// at half the burst's answered rate can exceed what it sustains.
	b.maxAPI = susAPI.rate
	b.add("start throughput, answered, best / best", fmt.Sprintf("%.0f/s (c=%d) / %.0f/s (c=%d) = **%.2f**",
		bestAPI.rate, bestAPI.c, bestBase.rate, bestBase.c, bestAPI.rate/bestBase.rate), "—", nil)
	ratio := susAPI.rate / susBase.rate
	b.add("start throughput, sustained, best / best", fmt.Sprintf("%.0f/s (c=%d) / %.0f/s (c=%d) = **%.2f**",
		susAPI.rate, susAPI.c, susBase.rate, susBase.c, ratio), "≥ 0.8", ptr(ratio >= 0.8))
	b.quiesce(ctx)
	return b.diagnose(ctx, 32)
}

// ---- 2. start latency ----

func (b *bench) latency(ctx context.Context) error {
	b.quiesce(ctx)
	rate := b.rate
	if rate <= 0 {
		rate = math.Max(1, b.maxAPI/2)
	}
	if rate <= 1 {
		rate = 100
	}
	b.logf("  open loop at %.0f/s for %s", rate, b.latencyFor)
	r := openLoop(ctx, rate, b.latencyFor, b.scheduledStart(offsets(1000, 2)))
	b.count("latency", r)
	p99 := pct(r.lat, .99)
	why := "half the best sustained rate"
	if b.rate > 0 {
		why = "-rate"
	}
	b.add(fmt.Sprintf("start latency p50 / p95 / p99 at %.0f/s (%s)", rate, why),
		fmt.Sprintf("%s / %s / **%s**", ms(pct(r.lat, .5)), ms(pct(r.lat, .95)), ms(p99)), "p99 ≤ 100 ms", ptr(r.errs == 0 && p99 <= 100*time.Millisecond))
	b.detail("latency run: %d starts in %s at %.0f/s offered, max %s", r.n, r.elapsed.Round(time.Millisecond), rate, ms(pct(r.lat, 1)))
	_, err := b.settle(ctx)
	return err
}

// ---- pending callbacks and footprint ----

func (b *bench) pendingCount(ctx context.Context) (int, error) {
	var n int
	err := b.db.GetContext(ctx, &n, `SELECT count(*) FROM callbacks WHERE service = $1 AND state = 'SCHEDULED'`, benchService)
	return n, err
}

func (b *bench) fillPending(ctx context.Context) error {
	have, err := b.pendingCount(ctx)
	if err != nil {
		return err
	}
	if missing := b.pending - have; missing > 0 {
		b.logf("  %d pending; starting %d more through the API at concurrency 32", have, missing)
		t := time.Now()
		r := closedLoop(ctx, missing, 32, b.scheduledStart(offsets(1000, 3)))
		b.count("pending", r)
		settled, err := b.settle(ctx)
		if err != nil {
			return err
		}
		b.detail("filled to %d pending: %d starts answered at %.0f/s, all written to the read model after %s (%.0f/s sustained)",
			b.pending, missing, r.rate(), settled.Sub(t).Round(100*time.Millisecond), float64(r.n-r.errs)/settled.Sub(t).Seconds())
	}
	have, err = b.pendingCount(ctx)
	if err != nil {
		return err
	}
	b.logf("  %d callbacks pending", have)
	wRSS, wHWM := memory(b.worker.pid())
	aRSS, aHWM := memory(b.api.pid())
	tRSS, _ := memoryOf(b.temporalPIDs())
	b.add(fmt.Sprintf("worker peak RSS (VmHWM), %d pending", have), fmt.Sprintf("**%.0f MB** (now %.0f MB)", wHWM, wRSS), "≤ 250 MB", ptr(wHWM <= 250))
	b.add(fmt.Sprintf("API peak RSS (VmHWM), %d pending", have), fmt.Sprintf("%.0f MB (now %.0f MB)", aHWM, aRSS), "—", nil)
	open := have + int(baselineSeq.Load())
	if b.cluster == nil {
		b.detail("Temporal dev server RSS with %d pending callbacks and %d sleeping baseline workflows: %.0f MB", have, baselineSeq.Load(), tRSS)
		b.add(fmt.Sprintf("Temporal memory per open workflow (dev server, %d open)", open), fmt.Sprintf("%.1f KB", tRSS*1024/float64(max(1, open))), "—", nil)
		return nil
	}
	disk, err := b.clusterDisk(ctx)
	if err != nil {
		return err
	}
	b.detail("Temporal cluster (4 services + its PostgreSQL) with %d pending callbacks and %d sleeping baseline workflows: RSS %.0f MB, databases %.0f MB",
		have, baselineSeq.Load(), tRSS, disk)
	b.add(fmt.Sprintf("Temporal + PostgreSQL per open workflow (cluster, %d open)", open),
		fmt.Sprintf("disk %.1f KB, memory %.1f KB", disk*1024/float64(max(1, open)), tRSS*1024/float64(max(1, open))), "—", nil)
	return nil
}

// clusterDisk is the size of the cluster's two databases (persistence and
// visibility), in MB.
func (b *bench) clusterDisk(ctx context.Context) (float64, error) {
	db, err := sqlx.Open("postgres", b.cluster.PostgresURL()+"/postgres?sslmode=disable")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var bytes int64
	err = db.GetContext(ctx, &bytes, `SELECT sum(pg_database_size(datname)) FROM pg_database WHERE datname IN ('temporal', 'temporal_visibility')`)
	return float64(bytes) / (1 << 20), err
}

func (b *bench) footprint(when string) {
	wRSS, wHWM := memory(b.worker.pid())
	aRSS, aHWM := memory(b.api.pid())
	tRSS, tHWM := memoryOf(b.temporalPIDs())
	b.detail("RSS %s: worker %.0f MB (peak %.0f), API %.0f MB (peak %.0f), Temporal %.0f MB (peak %.0f)", when, wRSS, wHWM, aRSS, aHWM, tRSS, tHWM)
}

// ---- 3. fire precision ----

func (b *bench) firePrecision(ctx context.Context) error {
	n := b.fireN
	b.quiesce(ctx)
	// Creating the callbacks must end before the first falls due: allow
	// three times what the best measured rate needs.
	best := b.maxAPI
	if best <= 0 {
		best = 100 // the throughput phase did not run
	}
	lead := max(10*time.Second, time.Duration(3*float64(n)/best*float64(time.Second)))
	first := time.Now().Add(lead).Truncate(time.Second)
	due := make([]time.Time, n)
	for i := range due {
		due[i] = first.Add(time.Duration(i) * b.fireSpread / time.Duration(n)).Truncate(time.Millisecond)
	}
	var mu sync.Mutex
	dueByID := make(map[string]time.Time, n)
	r := closedLoop(ctx, n, 32, func(ctx context.Context, i int) error {
		id, err := b.http.startScheduled(ctx, benchService, b.nextNumber(), due[i], nil)
		if err != nil {
			return err
		}
		mu.Lock()
		dueByID[id] = due[i]
		mu.Unlock()
		return nil
	})
	b.count("fire precision starts", r)
	if time.Now().After(first.Add(-time.Second)) {
		b.detail("fire precision: creating the callbacks took %s, up to the first due time", r.elapsed.Round(time.Millisecond))
	}
	b.logf("  %d callbacks due %s .. %s created in %s", len(dueByID), first.Format("15:04:05"), due[n-1].Format("15:04:05"), r.elapsed.Round(time.Millisecond))
	deadline := due[n-1].Add(60 * time.Second)
	time.Sleep(time.Until(first))
	c0 := b.cpuNow()
	var late []time.Duration
	early, other := 0, 0
	for {
		late, early, other = late[:0], 0, 0
		for _, s := range b.ors.Starts() {
			id, _ := s.Params["_id"].(string)
			d, ok := dueByID[id]
			if !ok {
				other++
				continue
			}
			if s.Time.Before(d) {
				early++
			}
			late = append(late, s.Time.Sub(d))
		}
		if len(late) >= len(dueByID) || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	b.detail("fire precision: CPU ms per fired callback, from the first due time to the last submission: %s", perStart(b.cpuNow().minus(c0), max(len(late), 1)))
	missing := len(dueByID) - len(late)
	b.errors += missing + early + other
	pending, _ := b.pendingCount(ctx)
	p99 := pct(late, .99)
	b.add(fmt.Sprintf("fire lateness p50 / p99 (%d due within %s, %d pending)", n, b.fireSpread, pending),
		fmt.Sprintf("%s / **%s**", ms(pct(late, .5)), ms(p99)), "p99 ≤ 1 s", ptr(missing == 0 && early == 0 && p99 <= time.Second))
	b.detail("fire precision: %d submitted, %d missing, %d early, %d other ORS starts; lateness min %s, max %s",
		len(late), missing, early, other, ms(pct(late, 0)), ms(pct(late, 1)))
	return nil
}

// ---- 4. read model ----

func (b *bench) readModel(ctx context.Context) error {
	now := time.Now().UTC().Truncate(time.Second)
	b.logf("  bulk-loading %d callbacks", b.rows)
	t := time.Now()
	if err := bulkLoad(ctx, b.db, b.rows, now, b.logf); err != nil {
		return err
	}
	b.detail("bulk load of %d callbacks (rows + lookup values, every index, VACUUM ANALYZE): %s", b.rows, time.Since(t).Round(time.Second))
	var size string
	if err := b.db.GetContext(ctx, &size, `SELECT pg_size_pretty(pg_total_relation_size('callbacks') + pg_total_relation_size('callback_lookup'))`); err == nil {
		b.detail("read model size: %s", size)
	}
	// Time the queries from a quiet system: the load's checkpoint and
	// whatever earlier phases left running are not theirs.
	if _, err := b.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return err
	}
	b.quiesce(ctx)
	c0, t0 := b.cpuNow(), time.Now()
	time.Sleep(2 * time.Second)
	b.detail("background CPU before the read-model queries (ms per second): %s",
		perStart(b.cpuNow().minus(c0), int(time.Since(t0).Seconds())))
	targets := map[string]time.Duration{"lookup": 10 * time.Millisecond, "availability": 50 * time.Millisecond}
	labels := map[string]string{
		"lookup":       "lookup by customer number, one service",
		"lookup-all":   "lookup by customer number, every service",
		"queues":       "admin queues (one service, next 24 h)",
		"availability": "availability v2 over 30 days",
		"watermarks":   "admin watermarks",
	}
	for k, q := range readQueries(b.rows, now) {
		r := timeQuery(ctx, b.http, q, b.queryN, uint64(100+k))
		b.count(q.name, r)
		p99 := pct(r.lat, .99)
		target, pass := "—", (*bool)(nil)
		if d, ok := targets[q.name]; ok {
			target, pass = "p99 ≤ "+ms(d), ptr(r.errs == 0 && p99 <= d)
		}
		b.add(fmt.Sprintf("%s p50 / p99 (%d rows)", labels[q.name], b.rows), fmt.Sprintf("%s / **%s**", ms(pct(r.lat, .5)), ms(p99)), target, pass)
	}
	if b.profile > 0 {
		qs := readQueries(b.rows, now)
		seed := uint64(200)
		for _, q := range qs {
			if err := b.profileLoad(ctx, q.name, func(ctx context.Context) {
				seed++
				timeQuery(ctx, b.http, q, 20, seed)
			}); err != nil {
				return err
			}
		}
	}
	// What an admin's first request pays for its bcrypt check.
	h, _ := bcrypt.GenerateFromPassword([]byte("x"), bcrypt.DefaultCost)
	var d []time.Duration
	for range 5 {
		t := time.Now()
		_ = bcrypt.CompareHashAndPassword(h, []byte("x"))
		d = append(d, time.Since(t))
	}
	b.detail("one bcrypt check (cost %d; an admin's first request makes one, then it is remembered for a while): %s", bcrypt.DefaultCost, ms(pct(d, .5)))
	return nil
}

// ---- micro-benchmarks ----

func (b *bench) microBenchmarks(ctx context.Context) string {
	root, _ := repoRoot()
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", "200ms",
		"./calendar", "./config", "./privacy", "./queries", "./schedule")
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b.logf("micro-benchmarks failed: %v\n%s", err, out.String())
	}
	var keep []string
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "Benchmark") || strings.HasPrefix(line, "pkg:") {
			keep = append(keep, line)
		}
	}
	s := strings.Join(keep, "\n")
	fmt.Fprintln(os.Stderr, s)
	return s
}

// ---- output ----

func (b *bench) table() string {
	var s strings.Builder
	s.WriteString("| metric | value | target | result |\n|---|---|---|---|\n")
	for _, r := range b.results {
		fmt.Fprintf(&s, "| %s | %s | %s | %s |\n", r.metric, r.value, r.target, r.result)
	}
	return strings.TrimRight(s.String(), "\n")
}

// drain waits (at most a minute) until Temporal, the service and
// PostgreSQL have finished the work a run left queued, and returns when
// they were last busy (to 100 ms) and the CPU used until then: the end of
// a run's sustained throughput. Quiet = under 10 % of one core over 500 ms.
func (b *bench) drain(ctx context.Context) (time.Time, cpu) {
	const step, window = 100 * time.Millisecond, 5
	type sample struct {
		at   time.Time
		used cpu
	}
	busy := func(c cpu) float64 { return c["temporal"] + c["worker"] + c["postgres"] + c["api"] + c["bench"] }
	samples := []sample{{time.Now(), b.cpuNow()}}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(step)
		samples = append(samples, sample{time.Now(), b.cpuNow()})
		if n := len(samples); n > window && busy(samples[n-1].used)-busy(samples[n-1-window].used) < 0.1*window*step.Seconds() {
			return samples[n-1-window].at, samples[n-1-window].used
		}
	}
	last := samples[len(samples)-1]
	return last.at, last.used
}
