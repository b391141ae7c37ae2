// Command worker runs the Temporal worker of the callback service.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/opengms/callback/internal/env"
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
	w := worker.New(p.Temporal, p.Settings.TaskQueue, p.Store, p.Config.StatURL, p.Logger)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	p.Logger.Info("worker started", "task_queue", p.Settings.TaskQueue, "temporal", p.Settings.TemporalAddress)
	<-ctx.Done()
	w.Stop()
	p.Logger.Info("worker stopped")
	return nil
}
