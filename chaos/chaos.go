// Package chaos is the crash test of the callback service ("nothing lost,
// nothing doubled").
//
// It runs the real system — PostgreSQL and a file-backed Temporal dev server,
// the worker and the API built from ./cmd and run as processes — with the
// fake ORS (orssim) in this process, so that it outlives every crash and
// counts the sessions of each callback. While clients post callbacks
// (immediate, and scheduled due within seconds; every POST carries an
// Idempotency-Key and is retried on 5xx and connection errors), it kills -9
// in turn the worker, the API, the Temporal dev server and PostgreSQL, and
// restarts each. Then it takes PostgreSQL away for a longer read-model
// outage while callbacks progress, and checks what the API answers
// meanwhile. At the end it checks:
//
//   - lost: every callback a POST accepted (200) is COMPLETED in Temporal
//     and in the read model;
//   - duplicates: ORS saw exactly one session per callback, and no logical
//     request (Idempotency-Key) made two callbacks;
//   - mismatches: every workflow's final record equals its read-model row
//     (reconciliation), and no row lacks its workflow;
//   - the outage: lookups answered 503 with the GMS envelope and /healthz
//     503 naming PostgreSQL; ORS sessions still started for callbacks that
//     fell due; the read model converged once PostgreSQL was back.
//
// `make chaos` runs the full variant (cmd/chaos); `make test` the short one
// (TestChaosShort).
package chaos

import (
	"github.com/opengms/callback/internal/pgserver"

	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Options size a run.
type Options struct {
	Name string // "full" or "short"
	// Callbacks is how many start requests the crash phase posts, spread
	// over LoadDuration by Clients concurrent clients.
	Callbacks    int
	LoadDuration time.Duration
	Clients      int
	// Rounds of kills (worker, API, Temporal, PostgreSQL each), Gap apart;
	// a killed component stays down for Down.
	Rounds    int
	Gap, Down time.Duration
	// OutageCallbacks are posted just before PostgreSQL goes away for
	// Outage: half immediate, half due during the outage.
	OutageCallbacks int
	Outage          time.Duration
	// SettleTimeout bounds the wait for every callback to complete.
	SettleTimeout time.Duration
	// ReadyTimeout bounds each (re)start of a component.
	ReadyTimeout time.Duration
	// RequestTimeout bounds one logical start request, its retries included.
	RequestTimeout time.Duration
	// KeepDir keeps the logs and data directory (always kept on failure).
	KeepDir bool

	// Cluster runs Temporal as a real cluster (internal/cluster: frontend,
	// history, matching and worker processes on their own PostgreSQL) and
	// kills its history and frontend processes instead of the dev server.
	Cluster bool

	RepoRoot    string // module root (found from the working directory when empty)
	TemporalCLI string // bin/temporal of the repository when empty ($TEMPORAL_CLI wins)
	PGBin       string // PostgreSQL server programs (found when empty)
	Log         io.Writer
}

// Full is `make chaos`: 300 callbacks, two rounds of kills, a 30 s outage.
func Full() Options {
	return Options{Name: "full", Callbacks: 300, LoadDuration: 100 * time.Second, Clients: 8,
		Rounds: 2, Gap: 6 * time.Second, Down: 3 * time.Second,
		OutageCallbacks: 40, Outage: 30 * time.Second,
		SettleTimeout: 3 * time.Minute, ReadyTimeout: 90 * time.Second, RequestTimeout: 150 * time.Second}
}

// Short is the variant of `make test`: 40 callbacks, one round, an 8 s outage.
func Short() Options {
	return Options{Name: "short", Callbacks: 40, LoadDuration: 20 * time.Second, Clients: 4,
		Rounds: 1, Gap: 2500 * time.Millisecond, Down: 2 * time.Second,
		OutageCallbacks: 10, Outage: 8 * time.Second,
		SettleTimeout: 90 * time.Second, ReadyTimeout: 60 * time.Second, RequestTimeout: 90 * time.Second}
}

func (o *Options) defaults() error {
	if o.Log == nil {
		o.Log = os.Stderr
	}
	if o.RepoRoot == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		if o.RepoRoot, err = FindRepoRoot(wd); err != nil {
			return err
		}
	}
	if o.TemporalCLI == "" {
		o.TemporalCLI = os.Getenv("TEMPORAL_CLI")
	}
	if o.TemporalCLI == "" {
		o.TemporalCLI = filepath.Join(o.RepoRoot, "bin", "temporal")
	}
	if _, err := os.Stat(o.TemporalCLI); err != nil {
		return fmt.Errorf("temporal CLI not found at %s: run scripts/ensure-temporal.sh (make chaos does)", o.TemporalCLI)
	}
	if _, err := os.Stat(filepath.Join(o.RepoRoot, "bin", "temporal-server")); o.Cluster && err != nil {
		return fmt.Errorf("temporal-server not found in %s/bin: run scripts/ensure-temporal-server.sh (make test-cluster does)", o.RepoRoot)
	}
	if o.PGBin == "" {
		var err error
		if o.PGBin, err = pgserver.Bin(); err != nil {
			return err
		}
	}
	if o.Clients < 1 {
		o.Clients = 1
	}
	return nil
}

// runner is one run.
type runner struct {
	o     Options
	e     *env
	l     *loader
	start time.Time
	logMu sync.Mutex
	res   *Result
}

func (r *runner) logf(format string, args ...any) {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	fmt.Fprintf(r.o.Log, "chaos %6.1fs  %s\n", time.Since(r.start).Seconds(), fmt.Sprintf(format, args...))
}

// Run runs the crash test. err is a failure of the harness itself (a
// component that cannot start); the service's failures are in the Result.
// Everything started is stopped before Run returns.
func Run(ctx context.Context, o Options) (res *Result, err error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	r := &runner{o: o, start: time.Now(), res: &Result{Mode: o.Name, SettledIn: -1, Outage: OutageResult{ConvergedIn: -1}}}
	r.e = &env{o: o, logf: r.logf}
	defer func() {
		if res != nil {
			res.Elapsed = time.Since(r.start)
		}
		if err != nil || (res != nil && !res.OK()) {
			r.e.o.KeepDir = true
		}
		if r.e.dir != "" && r.e.o.KeepDir && res != nil {
			res.Dir = r.e.dir
			summary := res.Summary()
			if err != nil {
				summary += "harness error: " + err.Error() + "\n"
			}
			_ = os.WriteFile(filepath.Join(r.e.dir, "summary.txt"), []byte(summary), 0o644)
		}
		r.e.close()
	}()
	if err := r.e.setup(ctx); err != nil {
		return r.res, err
	}
	r.logf("ready: api %s, Temporal %s, PostgreSQL :%d, fake ORS %s, logs in %s",
		r.e.apiURL, r.e.temporalAddr(), r.e.pgPort, r.e.orsURL, r.e.logDir)
	r.l = newLoader(r)

	// Crash phase: load, and kills in turn.
	if err := r.crashPhase(ctx); err != nil {
		return r.res, err
	}
	// Read-model outage.
	if err := r.outagePhase(ctx); err != nil {
		return r.res, err
	}
	// Everything accepted must complete; then reconcile.
	r.settle(ctx)
	if err := r.verify(ctx); err != nil {
		return r.res, err
	}
	r.res.collect(r)
	return r.res, nil
}

// crashPhase posts Callbacks start requests while the killer takes each
// component down in turn.
func (r *runner) crashPhase(ctx context.Context) error {
	o := r.o
	var victims []string
	for _, p := range r.e.victims() {
		victims = append(victims, p.name)
	}
	r.logf("crash phase: %d start requests over %s by %d clients; %d round(s) of kill -9 (%s), %s apart, each down %s",
		o.Callbacks, o.LoadDuration, o.Clients, o.Rounds, strings.Join(victims, ", "), o.Gap, o.Down)
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		r.l.run(ctx, "crash", o.Callbacks, o.LoadDuration, o.Clients)
	}()
	killErr := r.killer(ctx)
	<-loadDone
	r.logf("crash phase done: %d accepted of %d requests", r.l.acceptedCount("crash"), o.Callbacks)
	return killErr
}

// killer kills -9 each component in turn, keeps it down for Down, restarts
// it and waits until the whole system answers again.
func (r *runner) killer(ctx context.Context) error {
	e := r.e
	for round := 1; round <= r.o.Rounds; round++ {
		for _, p := range e.victims() {
			if !sleepCtx(ctx, r.o.Gap) {
				return ctx.Err()
			}
			if err := r.crash(ctx, p, r.o.Down); err != nil {
				return err
			}
		}
	}
	return nil
}

// crash kills p, waits down, restarts it and waits for the API to be healthy.
func (r *runner) crash(ctx context.Context, p *proc, down time.Duration) error {
	pid, err := p.kill9()
	if err != nil {
		return err
	}
	r.logf("kill -9 %s (pgid %d); down for %s", p.name, pid, down)
	if !sleepCtx(ctx, down) {
		return ctx.Err()
	}
	t0 := time.Now()
	if err := p.restart(ctx, r.o.ReadyTimeout); err != nil {
		return err
	}
	if err := r.e.api.waitReady(ctx, r.o.ReadyTimeout); err != nil {
		return fmt.Errorf("after restarting %s: %w", p.name, err)
	}
	r.logf("%s restarted; system healthy again %.1fs after the restart", p.name, time.Since(t0).Seconds())
	return nil
}

// settle waits (bounded) until every workflow is closed and every row of
// the read model is COMPLETED.
func (r *runner) settle(ctx context.Context) {
	r.logf("waiting (at most %s) for every callback to complete", r.o.SettleTimeout)
	deadline := time.Now().Add(r.o.SettleTimeout)
	t0 := time.Now()
	for {
		open, running, err := r.openCounts(ctx)
		if err == nil && open == 0 && running == 0 {
			r.res.SettledIn = time.Since(t0)
			r.logf("all callbacks completed (%.1fs)", time.Since(t0).Seconds())
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			r.logf("gave up waiting: %d rows not COMPLETED, %d workflows running (err %v)", open, running, err)
			r.res.SettledIn = -1
			return
		}
		time.Sleep(time.Second)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
