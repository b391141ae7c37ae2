// Package env reads the process environment of CONTRACT.md, each variable
// and its default defined once.
package env

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"golang.org/x/term"

	"github.com/opengms/callback/metrics"
	"github.com/opengms/callback/privacy"
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
	// CodecOrigins are the Temporal UI origins allowed to call the API's
	// codec endpoints (GMS_CODEC_ORIGINS, comma-separated).
	CodecOrigins []string
	// DocumentsDir holds the documents the API serves under
	// /genesys/1/document/ (GMS_DOCUMENTS_DIR; none by default).
	DocumentsDir string
	// DataDir is GMS_DATA_DIR: make run's data, and the development keys.
	DataDir string
	// Secrets are where the payload keys and the number-hash key come
	// from (GMS_PAYLOAD_KEYS[_FILE], GMS_NUMBER_HASH_KEY[_FILE]).
	Secrets privacy.Sources
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
		DataDir:           get("GMS_DATA_DIR", ".data"),
		DocumentsDir:      os.Getenv("GMS_DOCUMENTS_DIR"),
		CodecOrigins:      list(get("GMS_CODEC_ORIGINS", "http://localhost:8233,http://127.0.0.1:8233")),
		Secrets: privacy.Sources{
			PayloadKeys: os.Getenv("GMS_PAYLOAD_KEYS"), PayloadKeysFile: os.Getenv("GMS_PAYLOAD_KEYS_FILE"),
			NumberHashKey: os.Getenv("GMS_NUMBER_HASH_KEY"), NumberHashKeyFile: os.Getenv("GMS_NUMBER_HASH_KEY_FILE"),
		},
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

// list splits a comma-separated value, dropping empty items and a
// trailing slash (an origin has none).
func list(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSuffix(strings.TrimSpace(item), "/"); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// Logger is a JSON logger, or a text one when stderr is a terminal.
func Logger() *slog.Logger {
	if term.IsTerminal(int(os.Stderr.Fd())) {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}

// LoadSecrets reads the configured keys. With none configured, a process
// whose Temporal is on this machine (make run, make cluster, the tests)
// uses the development keys under DataDir/secrets, created on first use;
// any other refuses to start, so a deployment never writes customer data
// under a key only one machine holds.
func (s Settings) LoadSecrets() (*privacy.Secrets, error) {
	dev := ""
	if isLoopback(s.TemporalAddress) {
		dev = filepath.Join(s.DataDir, "secrets")
	}
	return privacy.Load(s.Secrets, dev)
}

// isLoopback tells whether host:port names this machine.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Dial connects to Temporal, every payload encrypted with sec's keys.
func (s Settings) Dial(ctx context.Context, logger *slog.Logger, sec *privacy.Secrets) (client.Client, error) {
	opts, err := s.ClientOptions(logger, sec)
	if err != nil {
		return nil, err
	}
	return client.DialContext(ctx, opts)
}

// ClientOptions are the Temporal client options: address, namespace,
// logger, metrics, the payload codec of sec, and the API key and TLS of a
// secured cluster.
func (s Settings) ClientOptions(logger *slog.Logger, sec *privacy.Secrets) (client.Options, error) {
	opts := client.Options{
		HostPort:       s.TemporalAddress,
		Namespace:      s.TemporalNamespace,
		Logger:         log.NewStructuredLogger(logger),
		MetricsHandler: metrics.TemporalHandler(),
	}
	if err := Encrypt(&opts, sec); err != nil {
		return opts, err
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

// Encrypt sets opts' data and failure converters to encrypt every payload
// with sec's keys (privacy.Codec).
func Encrypt(opts *client.Options, sec *privacy.Secrets) error {
	codec, err := sec.Codec()
	if err != nil {
		return err
	}
	opts.DataConverter = privacy.DataConverter(codec)
	opts.FailureConverter = privacy.FailureConverter(opts.DataConverter)
	return nil
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
