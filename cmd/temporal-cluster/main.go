// Command temporal-cluster runs a real Temporal cluster in the foreground
// (make cluster): its own PostgreSQL, schemas set up by temporal-sql-tool,
// the frontend, history, matching and worker services as separate
// processes, the namespace and the callback search attributes registered.
// SIGINT or SIGTERM stops it all; a second start on the same -dir reuses
// its data.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"go.temporal.io/sdk/client"

	"github.com/opengms/callback/internal/cluster"
	"github.com/opengms/callback/internal/env"
	"github.com/opengms/callback/internal/pgserver"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "temporal-cluster:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("dir", ".data/cluster", "where the cluster keeps its PostgreSQL, configuration and logs")
	bin := flag.String("bin", "bin", "directory of temporal-server, temporal-sql-tool and temporal-schema/")
	addr := flag.String("address", "127.0.0.1:7233", "the frontend's address (127.0.0.1:PORT)")
	namespace := flag.String("namespace", "default", "namespace to register")
	shards := flag.Int("shards", 16, "history shards (fixed when the cluster is first created)")
	uiPort := flag.Int("ui-port", 0, "port of the Temporal Web UI on 127.0.0.1 (0: none)")
	uiCodec := flag.String("ui-codec", "", "remote codec endpoint the Web UI decodes payloads with (the API's /codec)")
	flag.Parse()

	_, p, err := net.SplitHostPort(*addr)
	if err != nil {
		return fmt.Errorf("-address: %w", err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return fmt.Errorf("-address: %w", err)
	}
	pgBin, err := pgserver.Bin()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	c, err := cluster.Start(ctx, cluster.Options{Dir: abs(*dir), Bin: abs(*bin), PGBin: pgBin,
		FrontendPort: port, Shards: *shards, Namespace: *namespace, UIPort: *uiPort, UICodec: *uiCodec})
	if err != nil {
		return err
	}
	defer c.Stop()
	tc, err := client.Dial(client.Options{HostPort: c.FrontendAddress(), Namespace: c.Namespace()})
	if err != nil {
		return err
	}
	err = env.RegisterSearchAttributes(ctx, tc, c.Namespace())
	tc.Close()
	if err != nil {
		return err
	}
	fmt.Printf("Temporal cluster ready: frontend %s, namespace %s, %d history shards, PostgreSQL %s, Web UI %s, logs in %s\n",
		c.FrontendAddress(), c.Namespace(), *shards, c.PostgresURL(), c.UIURL(), filepath.Join(abs(*dir), "logs"))
	select {
	case <-ctx.Done():
		return nil
	case err := <-c.Exits():
		return err
	}
}
