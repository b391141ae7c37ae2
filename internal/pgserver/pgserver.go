// Package pgserver finds and runs the PostgreSQL server programs for the
// throwaway clusters of the tests, the benchmark and the crash test.
package pgserver

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Bin finds the PostgreSQL server programs: $PG_BIN, PATH, or the newest
// /usr/lib/postgresql/*/bin (scripts/ensure-postgres.sh installs them).
func Bin() (string, error) {
	if d := os.Getenv("PG_BIN"); d != "" {
		return d, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real), nil
		}
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	major := func(d string) int { n, _ := strconv.Atoi(filepath.Base(filepath.Dir(d))); return n }
	sort.Slice(dirs, func(i, j int) bool { return major(dirs[i]) > major(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no initdb found: run scripts/ensure-postgres.sh (make tools does)")
}

// Command runs a PostgreSQL program, as the postgres user when root
// (initdb and postgres refuse to run as root).
func Command(name string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Throwaway are the server options of a cluster whose data may be lost
// (tests, the bench): no fsync, no synchronous commit, no full pages.
const Throwaway = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"

// Cluster is one PostgreSQL cluster: its data directory and the programs
// that run it.
type Cluster struct {
	Bin  string // directory of initdb, pg_ctl and postgres
	Dir  string // holds data/ (the cluster), the socket and log
	Port int
}

// Data is the cluster's data directory.
func (c *Cluster) Data() string { return filepath.Join(c.Dir, "data") }

// URL is the cluster's base URL, without a database.
func (c *Cluster) URL() string { return "postgres://postgres@127.0.0.1:" + strconv.Itoa(c.Port) }

// Start initialises the cluster when Dir holds none (owned by the postgres
// user when root: initdb refuses root), then starts it on Port with the
// given extra server options, and waits until it accepts connections.
func (c *Cluster) Start(opts string) error {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	if err := chownToPostgres(c.Dir); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.Data(), "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if out, err := Command(filepath.Join(c.Bin, "initdb"), "-D", c.Data(), "-U", "postgres", "-A", "trust", "--no-sync").CombinedOutput(); err != nil {
			return fmt.Errorf("initdb: %v: %s", err, out)
		}
	}
	all := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 %s", c.Port, c.Dir, opts)
	if out, err := Command(filepath.Join(c.Bin, "pg_ctl"), "-D", c.Data(), "-o", all, "-l", filepath.Join(c.Dir, "log"), "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl start: %v: %s", err, out)
	}
	return nil
}

// Stop stops the cluster (fast: open transactions are rolled back).
func (c *Cluster) Stop() error {
	if out, err := Command(filepath.Join(c.Bin, "pg_ctl"), "-D", c.Data(), "-m", "fast", "-w", "stop").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	return nil
}

// OwnDir is where a cluster meant for dir can live: dir itself, or, when we
// are root and the postgres user cannot reach dir (a checkout under /root),
// a directory under /var/tmp that dir links to.
func OwnDir(dir string) (string, error) {
	if target, err := filepath.EvalSymlinks(dir); err == nil && target != dir {
		return target, nil
	}
	if os.Geteuid() != 0 || exec.Command("runuser", "-u", "postgres", "--", "test", "-x", filepath.Dir(dir)).Run() == nil {
		return dir, nil
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(dir))
	own := fmt.Sprintf("/var/tmp/gms-pg-%08x", h.Sum32())
	if err := os.MkdirAll(own, 0o755); err != nil {
		return "", err
	}
	if err := os.Symlink(own, dir); err != nil {
		return "", err
	}
	return own, nil
}

// chownToPostgres gives dir to the postgres user when running as root.
func chownToPostgres(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs a postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(dir, uid, gid)
}

// PIDs are the cluster's processes: the postmaster and its children
// (backends, checkpointer, WAL writer...); nil when it is not running.
func (c *Cluster) PIDs() []int {
	data, err := os.ReadFile(filepath.Join(c.Data(), "postmaster.pid"))
	if err != nil {
		return nil
	}
	master, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(data), "\n", 2)[0]))
	if err != nil {
		return nil
	}
	return append([]int{master}, Children(master)...)
}

// Children lists the processes whose parent is pid.
func Children(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
		s := string(stat)
		if i := strings.LastIndexByte(s, ')'); i >= 0 {
			if f := strings.Fields(s[i+1:]); len(f) > 1 && f[1] == strconv.Itoa(pid) {
				out = append(out, n)
			}
		}
	}
	return out
}
