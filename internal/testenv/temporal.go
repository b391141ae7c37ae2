package testenv

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/opengms/callback/internal/env"
	"github.com/opengms/callback/metrics"
)

var (
	devOnce   sync.Once
	devServer *testsuite.DevServer
	devErr    error
)

// Temporal returns a client of a Temporal dev server (in memory) started
// for this test binary from the repository's bin/temporal (or
// $TEMPORAL_CLI); it never downloads anything.
func Temporal(t testing.TB) client.Client {
	t.Helper()
	devOnce.Do(func() {
		path := os.Getenv("TEMPORAL_CLI")
		if path == "" {
			path = filepath.Join(RepoRoot(t), "bin", "temporal")
		}
		if _, err := os.Stat(path); err != nil {
			devErr = fmt.Errorf("temporal CLI not found at %s: run scripts/ensure-temporal.sh (make test does)", path)
			return
		}
		devServer, devErr = testsuite.StartDevServer(context.Background(), testsuite.DevServerOptions{
			ExistingPath:  path,
			LogLevel:      "error",
			ClientOptions: &client.Options{Namespace: "default"},
			ExtraArgs:     []string{"--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true"},
		})
		if devErr == nil {
			atExit(func() { _ = devServer.Stop() })
			devErr = env.RegisterSearchAttributes(context.Background(), devServer.Client(), "default")
		}
	})
	if devErr != nil {
		t.Fatalf("Temporal dev server: %v", devErr)
	}
	c, err := client.Dial(client.Options{HostPort: devServer.FrontendHostPort(), Namespace: "default",
		MetricsHandler: metrics.TemporalHandler(),
		Logger:         log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn + 4})))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}
