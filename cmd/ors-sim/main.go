// Command ors-sim runs the ORS simulator of `make run`: it accepts session
// starts and cancels as ORS does, reports ROUTING, PROCESSING and COMPLETED to
// each callback's _callback_url, and serves the statistics endpoint.
//
// Every flag has an environment variable; a flag given on the command line wins.
//
//	-addr              ORS_SIM_ADDR              127.0.0.1:8090
//	-routing-delay     ORS_SIM_ROUTING_DELAY     2s
//	-processing-delay  ORS_SIM_PROCESSING_DELAY  3s
//	-complete-delay    ORS_SIM_COMPLETE_DELAY    5s
//	-drive             ORS_SIM_DRIVE             true
//	-fail-rate         ORS_SIM_FAIL_RATE         0     (share of starts answered 500)
//	-fail-first        ORS_SIM_FAIL_FIRST        0     (the first N starts answer 503)
//	-start-delay       ORS_SIM_START_DELAY       0s    (wait before answering a start)
//	-ewt               ORS_SIM_EWT               0     (GET /statistic value, seconds)
//	-put-json          ORS_SIM_PUT_JSON          false (JSON state reports instead of forms)
//	-access-number     ORS_SIM_ACCESS_NUMBER     +18005550100 (_access_number of start answers; "" none)
//	-log-level         ORS_SIM_LOG_LEVEL         info
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/opengms/callback/orssim"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ors-sim:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	def := orssim.DefaultOptions()
	fs := flag.NewFlagSet("ors-sim", flag.ContinueOnError)
	var (
		addr       = fs.String("addr", envString("ORS_SIM_ADDR", "127.0.0.1:8090"), "listen address")
		routing    = fs.Duration("routing-delay", envDuration("ORS_SIM_ROUTING_DELAY", def.RoutingDelay), "delay before ROUTING")
		processing = fs.Duration("processing-delay", envDuration("ORS_SIM_PROCESSING_DELAY", def.ProcessingDelay), "delay before PROCESSING")
		complete   = fs.Duration("complete-delay", envDuration("ORS_SIM_COMPLETE_DELAY", def.CompleteDelay), "delay before COMPLETED")
		drive      = fs.Bool("drive", envBool("ORS_SIM_DRIVE", def.Drive), "report state changes to the callback URL")
		failRate   = fs.Float64("fail-rate", envFloat("ORS_SIM_FAIL_RATE", 0), "share (0..1) of start requests answered 500")
		failFirst  = fs.Int("fail-first", envInt("ORS_SIM_FAIL_FIRST", 0), "the first N start requests answer 503")
		startDelay = fs.Duration("start-delay", envDuration("ORS_SIM_START_DELAY", 0), "wait before answering a start")
		ewt        = fs.Int("ewt", envInt("ORS_SIM_EWT", 0), "value of GET /statistic (seconds)")
		putJSON    = fs.Bool("put-json", envBool("ORS_SIM_PUT_JSON", false), "send state reports as JSON")
		access     = fs.String("access-number", envString("ORS_SIM_ACCESS_NUMBER", def.AccessNumber), `_access_number of start answers ("" for none)`)
		level      = fs.String("log-level", envString("ORS_SIM_LOG_LEVEL", "info"), "debug, info, warn or error")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("bad -log-level %q: %w", *level, err)
	}
	if *failRate < 0 || *failRate > 1 {
		return fmt.Errorf("-fail-rate must be within 0..1, got %v", *failRate)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	sim := orssim.New(orssim.Options{
		RoutingDelay:    *routing,
		ProcessingDelay: *processing,
		CompleteDelay:   *complete,
		Drive:           *drive,
		EWTSeconds:      *ewt,
		FailRate:        *failRate,
		PutJSON:         *putJSON,
		AccessNumber:    *access,
		Logger:          logger,
	})
	sim.SetFailFirst(*failFirst)
	sim.SetDelay(*startDelay)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("ors-sim listening", "addr", ln.Addr().String(), "drive", *drive,
		"routing_delay", *routing, "processing_delay", *processing, "complete_delay", *complete,
		"fail_rate", *failRate, "ewt", *ewt, "access_number", *access)

	select {
	case err := <-errc:
		sim.Close()
		return err
	case <-ctx.Done():
	}
	logger.Info("ors-sim shutting down")
	shCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shCtx)
	sim.Close()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func envString(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	if d, err := time.ParseDuration(v); err == nil {
		return d
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil { // plain seconds
		return time.Duration(n * float64(time.Second))
	}
	fmt.Fprintf(os.Stderr, "ors-sim: ignoring bad %s=%q\n", name, v)
	return def
}

func envBool(name string, def bool) bool {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ors-sim: ignoring bad %s=%q\n", name, v)
		return def
	}
	return b
}

func envInt(name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ors-sim: ignoring bad %s=%q\n", name, v)
		return def
	}
	return n
}

func envFloat(name string, def float64) float64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ors-sim: ignoring bad %s=%q\n", name, v)
		return def
	}
	return f
}
