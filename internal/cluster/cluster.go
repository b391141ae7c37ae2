// Package cluster runs a real Temporal cluster on this machine, the shape
// production runs: its own PostgreSQL cluster (persistence and SQL
// visibility, schemas set up by temporal-sql-tool), and the frontend,
// history, matching and worker services as separate temporal-server
// processes with several history shards. `make cluster` runs one in the
// foreground (cmd/temporal-cluster); `make test-cluster` runs the
// integration tests on a throwaway one.
package cluster

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/lib/pq" // awaitMetadata
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/opengms/callback/internal/pgserver"
)

// Options configure a cluster.
type Options struct {
	// Dir keeps the cluster's state: PostgreSQL data, configuration, logs.
	// A second start on the same Dir reuses its data and ports.
	Dir string
	// Bin holds temporal-server, temporal-sql-tool and temporal-schema/
	// (scripts/ensure-temporal-server.sh builds them).
	Bin string
	// PGBin holds the PostgreSQL server programs.
	PGBin string
	// FrontendPort is the frontend's gRPC port on 127.0.0.1; 0 = a free one.
	FrontendPort int
	// Shards is the number of history shards (default 16); it is fixed
	// when the cluster's database is created.
	Shards int
	// Namespace is registered at start (default "default").
	Namespace string
	// UIPort, when not 0, runs the Temporal Web UI (bin/temporal-ui) on
	// 127.0.0.1:UIPort.
	UIPort int
	// UICodec, when set, is the remote codec endpoint the Web UI decodes
	// payloads with (the API's /codec), credentials included.
	UICodec string
	// PGSettings are extra PostgreSQL server options, e.g. "-c fsync=off"
	// for a throwaway cluster of the tests or the bench.
	PGSettings string
}

// Cluster is a running cluster.
type Cluster struct {
	opts   Options
	ports  ports
	config string
	pg     *pgserver.Cluster

	mu    sync.Mutex
	procs map[string]*proc
	exits chan error
}

// proc is one running service process.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when it has exited
}

// Start brings the cluster up — PostgreSQL, schemas, the four services,
// the Web UI if asked — and registers its namespace; it returns once the
// frontend answers and the namespace is usable.
func Start(ctx context.Context, o Options) (_ *Cluster, err error) {
	c, err := Prepare(ctx, o)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	for i, svc := range Services {
		if err := c.StartService(svc); err != nil {
			return nil, err
		}
		if i == 0 {
			// Every service writes the cluster's metadata row when it finds
			// none; on a new database two racing inserts make the loser exit.
			if err := c.awaitMetadata(ctx); err != nil {
				return nil, err
			}
		}
	}
	if err := c.AwaitNamespace(ctx); err != nil {
		return nil, err
	}
	if c.opts.UIPort != 0 {
		if err := writeUIConfig(c.opts.Dir, c.FrontendAddress(), c.opts.UIPort, c.opts.Namespace, c.opts.UICodec); err != nil {
			return nil, err
		}
		if err := c.StartService(ui); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Prepare readies the cluster without starting a service: its PostgreSQL
// runs, its schemas are current, its configuration is written. Whoever
// runs the services' processes (Start, or a crash test that kills them)
// takes them from Command.
func Prepare(ctx context.Context, o Options) (_ *Cluster, err error) {
	if o.Shards == 0 {
		o.Shards = 16
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if err := os.MkdirAll(filepath.Join(o.Dir, "logs"), 0o755); err != nil {
		return nil, err
	}
	c := &Cluster{opts: o, procs: map[string]*proc{}, exits: make(chan error, len(Services)+1)}
	if c.ports, err = loadPorts(o.Dir, o.FrontendPort); err != nil {
		return nil, err
	}
	pgDir, err := pgserver.OwnDir(filepath.Join(o.Dir, "pg"))
	if err != nil {
		return nil, err
	}
	c.pg = &pgserver.Cluster{Bin: o.PGBin, Dir: pgDir, Port: c.ports.Postgres}
	if err := c.pg.Start("-c max_connections=300 " + o.PGSettings); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	if err := c.setupSchemas(ctx); err != nil {
		return nil, err
	}
	if c.config, err = writeConfig(o.Dir, o.Shards, c.ports); err != nil {
		return nil, err
	}
	return c, nil
}

// Command is a new command that runs service svc (one of Services, or the
// Web UI) of the cluster.
func (c *Cluster) Command(svc string) *exec.Cmd {
	if svc == ui {
		return exec.Command(filepath.Join(c.opts.Bin, "temporal-ui"), "--root", c.opts.Dir, "--config", "ui", "--env", "development", "start")
	}
	return exec.Command(filepath.Join(c.opts.Bin, "temporal-server"), "--config-file", c.config, "--allow-no-auth",
		"start", "--service", svc)
}

// FrontendAddress is where clients dial the cluster.
func (c *Cluster) FrontendAddress() string { return "127.0.0.1:" + strconv.Itoa(c.ports.Frontend) }

// Namespace is the cluster's registered namespace.
func (c *Cluster) Namespace() string { return c.opts.Namespace }

// PostgresURL is the base URL of the cluster's own PostgreSQL.
func (c *Cluster) PostgresURL() string { return c.pg.URL() }

// Exits reports a service process that ended without Kill or Stop.
func (c *Cluster) Exits() <-chan error { return c.exits }

// UIURL is the Web UI's address, "" without one.
func (c *Cluster) UIURL() string {
	if c.opts.UIPort == 0 {
		return ""
	}
	return "http://127.0.0.1:" + strconv.Itoa(c.opts.UIPort)
}

// StartService starts (or restarts) one service's process, its output
// appended to Dir/logs/SERVICE.log.
func (c *Cluster) StartService(svc string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, running := c.procs[svc]; running {
		return fmt.Errorf("%s is running", svc)
	}
	log, err := os.OpenFile(filepath.Join(c.opts.Dir, "logs", svc+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := c.Command(svc)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // Ctrl-C reaches the supervisor, which stops them in order
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start %s: %w", svc, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	c.procs[svc] = p
	go func() {
		err := cmd.Wait()
		log.Close()
		close(p.done)
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.procs[svc] == p { // not stopped on purpose
			delete(c.procs, svc)
			file := filepath.Join(c.opts.Dir, "logs", svc+".log")
			c.exits <- fmt.Errorf("temporal %s exited: %v (%s ends: %s)", svc, err, file, logTail(file))
		}
	}()
	return nil
}

// awaitMetadata waits until the first service has written the cluster's
// metadata row (at once on a second start).
func (c *Cluster) awaitMetadata(ctx context.Context) error {
	db, err := sql.Open("postgres", c.PostgresURL()+"/temporal?sslmode=disable")
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		var n int
		if db.QueryRowContext(ctx, "SELECT count(*) FROM cluster_metadata_info").Scan(&n) == nil && n > 0 {
			return nil
		}
		select {
		case err := <-c.exits:
			return err
		case <-ctx.Done():
			return fmt.Errorf("temporal %s wrote no cluster metadata: %w", Services[0], ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// logTail is the last lines of a service's log (each cut short), for an
// error that must be understood after its directory is gone.
func logTail(file string) string {
	data, _ := os.ReadFile(file)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	lines = lines[max(0, len(lines)-3):]
	for i, l := range lines {
		if len(l) > 400 {
			lines[i] = l[:400] + "…"
		}
	}
	return strings.Join(lines, " | ")
}

// take removes svc's process from the running ones (nil if not running).
func (c *Cluster) take(svc string) *proc {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.procs[svc]
	delete(c.procs, svc)
	return p
}

// Kill ends one service's process with SIGKILL, as a crash would.
func (c *Cluster) Kill(svc string) error {
	p := c.take(svc)
	if p == nil {
		return fmt.Errorf("%s is not running", svc)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		return err
	}
	<-p.done
	return nil
}

// Stop ends the Web UI, every service (frontend first, history last) and
// PostgreSQL.
func (c *Cluster) Stop() {
	order := []string{ui}
	for i := len(Services) - 1; i >= 0; i-- {
		order = append(order, Services[i])
	}
	for _, svc := range order {
		p := c.take(svc)
		if p == nil {
			continue
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	_ = c.pg.Stop()
}

// setupSchemas creates the persistence and visibility databases and brings
// their schemas to the server's version with temporal-sql-tool (a second
// start only applies what is new).
func (c *Cluster) setupSchemas(ctx context.Context) error {
	for db, schema := range map[string]string{"temporal": "temporal", "temporal_visibility": "visibility"} {
		base := []string{"--plugin", "postgres12", "--ep", "127.0.0.1", "-p", strconv.Itoa(c.ports.Postgres),
			"-u", "postgres", "--db", db}
		marker := filepath.Join(c.opts.Dir, db+".created")
		if _, err := os.Stat(marker); errors.Is(err, os.ErrNotExist) {
			if err := c.sqlTool(ctx, append(base, "create-database")...); err != nil {
				return err
			}
			if err := c.sqlTool(ctx, append(base, "setup-schema", "-v", "0.0")...); err != nil {
				return err
			}
			if err := os.WriteFile(marker, nil, 0o644); err != nil {
				return err
			}
		}
		dir := filepath.Join(c.opts.Bin, "temporal-schema", schema, "versioned")
		if err := c.sqlTool(ctx, append(base, "update-schema", "-d", dir)...); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) sqlTool(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, filepath.Join(c.opts.Bin, "temporal-sql-tool"), args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("temporal-sql-tool %v: %w: %s", args, err, out)
	}
	return nil
}

// AwaitNamespace waits for the frontend, registers the namespace if it is
// new, and waits until the frontend serves it (its namespace cache
// refreshes every few seconds).
func (c *Cluster) AwaitNamespace(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var tc client.Client
	var err error
	for {
		if tc, err = client.Dial(client.Options{HostPort: c.FrontendAddress(), Namespace: c.opts.Namespace}); err == nil {
			break
		}
		if err := c.sleep(ctx, 200*time.Millisecond, err); err != nil {
			return fmt.Errorf("frontend %s: %w", c.FrontendAddress(), err)
		}
	}
	defer tc.Close()
	for {
		_, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: c.opts.Namespace, PageSize: 1})
		if err == nil {
			return nil
		}
		var nf *serviceerror.NamespaceNotFound
		if errors.As(err, &nf) {
			_, err = tc.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
				Namespace: c.opts.Namespace, WorkflowExecutionRetentionPeriod: durationpb.New(72 * time.Hour)})
		}
		if err := c.sleep(ctx, 500*time.Millisecond, err); err != nil {
			return fmt.Errorf("namespace %s: %w", c.opts.Namespace, err)
		}
	}
}

// sleep waits d, or returns last when ctx ends first, or the exit of a
// service that ended meanwhile.
func (c *Cluster) sleep(ctx context.Context, d time.Duration, last error) error {
	select {
	case <-ctx.Done():
		if last == nil {
			last = ctx.Err()
		}
		return last
	case err := <-c.exits:
		return err
	case <-time.After(d):
		return nil
	}
}

// PIDs are the cluster's processes: the services' and its PostgreSQL's
// (the postmaster and its children).
func (c *Cluster) PIDs() []int {
	c.mu.Lock()
	var out []int
	for _, p := range c.procs {
		out = append(out, p.cmd.Process.Pid)
	}
	c.mu.Unlock()
	return append(out, c.pg.PIDs()...)
}
