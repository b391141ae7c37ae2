// Command api serves the GMS callback REST API.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/opengms/callback/api"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/internal/env"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/stats"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	settings := env.Load()
	logger := env.Logger().With("process", "api")
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
	srv := &api.Server{
		Temporal: c, Store: store, Logger: logger,
		Stats:     &stats.Client{URL: cfg.StatURL, HTTP: &http.Client{Timeout: 5 * time.Second}},
		PublicURL: settings.PublicURL, TaskQueue: settings.TaskQueue,
	}
	srv.SetConfig(cfg)
	httpSrv := &http.Server{
		Addr:              settings.HTTPAddr,
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute, // an immediate start waits for ORS
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.ListenAndServe() }()
	logger.Info("api listening", "addr", settings.HTTPAddr, "public_url", settings.PublicURL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("api stopped")
	return nil
}
