package env

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/opengms/callback/privacy"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestDefaultsFollowTheContract(t *testing.T) {
	for _, k := range []string{"GMS_CONFIG", "GMS_HTTP_ADDR", "GMS_PUBLIC_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE",
		"TEMPORAL_TASK_QUEUE", "DATABASE_URL", "ORS_SIM_ADDR", "GMS_PPROF_ADDR", "TEMPORAL_API_KEY", "TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY", "TEMPORAL_TLS_CA",
		"GMS_DATA_DIR", "GMS_CODEC_ORIGINS", "GMS_DOCUMENTS_DIR", "GMS_PAYLOAD_KEYS", "GMS_PAYLOAD_KEYS_FILE", "GMS_NUMBER_HASH_KEY", "GMS_NUMBER_HASH_KEY_FILE"} {
		t.Setenv(k, "")
	}
	s := Load()
	require.Equal(t, Settings{ConfigPath: "config/gms.ini", HTTPAddr: "127.0.0.1:8080", PublicURL: "http://127.0.0.1:8080",
		TemporalAddress: "127.0.0.1:7233", TemporalNamespace: "default", TaskQueue: "callbacks",
		DatabaseURL: "postgres://postgres@127.0.0.1:55432/gms?sslmode=disable", ORSSimAddr: "127.0.0.1:8090",
		WorkerMetricsAddr: "127.0.0.1:9091", DataDir: ".data",
		CodecOrigins: []string{"http://localhost:8233", "http://127.0.0.1:8233"}}, s)
	opts, err := s.ClientOptions(quiet, testSecrets(t))
	require.NoError(t, err)
	require.Nil(t, opts.ConnectionOptions.TLS, "plain connection by default")
	require.Nil(t, opts.Credentials)
	require.IsType(t, &client.GrpcCompressionNone{}, opts.ConnectionOptions.GrpcCompression, "small payloads: no gzip")
	p, err := opts.DataConverter.ToPayload("+15550101234")
	require.NoError(t, err)
	require.Equal(t, privacy.EncodingEncrypted, string(p.Metadata["encoding"]), "every payload encrypted")
}

// testSecrets are new development secrets in a temporary directory.
func testSecrets(t *testing.T) *privacy.Secrets {
	sec, err := privacy.DevSecrets(t.TempDir())
	require.NoError(t, err)
	return sec
}

func TestDevelopmentKeysOnlyWithALocalTemporal(t *testing.T) {
	for _, k := range []string{"GMS_PAYLOAD_KEYS", "GMS_PAYLOAD_KEYS_FILE", "GMS_NUMBER_HASH_KEY", "GMS_NUMBER_HASH_KEY_FILE"} {
		t.Setenv(k, "")
	}
	data := t.TempDir()
	t.Setenv("GMS_DATA_DIR", data)
	for _, addr := range []string{"127.0.0.1:7233", "localhost:7233", "[::1]:7233"} {
		t.Setenv("TEMPORAL_ADDRESS", addr)
		sec, err := Load().LoadSecrets()
		require.NoError(t, err, addr)
		require.Contains(t, sec.Source, filepath.Join(data, "secrets"))
	}
	for _, addr := range []string{"temporal:7233", "10.0.0.5:7233", "my-ns.a1b2c.tmprl.cloud:7233"} {
		t.Setenv("TEMPORAL_ADDRESS", addr)
		_, err := Load().LoadSecrets()
		require.ErrorIs(t, err, privacy.ErrNoSecrets, "%s: a remote Temporal needs configured keys", addr)
	}
	// Configured keys are used wherever Temporal is.
	require.NoError(t, privacy.WriteNew(filepath.Join(data, "prod")))
	t.Setenv("GMS_PAYLOAD_KEYS_FILE", filepath.Join(data, "prod", privacy.PayloadKeysFile))
	t.Setenv("GMS_NUMBER_HASH_KEY_FILE", filepath.Join(data, "prod", privacy.NumberHashKeyFile))
	sec, err := Load().LoadSecrets()
	require.NoError(t, err)
	require.Equal(t, "environment", sec.Source)
}

func TestProfilesServedOnlyWhenAsked(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ServeProfiles(ctx, "", quiet) // nothing to check but that it returns
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	ServeProfiles(ctx, addr, quiet)
	var resp *http.Response
	require.Eventually(t, func() bool {
		resp, err = http.Get("http://" + addr + "/debug/pprof/goroutine?debug=1")
		return err == nil
	}, 5*time.Second, 20*time.Millisecond)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "goroutine profile")
	cancel()
	require.Eventually(t, func() bool { _, err := http.Get("http://" + addr + "/debug/pprof/"); return err != nil },
		5*time.Second, 20*time.Millisecond, "stops with its context")
}

func TestAPIKeyImpliesTLS(t *testing.T) {
	t.Setenv("TEMPORAL_API_KEY", "secret-key")
	opts, err := Load().ClientOptions(quiet, testSecrets(t))
	require.NoError(t, err)
	require.NotNil(t, opts.Credentials)
	require.NotNil(t, opts.ConnectionOptions.TLS)
}

func TestClientCertificateAndCA(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeSelfSigned(t, dir)
	t.Setenv("TEMPORAL_TLS_CERT", cert)
	t.Setenv("TEMPORAL_TLS_KEY", key)
	t.Setenv("TEMPORAL_TLS_CA", cert)
	opts, err := Load().ClientOptions(quiet, testSecrets(t))
	require.NoError(t, err)
	require.Len(t, opts.ConnectionOptions.TLS.Certificates, 1)
	require.NotNil(t, opts.ConnectionOptions.TLS.RootCAs)

	t.Setenv("TEMPORAL_TLS_CA", filepath.Join(dir, "missing.pem"))
	_, err = Load().ClientOptions(quiet, testSecrets(t))
	require.ErrorContains(t, err, "TEMPORAL_TLS_CA")
}

func writeSelfSigned(t *testing.T, dir string) (certPath, keyPath string) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "worker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(priv)
	require.NoError(t, err)
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certPath, keyPath
}
