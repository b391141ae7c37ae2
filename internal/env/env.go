// Package env reads the process environment of CONTRACT.md, each variable
// and its default defined once.
package env

import (
	"context"
	"log/slog"
	"os"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"golang.org/x/term"

	"github.com/opengms/callback/metrics"
)

// Settings are the environment variables the processes read.
type Settings struct {
	ConfigPath        string
	HTTPAddr          string
	PublicURL         string
	TemporalAddress   string
	TemporalNamespace string
	TaskQueue         string
	DatabaseURL       string
	ORSSimAddr        string
	// WorkerMetricsAddr is where the worker serves GET /metrics.
	WorkerMetricsAddr string
}

// Load reads the environment, applying CONTRACT's defaults.
func Load() Settings {
	s := Settings{
		ConfigPath:        get("GMS_CONFIG", "config/gms.ini"),
		HTTPAddr:          get("GMS_HTTP_ADDR", "127.0.0.1:8080"),
		TemporalAddress:   get("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		TemporalNamespace: get("TEMPORAL_NAMESPACE", "default"),
		TaskQueue:         get("TEMPORAL_TASK_QUEUE", "callbacks"),
		DatabaseURL:       get("DATABASE_URL", "postgres://postgres@127.0.0.1:55432/gms?sslmode=disable"),
		ORSSimAddr:        get("ORS_SIM_ADDR", "127.0.0.1:8090"),
		WorkerMetricsAddr: get("GMS_WORKER_METRICS_ADDR", "127.0.0.1:9091"),
	}
	s.PublicURL = get("GMS_PUBLIC_URL", "http://"+s.HTTPAddr)
	return s
}

func get(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Logger is a JSON logger, or a text one when stderr is a terminal.
func Logger() *slog.Logger {
	if term.IsTerminal(int(os.Stderr.Fd())) {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}

// Dial connects to Temporal.
func (s Settings) Dial(ctx context.Context, logger *slog.Logger) (client.Client, error) {
	return client.DialContext(ctx, client.Options{
		HostPort:       s.TemporalAddress,
		Namespace:      s.TemporalNamespace,
		Logger:         log.NewStructuredLogger(logger),
		MetricsHandler: metrics.TemporalHandler(),
	})
}
