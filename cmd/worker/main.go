// Command worker runs the Temporal worker of the callback service.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/opengms/callback/config"
	"github.com/opengms/callback/internal/env"
	"github.com/opengms/callback/queries"
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
	settings := env.Load()
	logger := env.Logger().With("process", "worker")
	cfg, err := config.Load(settings.ConfigPath)
	if err != nil {
		return err
	}
	store, err := queries.Open(ctx, settings.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	c, err := settings.Dial(ctx, logger)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", settings.TemporalAddress, err)
	}
	defer c.Close()
	w := worker.New(c, settings.TaskQueue, store, cfg.StatURL, logger)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	logger.Info("worker started", "task_queue", settings.TaskQueue, "temporal", settings.TemporalAddress)
	<-ctx.Done()
	w.Stop()
	logger.Info("worker stopped")
	return nil
}
