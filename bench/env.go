package main

import (
	"github.com/opengms/callback/internal/cluster"
	"github.com/opengms/callback/internal/pgserver"

	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // PostgreSQL driver
	"go.temporal.io/sdk/client"
)

// cleanups run in reverse order when the bench ends (normally, on error or
// on Ctrl-C): they stop what the bench started and remove its files.
type cleanups struct {
	mu  sync.Mutex
	fns []func()
}

func (c *cleanups) add(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fns = append(c.fns, f)
}

func (c *cleanups) run() {
	c.mu.Lock()
	fns := c.fns
	c.fns = nil
	c.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// ---- PostgreSQL (the approach of internal/testenv, without testing.TB) ----

// postgres is a throwaway cluster.
type postgres struct {
	bin, dir, data string
	port           int
	url            string // of the benchmark database
}

// startPostgres initialises and starts a cluster under /var/tmp (readable by
// the postgres user, unlike /root), durability off as in the test suite.
func startPostgres(ctx context.Context, cl *cleanups, extra string) (*postgres, error) {
	bin, err := pgserver.Bin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("/var/tmp", "gms-bench-pg-")
	if err != nil {
		return nil, err
	}
	cl.add(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs a postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	port, err := pgserver.FreePort()
	if err != nil {
		return nil, err
	}
	pg := &postgres{bin: bin, dir: dir, data: filepath.Join(dir, "data"), port: port}
	if out, err := pgserver.Command(filepath.Join(bin, "initdb"), "-D", pg.data, "-U", "postgres", "-A", "trust", "--no-sync").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"+
		" -c full_page_writes=off -c max_connections=300 -c shared_buffers=512MB -c max_wal_size=4GB", port, dir) + extra
	if out, err := pgserver.Command(filepath.Join(bin, "pg_ctl"), "-D", pg.data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "start").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pg_ctl start: %v: %s", err, out)
	}
	cl.add(func() {
		_ = pgserver.Command(filepath.Join(bin, "pg_ctl"), "-D", pg.data, "-m", "immediate", "stop").Run()
	})
	base := fmt.Sprintf("postgres://postgres@127.0.0.1:%d", port)
	admin, err := waitPostgres(ctx, base+"/postgres?sslmode=disable")
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE gms_bench"); err != nil {
		return nil, fmt.Errorf("create database: %w", err)
	}
	pg.url = base + "/gms_bench?sslmode=disable"
	return pg, nil
}

func waitPostgres(ctx context.Context, url string) (*sqlx.DB, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		db, err := sqlx.Open("postgres", url)
		if err == nil {
			if err = db.PingContext(ctx); err == nil {
				return db, nil
			}
			db.Close()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("PostgreSQL did not answer: %w", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// pids are the cluster's processes: the postmaster and its children
// (backends, checkpointer, WAL writer...).
func (pg *postgres) pids() []int {
	b, err := os.ReadFile(filepath.Join(pg.data, "postmaster.pid"))
	if err != nil {
		return nil
	}
	master, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		return nil
	}
	return append([]int{master}, pgserver.Children(master)...)
}

// ---- processes ----

// proc is a child process of the bench.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// startProc starts name with args and extra environment, its output in
// dir/name.log; the child is killed if the bench dies.
func startProc(cl *cleanups, dir, name string, env []string, path string, args ...string) (*proc, error) {
	logPath := filepath.Join(dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(p.done) }()
	cl.add(p.stop)
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the process to end, and kills it after 10 s.
func (p *proc) stop() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// tail is the end of the process's log (for error messages).
func (p *proc) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// startTemporal starts an in-memory Temporal dev server from the CLI at path
// and returns it with a client of namespace default.
func startTemporal(ctx context.Context, cl *cleanups, dir, path string) (*proc, string, client.Client, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, "", nil, fmt.Errorf("temporal CLI not found at %s: run make tools", path)
	}
	port, err := pgserver.FreePort()
	if err != nil {
		return nil, "", nil, err
	}
	p, err := startProc(cl, dir, "temporal", nil, path, "server", "start-dev", "--ip", "127.0.0.1",
		"--port", strconv.Itoa(port), "--headless", "--log-level", "error",
		"--dynamic-config-value", "frontend.enableServerVersionCheck=false",
		"--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true")
	if err != nil {
		return nil, "", nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := client.DialContext(dctx, client.Options{HostPort: addr, Namespace: "default", Logger: quietLogger()})
		cancel()
		if err == nil {
			cl.add(c.Close)
			return p, addr, c, nil
		}
		if p.exited() || time.Now().After(deadline) || ctx.Err() != nil {
			return nil, "", nil, fmt.Errorf("temporal dev server did not start: %v\n%s", err, p.tail())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitHTTP waits until url answers 200.
func waitHTTP(ctx context.Context, p *proc, url string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if p.exited() || time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s did not become ready (%v):\n%s", p.name, err, p.tail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ---- /proc accounting ----

type stat struct {
	ppid  int
	ticks int64 // utime + stime, in clock ticks
}

// readStat reads /proc/pid/stat.
func readStat(pid int) (stat, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return stat{}, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return stat{}, false
	}
	f := strings.Fields(s[i+1:]) // f[0] = state (field 3)
	if len(f) < 13 {
		return stat{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return stat{ppid: ppid, ticks: ut + st}, true
}

// clockTick is USER_HZ: 100 on every Linux the bench runs on.
const clockTick = 100

// cpuSeconds is the CPU time (user + system) the processes used so far.
func cpuSeconds(pids []int) float64 {
	var t int64
	for _, p := range pids {
		if st, ok := readStat(p); ok {
			t += st.ticks
		}
	}
	return float64(t) / clockTick
}

// memory reads VmRSS and VmHWM (peak) of pid, in MiB.
func memory(pid int) (rss, hwm float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[0], 64)
		switch k {
		case "VmRSS":
			rss = kb / 1024
		case "VmHWM":
			hwm = kb / 1024
		}
	}
	return rss, hwm
}

// memoryOf is the memory of processes pids together, in MB: one process's
// RSS and peak RSS, or for several the sum of their proportional set sizes
// (shared pages, as PostgreSQL's shared buffers, counted once) twice.
func memoryOf(pids []int) (rss, hwm float64) {
	if len(pids) == 1 {
		return memory(pids[0])
	}
	for _, pid := range pids {
		rss += pss(pid)
	}
	return rss, rss
}

// pss is a process's proportional set size in MB (0 when unknown).
func pss(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Pss:"); ok {
			if f := strings.Fields(v); len(f) > 0 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

// temporalPIDs are Temporal's processes: the dev server, or the cluster's
// services and its PostgreSQL.
func (b *bench) temporalPIDs() []int {
	if b.cluster != nil {
		return b.cluster.PIDs()
	}
	return []int{b.temporal.pid()}
}

// startCluster starts a real Temporal cluster in the bench's directory
// and connects b.tc to it; it returns the frontend's address.
func (b *bench) startCluster(ctx context.Context, root string) (string, error) {
	pgBin, err := pgserver.Bin()
	if err != nil {
		return "", err
	}
	if err := os.Chmod(b.dir, 0o755); err != nil { // its PostgreSQL runs as the postgres user
		return "", err
	}
	b.cluster, err = cluster.Start(ctx, cluster.Options{Dir: filepath.Join(b.dir, "cluster"), Bin: filepath.Join(root, "bin"), PGBin: pgBin, Shards: 16,
		PGSettings: pgserver.Throwaway + " -c shared_buffers=512MB -c max_wal_size=4GB"}) // as the read model's
	if err != nil {
		return "", fmt.Errorf("temporal cluster (make test-cluster builds bin/temporal-server): %w", err)
	}
	b.cl.add(b.cluster.Stop)
	if b.tc, err = client.DialContext(ctx, client.Options{HostPort: b.cluster.FrontendAddress(), Namespace: "default", Logger: quietLogger()}); err != nil {
		return "", err
	}
	b.cl.add(b.tc.Close)
	return b.cluster.FrontendAddress(), nil
}

// machine describes the host for BENCHMARKS.md.
func machine(goVersion string) string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "?"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && k == "MemTotal" {
				f := strings.Fields(v)
				if len(f) > 0 {
					kb, _ := strconv.ParseFloat(f[0], 64)
					mem = fmt.Sprintf("%.1f GiB", kb/1024/1024)
				}
			}
		}
	}
	nproc := "?"
	if out, err := exec.Command("nproc").Output(); err == nil {
		nproc = strings.TrimSpace(string(out))
	}
	kernel := "?"
	if out, err := exec.Command("uname", "-sr").Output(); err == nil {
		kernel = strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("%s cores (nproc), %s RAM, %s, %s, %s", nproc, mem, cpu, kernel, goVersion)
}
