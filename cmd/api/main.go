// Command api serves the GMS callback REST API.
//
//	api                     serve (the environment of CONTRACT.md)
//	api keygen DIR          write new payload keys and a number-hash key into DIR (never replacing a file)
//	api hash-number NUMBER  print the CustomerNumber search attribute of NUMBER, with this environment's keys
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
	"github.com/opengms/callback/stats"
	"github.com/opengms/callback/worker"
)

func main() {
	if len(os.Args) > 1 {
		if err := tool(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "api:", err)
			os.Exit(2)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	p, err := env.Boot(ctx, "api")
	if err != nil {
		return err
	}
	defer p.Close()
	srv := &api.Server{
		Temporal: p.Temporal, Store: p.Store, Logger: p.Logger,
		Stats:     &stats.Client{URL: p.Config.StatURL, HTTP: &http.Client{Timeout: 5 * time.Second}},
		PublicURL: p.Settings.PublicURL, TaskQueue: p.Settings.TaskQueue, Namespace: p.Settings.TemporalNamespace,
		Hasher: p.Secrets.Hasher(), CodecOrigins: p.Settings.CodecOrigins, DocumentsDir: p.Settings.DocumentsDir,
	}
	if srv.Codec, err = p.Secrets.Codec(); err != nil {
		return err
	}
	if srv.Events, err = p.Store.Listen(p.Logger); err != nil {
		return err
	}
	defer srv.Events.Close()
	srv.SetConfig(p.Config)
	starter := worker.NewStarter(p.Temporal, p.Settings.TaskQueue, srv.Config)
	if err := starter.Start(); err != nil {
		return fmt.Errorf("starter worker: %w", err)
	}
	defer starter.Stop()
	go config.Watch(ctx, p.Settings.ConfigPath, p.Logger, srv.SetConfig)
	httpSrv := api.NewHTTPServer(p.Settings.HTTPAddr, srv.Handler())
	httpSrv.RegisterOnShutdown(srv.EndStreams) // Shutdown waits for open streams otherwise
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.ListenAndServe() }()
	p.Logger.Info("api listening", "addr", p.Settings.HTTPAddr, "public_url", p.Settings.PublicURL)
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
	p.Logger.Info("api stopped")
	return nil
}
