// Package env reads the process environment of CONTRACT.md, each variable
// and its default defined once.
package env

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
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
	// PprofAddr, when set, is where the process serves Go's runtime
	// profiles (GMS_PPROF_ADDR; off by default).
	PprofAddr string
	// TemporalAPIKey authenticates to a secured cluster or Temporal Cloud
	// (implies TLS).
	TemporalAPIKey string
	// TemporalTLSCert, TemporalTLSKey (client certificate) and
	// TemporalTLSCA (server CA) are PEM file paths for mTLS.
	TemporalTLSCert, TemporalTLSKey, TemporalTLSCA string
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
		PprofAddr:         os.Getenv("GMS_PPROF_ADDR"),
		TemporalAPIKey:    os.Getenv("TEMPORAL_API_KEY"),
		TemporalTLSCert:   os.Getenv("TEMPORAL_TLS_CERT"),
		TemporalTLSKey:    os.Getenv("TEMPORAL_TLS_KEY"),
		TemporalTLSCA:     os.Getenv("TEMPORAL_TLS_CA"),
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
	opts, err := s.ClientOptions(logger)
	if err != nil {
		return nil, err
	}
	return client.DialContext(ctx, opts)
}

// ClientOptions are the Temporal client options: address, namespace,
// logger, metrics, and the API key and TLS of a secured cluster.
func (s Settings) ClientOptions(logger *slog.Logger) (client.Options, error) {
	opts := client.Options{
		HostPort:       s.TemporalAddress,
		Namespace:      s.TemporalNamespace,
		Logger:         log.NewStructuredLogger(logger),
		MetricsHandler: metrics.TemporalHandler(),
	}
	// Payloads here are a few KB: gzip (the SDK's default) costs CPU on
	// both ends, in every process and in Temporal, for little saved.
	opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	tlsConf, err := s.tls()
	if err != nil {
		return opts, err
	}
	if s.TemporalAPIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(s.TemporalAPIKey)
		if tlsConf == nil {
			tlsConf = &tls.Config{MinVersion: tls.VersionTLS12}
		}
	}
	opts.ConnectionOptions.TLS = tlsConf
	return opts, nil
}

// tls builds the TLS configuration from the certificate variables (nil
// when none is set).
func (s Settings) tls() (*tls.Config, error) {
	if s.TemporalTLSCert == "" && s.TemporalTLSKey == "" && s.TemporalTLSCA == "" {
		return nil, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.TemporalTLSCert != "" || s.TemporalTLSKey != "" {
		cert, err := tls.LoadX509KeyPair(s.TemporalTLSCert, s.TemporalTLSKey)
		if err != nil {
			return nil, fmt.Errorf("TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if s.TemporalTLSCA != "" {
		pem, err := os.ReadFile(s.TemporalTLSCA)
		if err != nil {
			return nil, fmt.Errorf("TEMPORAL_TLS_CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TEMPORAL_TLS_CA: no certificate in %s", s.TemporalTLSCA)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}
