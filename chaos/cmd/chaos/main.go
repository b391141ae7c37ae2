// Command chaos runs the crash test of the callback service (`make chaos`):
// real PostgreSQL, a file-backed Temporal dev server, the worker and the API
// as processes, killed -9 in turn under load, then a read-model outage; it
// prints the results and exits 1 when a check failed.
//
//	go run ./chaos/cmd/chaos            the full run (300 callbacks, 2 rounds of kills, 30 s outage)
//	go run ./chaos/cmd/chaos -short     the short run of `make test`
//
// Flags override the sizes: -n (callbacks), -rounds, -outage, -keep.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/opengms/callback/chaos"
)

func main() {
	short := flag.Bool("short", false, "the short variant (as in make test)")
	n := flag.Int("n", 0, "start requests of the crash phase (0 = the variant's)")
	rounds := flag.Int("rounds", 0, "rounds of kills (0 = the variant's)")
	outage := flag.Duration("outage", 0, "read-model outage (0 = the variant's)")
	keep := flag.Bool("keep", false, "keep the logs and data directory even when every check passes")
	onCluster := flag.Bool("cluster", false, "run Temporal as a real cluster and kill its history and frontend processes")
	flag.Parse()

	o := chaos.Full()
	if *short {
		o = chaos.Short()
	}
	if *n > 0 {
		o.Callbacks = *n
	}
	if *rounds > 0 {
		o.Rounds = *rounds
	}
	if *outage > 0 {
		o.Outage = *outage
	}
	o.KeepDir = *keep
	o.Cluster = *onCluster

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := chaos.Run(ctx, o)
	if res != nil {
		fmt.Print(res.Summary())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(2)
	}
	if !res.OK() {
		os.Exit(1)
	}
}
