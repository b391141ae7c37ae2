package env

import (
	"context"
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"

	"github.com/opengms/callback/config"
	"github.com/opengms/callback/privacy"
	"github.com/opengms/callback/queries"
)

// Process is what the API and worker processes share: their environment,
// logger, configuration, read model (migrated) and Temporal client.
type Process struct {
	Settings Settings
	Logger   *slog.Logger
	Config   *config.Config
	Store    *queries.Store
	Temporal client.Client
	// Secrets are the keys of the payload codec and the number hash.
	Secrets *privacy.Secrets
}

// Boot reads the environment and configuration, opens and migrates the
// read model, connects to Temporal, and serves profiles when asked to. Close releases what it opened.
func Boot(ctx context.Context, name string) (*Process, error) {
	p := &Process{Settings: Load(), Logger: Logger().With("process", name)}
	var err error
	if p.Config, err = config.Load(p.Settings.ConfigPath); err != nil {
		return nil, err
	}
	if p.Secrets, err = p.Settings.LoadSecrets(); err != nil {
		return nil, err
	}
	p.Logger.Info("payload encryption on", "keys", p.Secrets.Source, "encrypting_key", p.Secrets.Payload[0].ID)
	if p.Store, err = queries.Open(ctx, p.Settings.DatabaseURL); err != nil {
		return nil, err
	}
	if err := p.Store.Migrate(ctx); err != nil {
		p.Store.Close()
		return nil, err
	}
	if p.Temporal, err = p.Settings.Dial(ctx, p.Logger, p.Secrets); err != nil {
		p.Store.Close()
		return nil, fmt.Errorf("connect to Temporal at %s: %w", p.Settings.TemporalAddress, err)
	}
	if err := RegisterSearchAttributes(ctx, p.Temporal, p.Settings.TemporalNamespace); err != nil {
		// A managed cluster may refuse: its operator registers them instead.
		p.Logger.WarnContext(ctx, "search attributes not registered", "error", err)
	}
	ServeProfiles(ctx, p.Settings.PprofAddr, p.Logger)
	return p, nil
}

// Close closes the Temporal client and the read model.
func (p *Process) Close() {
	p.Temporal.Close()
	p.Store.Close()
}
