package worker

import (
	"context"
	"log/slog"

	"go.temporal.io/sdk/client"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/workflows"
)

// Pauser makes callbacks follow their service's pause: on each
// configuration (re)load it pauses the QUEUED callbacks of paused services
// and resumes the PAUSED ones of the others (each workflow resumes only
// what it paused itself).
type Pauser struct {
	Temporal client.Client
	Store    *queries.Store
	Logger   *slog.Logger
}

// Apply brings every callback service's callbacks in line with cfg.
func (p *Pauser) Apply(ctx context.Context, cfg *config.Config) {
	for service, paused := range cfg.PausedServices() {
		from := callback.Paused
		if paused {
			from = callback.Queued
		}
		ids, err := p.Store.IDsInState(ctx, service, from)
		if err != nil {
			p.Logger.ErrorContext(ctx, "pause: cannot list callbacks", "service", service, "error", err)
			continue
		}
		for _, id := range ids {
			h, err := p.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
				WorkflowID: id, UpdateName: workflows.UpdatePause, WaitForStage: client.WorkflowUpdateStageCompleted,
				Args: []any{workflows.PauseRequest{Paused: paused}},
			})
			if err == nil {
				err = h.Get(ctx, nil)
			}
			if err != nil {
				p.Logger.WarnContext(ctx, "pause: update failed", "callback_id", id, "paused", paused, "error", err)
			}
		}
		if len(ids) > 0 {
			p.Logger.InfoContext(ctx, "service pause applied", "service", service, "paused", paused, "callbacks", len(ids))
		}
	}
}
