// Command worker runs the Temporal worker of the callback service.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/opengms/callback/config"
	"github.com/opengms/callback/internal/env"
	"github.com/opengms/callback/metrics"
	"github.com/opengms/callback/worker"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	p, err := env.Boot(ctx, "worker")
	if err != nil {
		return err
	}
	defer p.Close()
	var cfg atomic.Pointer[config.Config]
	cfg.Store(p.Config)
	w := worker.New(p.Temporal, p.Settings.TaskQueue, p.Store, cfg.Load, p.Logger)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	janitor := &worker.Janitor{Temporal: p.Temporal, Store: p.Store, Logger: p.Logger, Grace: 2 * time.Minute}
	go janitor.Run(ctx)
	pauser := &worker.Pauser{Temporal: p.Temporal, Store: p.Store, Logger: p.Logger}
	// One goroutine applies the pauses, the last configuration winning: the
	// start's apply may still run when the first reload comes.
	pauser.ApplyLatest(ctx, p.Config)
	go config.Watch(ctx, p.Settings.ConfigPath, p.Logger, func(c *config.Config) {
		cfg.Store(c)
		pauser.ApplyLatest(ctx, c)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler())
	metricsSrv := &http.Server{Addr: p.Settings.WorkerMetricsAddr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := metricsSrv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			p.Logger.Error("metrics listener failed", "addr", p.Settings.WorkerMetricsAddr, "error", err)
		}
	}()
	defer metricsSrv.Close()
	p.Logger.Info("worker started", "task_queue", p.Settings.TaskQueue, "temporal", p.Settings.TemporalAddress,
		"metrics", "http://"+p.Settings.WorkerMetricsAddr+"/metrics")
	<-ctx.Done()
	w.Stop()
	p.Logger.Info("worker stopped")
	return nil
}
