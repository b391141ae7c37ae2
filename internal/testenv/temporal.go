package testenv

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/opengms/callback/internal/cluster"
	"github.com/opengms/callback/internal/env"
	"github.com/opengms/callback/internal/pgserver"
	"github.com/opengms/callback/metrics"
	"github.com/opengms/callback/privacy"
)

// TemporalEnv names the variable that picks the Temporal the integration
// tests run on: unset, the dev server; "cluster", a real cluster
// (internal/cluster: PostgreSQL persistence and visibility, each service a
// process; make test-cluster).
const TemporalEnv = "GMS_TEST_TEMPORAL"

var (
	temporalOnce sync.Once
	frontend     string // host:port of the frontend started for this test binary
	temporalErr  error
	testCluster  *cluster.Cluster
)

// Temporal returns a client of the Temporal started for this test binary:
// a dev server (in memory) from the repository's bin/temporal (or
// $TEMPORAL_CLI), or with GMS_TEST_TEMPORAL=cluster a real cluster from
// bin/temporal-server; it never downloads anything.
func Temporal(t testing.TB) client.Client {
	t.Helper()
	temporalOnce.Do(func() {
		if os.Getenv(TemporalEnv) == "cluster" {
			frontend, temporalErr = startCluster(t)
		} else {
			frontend, temporalErr = startDevServer(t)
		}
		if temporalErr != nil {
			return
		}
		c, err := client.Dial(client.Options{HostPort: frontend, Namespace: "default"})
		if err != nil {
			temporalErr = err
			return
		}
		defer c.Close()
		temporalErr = env.RegisterSearchAttributes(context.Background(), c, "default")
	})
	if temporalErr != nil {
		t.Fatalf("Temporal: %v", temporalErr)
	}
	opts := client.Options{HostPort: frontend, Namespace: "default",
		MetricsHandler: metrics.TemporalHandler(),
		Logger:         log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn + 4})))}
	if err := env.Encrypt(&opts, Secrets(t)); err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// Secrets are the tests' fixed keys (testdata/secrets: for tests only),
// read once per test binary. The recorded histories the replay test
// replays are encrypted with them.
func Secrets(t testing.TB) *privacy.Secrets {
	t.Helper()
	secretsOnce.Do(func() { secrets, secretsErr = privacy.Load(privacy.DirSources(SecretsDir(t)), "") })
	if secretsErr != nil {
		t.Fatal(secretsErr)
	}
	return secrets
}

var (
	secretsOnce sync.Once
	secrets     *privacy.Secrets
	secretsErr  error
)

// SecretsDir holds the tests' fixed keys, for a process a test starts
// (GMS_PAYLOAD_KEYS_FILE, GMS_NUMBER_HASH_KEY_FILE).
func SecretsDir(t testing.TB) string {
	return filepath.Join(RepoRoot(t), "internal", "testenv", "testdata", "secrets")
}

// TemporalCLIPath is the Temporal CLI the tests use: $TEMPORAL_CLI, or the
// repository's bin/temporal.
func TemporalCLIPath(t testing.TB) string {
	if path := os.Getenv("TEMPORAL_CLI"); path != "" {
		return path
	}
	return filepath.Join(RepoRoot(t), "bin", "temporal")
}

// startDevServer starts the CLI's dev server.
func startDevServer(t testing.TB) (string, error) {
	path := TemporalCLIPath(t)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("temporal CLI not found at %s: run scripts/ensure-temporal.sh (make test does)", path)
	}
	dev, err := testsuite.StartDevServer(context.Background(), testsuite.DevServerOptions{
		ExistingPath:  path,
		LogLevel:      "error",
		ClientOptions: &client.Options{Namespace: "default"},
		ExtraArgs:     []string{"--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true"},
	})
	if err != nil {
		return "", err
	}
	atExit(func() { _ = dev.Stop() })
	return dev.FrontendHostPort(), nil
}

// startCluster starts a throwaway real cluster in a temporary directory.
func startCluster(t testing.TB) (string, error) {
	bin := filepath.Join(RepoRoot(t), "bin")
	if _, err := os.Stat(filepath.Join(bin, "temporal-server")); err != nil {
		return "", fmt.Errorf("temporal-server not found in %s: run scripts/ensure-temporal-server.sh (make test-cluster does)", bin)
	}
	pgBin, err := pgserver.Bin()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "gms-cluster-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o755); err != nil { // its PostgreSQL runs as the postgres user
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := cluster.Start(ctx, cluster.Options{Dir: dir, Bin: bin, PGBin: pgBin, Shards: 16,
		PGSettings: pgserver.Throwaway})
	if err != nil {
		return "", err
	}
	testCluster = c
	atExit(func() {
		c.Stop()
		os.RemoveAll(dir)
	})
	return c.FrontendAddress(), nil
}

// FrontendAddress is host:port of the Temporal the tests run on (started
// by Temporal).
func FrontendAddress(t testing.TB) string {
	Temporal(t)
	return frontend
}

// Cluster is the real cluster the tests run on, nil on the dev server.
func Cluster() *cluster.Cluster { return testCluster }
