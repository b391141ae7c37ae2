package worker

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

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

	// target is where callbacks are listed and paused; nil = Store and
	// Temporal (tests replace it).
	target pauseTarget

	applying sync.Mutex // held by the one apply running

	mu      sync.Mutex
	latest  *pending      // the configuration to apply next; nil = none
	running bool          // a goroutine is applying configurations
	idle    chan struct{} // closed when that goroutine ends
}

// pending is a configuration waiting to be applied, with its context.
type pending struct {
	ctx context.Context
	cfg *config.Config
}

// pauseTarget lists a service's callbacks in a state and pauses or
// resumes one.
type pauseTarget interface {
	IDsInState(ctx context.Context, service string, state callback.State) ([]string, error)
	SetPaused(ctx context.Context, id string, paused bool) error
}

// ApplyLatest makes cfg the configuration to follow and returns at once.
// One goroutine applies the configurations in the order given, never two
// at a time; one given while another is being applied waits for it, and
// replaces any that was waiting (a stale one is never applied), so the
// last configuration given is the one callbacks end up following.
func (p *Pauser) ApplyLatest(ctx context.Context, cfg *config.Config) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latest = &pending{ctx: ctx, cfg: cfg}
	if p.running {
		return
	}
	p.running, p.idle = true, make(chan struct{})
	go p.drain()
}

// drain applies the latest configuration until none is waiting.
func (p *Pauser) drain() {
	for {
		p.mu.Lock()
		next := p.latest
		p.latest = nil
		if next == nil {
			p.running = false
			close(p.idle)
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		p.Apply(next.ctx, next.cfg)
	}
}

// Wait blocks until every configuration given to ApplyLatest is applied
// (or skipped as stale).
func (p *Pauser) Wait() {
	p.mu.Lock()
	idle, running := p.idle, p.running
	p.mu.Unlock()
	if running {
		<-idle
	}
}

// Apply brings every callback service's callbacks in line with cfg and
// returns when it is done; concurrent Applies run one after the other.
func (p *Pauser) Apply(ctx context.Context, cfg *config.Config) {
	p.applying.Lock()
	defer p.applying.Unlock()
	t := p.target
	if t == nil {
		t = temporalTarget{p}
	}
	for service, paused := range cfg.PausedServices() {
		from := callback.Paused
		if paused {
			from = callback.Queued
		}
		ids, err := t.IDsInState(ctx, service, from)
		if err != nil {
			p.Logger.ErrorContext(ctx, "pause: cannot list callbacks", "service", service, "error", err)
			continue
		}
		for _, id := range ids {
			if err := t.SetPaused(ctx, id, paused); err != nil {
				p.Logger.WarnContext(ctx, "pause: update failed", "callback_id", id, "paused", paused, "error", err)
			}
		}
		if len(ids) > 0 {
			p.Logger.InfoContext(ctx, "service pause applied", "service", service, "paused", paused, "callbacks", len(ids))
		}
	}
}

// temporalTarget is the Pauser's own read model and Temporal client.
type temporalTarget struct{ p *Pauser }

// IDsInState lists the service's callbacks in state from the read model.
func (t temporalTarget) IDsInState(ctx context.Context, service string, state callback.State) ([]string, error) {
	ids, err := t.p.Store.IDsInState(ctx, service, state)
	if err != nil {
		return nil, fmt.Errorf("%s callbacks of %s: %w", state, service, err)
	}
	return ids, nil
}

// SetPaused sends the workflow's pause update and waits for its outcome.
func (t temporalTarget) SetPaused(ctx context.Context, id string, paused bool) error {
	h, err := t.p.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: workflows.UpdatePause, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.PauseRequest{Paused: paused}},
	})
	if err != nil {
		return fmt.Errorf("pause update of %s: %w", id, err)
	}
	if err := h.Get(ctx, nil); err != nil {
		return fmt.Errorf("pause update of %s: %w", id, err)
	}
	return nil
}
