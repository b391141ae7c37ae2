package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"text/template"

	"github.com/opengms/callback/internal/pgserver"
)

// Services are the Temporal services, each run as its own process.
var Services = []string{"history", "matching", "frontend", "worker"}

// ui names the Web UI's process among the services'.
const ui = "ui"

// ports are the cluster's loopback ports, chosen at its first start and
// kept in its directory, so a second start reuses them with the data.
type ports struct {
	Postgres   int `json:"postgres"`
	Frontend   int `json:"frontend"`
	History    int `json:"history"`
	Matching   int `json:"matching"`
	Worker     int `json:"worker"`
	Membership struct {
		Frontend, History, Matching, Worker int
	} `json:"membership"`
}

// loadPorts reads dir's ports, or picks free ones (frontend: the given one
// when not 0) and stores them.
func loadPorts(dir string, frontend int) (ports, error) {
	var p ports
	file := filepath.Join(dir, "ports.json")
	data, err := os.ReadFile(file)
	if err == nil {
		if err := json.Unmarshal(data, &p); err != nil {
			return p, fmt.Errorf("%s: %w", file, err)
		}
		if frontend != 0 && p.Frontend != frontend {
			return p, fmt.Errorf("%s holds a cluster with its frontend on port %d, not %d", dir, p.Frontend, frontend)
		}
		return p, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return p, err
	}
	for _, port := range []*int{&p.Postgres, &p.History, &p.Matching, &p.Worker} {
		if *port, err = pgserver.FreePort(); err != nil {
			return p, err
		}
	}
	for _, port := range []*int{&p.Membership.Frontend, &p.Membership.History, &p.Membership.Matching, &p.Membership.Worker} {
		if *port, err = membershipPort(); err != nil {
			return p, err
		}
	}
	p.Frontend = frontend
	if p.Frontend == 0 {
		if p.Frontend, err = pgserver.FreePort(); err != nil {
			return p, err
		}
	}
	data, _ = json.MarshalIndent(p, "", "  ")
	return p, os.WriteFile(file, data, 0o644)
}

// membershipPort is a free loopback port below 32768: Temporal's SQL
// schema keeps membership ports as smallint, and the kernel's ephemeral
// ports lie above.
func membershipPort() (int, error) {
	for range 200 {
		port := 20000 + rand.IntN(12000)
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			l.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free port in 20000-31999 for Temporal's membership")
}

// serverConfig is the temporal-server configuration of the cluster: SQL
// persistence and SQL visibility on its PostgreSQL, each service on its
// own ports, no metrics or pprof listener (the processes would share them).
var serverConfig = template.Must(template.New("config").Parse(`log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: {{.Shards}}
  datastores:
    default:
      sql:
        pluginName: postgres12
        databaseName: temporal
        connectAddr: "127.0.0.1:{{.Ports.Postgres}}"
        connectProtocol: tcp
        user: postgres
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
    visibility:
      sql:
        pluginName: postgres12
        databaseName: temporal_visibility
        connectAddr: "127.0.0.1:{{.Ports.Postgres}}"
        connectProtocol: tcp
        user: postgres
        maxConns: 10
        maxIdleConns: 10
        maxConnLifetime: 1h
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:
    rpc: {grpcPort: {{.Ports.Frontend}}, membershipPort: {{.Ports.Membership.Frontend}}, bindOnLocalHost: true}
  history:
    rpc: {grpcPort: {{.Ports.History}}, membershipPort: {{.Ports.Membership.History}}, bindOnLocalHost: true}
  matching:
    rpc: {grpcPort: {{.Ports.Matching}}, membershipPort: {{.Ports.Membership.Matching}}, bindOnLocalHost: true}
  worker:
    rpc: {grpcPort: {{.Ports.Worker}}, membershipPort: {{.Ports.Membership.Worker}}, bindOnLocalHost: true}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:{{.Ports.Frontend}}"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: "{{.DynamicConfig}}"
  pollInterval: 10s
`))

// dynamicConfig enables what the callback service uses (updates,
// Update-With-Start, eager start) and eager activity dispatch: an activity
// a workflow task schedules (the ORS submission, the read-model write)
// goes back to that worker in the task's answer, with no round trip
// through matching.
const dynamicConfig = `frontend.enableUpdateWorkflowExecution:
  - value: true
system.enableEagerWorkflowStart:
  - value: true
frontend.enableUpdateWorkflowExecutionAsyncAccepted:
  - value: true
system.enableActivityEagerExecution:
  - value: true
matching.numTaskqueueReadPartitions:
  - value: 1
matching.numTaskqueueWritePartitions:
  - value: 1
`

// writeConfig writes the server and dynamic configuration into dir.
func writeConfig(dir string, shards int, p ports) (string, error) {
	dyn := filepath.Join(dir, "dynamicconfig.yaml")
	if err := os.WriteFile(dyn, []byte(dynamicConfig), 0o644); err != nil {
		return "", err
	}
	file := filepath.Join(dir, "temporal.yaml")
	f, err := os.Create(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	err = serverConfig.Execute(f, struct {
		Shards        int
		Ports         ports
		DynamicConfig string
	}{shards, p, dyn})
	if err != nil {
		return "", fmt.Errorf("render %s: %w", file, err)
	}
	return file, f.Close()
}

// writeUIConfig writes the Web UI's configuration (Dir/ui/development.yaml),
// decoding payloads with the remote codec at codec when it is set.
func writeUIConfig(dir, frontend string, port int, namespace, codec string) error {
	if err := os.MkdirAll(filepath.Join(dir, "ui"), 0o755); err != nil {
		return err
	}
	cfg := fmt.Sprintf("temporalGrpcAddress: %s\nport: %d\npublicPath:\nenableUi: true\ndefaultNamespace: %s\n", frontend, port, namespace)
	if codec != "" {
		cfg += fmt.Sprintf("codec:\n  endpoint: %q\n  includeCredentials: true\n", codec)
	}
	return os.WriteFile(filepath.Join(dir, "ui", "development.yaml"), []byte(cfg), 0o644)
}
