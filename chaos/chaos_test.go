package chaos_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/opengms/callback/chaos"
	"github.com/opengms/callback/internal/testenv"
)

// TestChaosShort is the short crash test of `make test` (GMS_CHAOS=short):
// 40 callbacks while the worker, the API, Temporal and PostgreSQL are killed
// -9 in turn, then an 8 s read-model outage. `make chaos` runs the full one.
func TestChaosShort(t *testing.T) {
	if os.Getenv("GMS_CHAOS") == "" {
		t.Skip("crash test: set GMS_CHAOS=short (make test does) or run make chaos")
	}
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute) // within go test -timeout 5m: cleanup runs
	defer cancel()
	o := chaos.Short()
	o.Cluster = os.Getenv(testenv.TemporalEnv) == "cluster" // make test-cluster: kill its history and frontend
	o.Log = testWriter{t}
	res, err := chaos.Run(ctx, o)
	if res != nil {
		t.Log("\n" + res.Summary())
	}
	if err != nil {
		t.Fatalf("chaos run: %v", err)
	}
	if !res.OK() {
		t.Fatalf("%d crash-test check(s) failed (see the summary above)", len(res.Failures()))
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(trimNL(p)))
	return len(p), nil
}

func trimNL(p []byte) []byte {
	for len(p) > 0 && p[len(p)-1] == '\n' {
		p = p[:len(p)-1]
	}
	return p
}
