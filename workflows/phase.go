package workflows

import (
	"fmt"
	"slices"

	"github.com/opengms/callback/callback"
)

// Phase is where a callback is in its life: the workflow's one state
// variable. The state clients see (Record.State) follows from it, but in
// PhaseQueued, where ORS reports QUEUED, ROUTING, PROCESSING or PAUSED.
//
//	scheduled --due--> due --service running--> submitting --ORS ok--> queued <--pause/resume--> paused
//	                     \--service paused----> held --resume--^   \--attempts exhausted--> completed
//
// Every phase but submitting can end in completed (cancel, ORS's COMPLETED);
// scheduled, due, held and submitting move to queued when a state PUT hands
// the callback to an external lifecycle; only scheduled can be forgotten.
// Work in flight (an ORS call, a move) is not a phase: whoever does it holds
// the workflow's mutex, so nothing else runs meanwhile.
type Phase string

// The phases.
const (
	// PhaseScheduled is SCHEDULED, sleeping until due.
	PhaseScheduled Phase = "scheduled"
	// PhaseDue fell due: asks whether its service is paused, then submits or holds.
	PhaseDue Phase = "due"
	// PhaseSubmitting is being handed to ORS (QUEUED if immediate, else still SCHEDULED).
	PhaseSubmitting Phase = "submitting"
	// PhaseHeld fell due while its service is paused: PAUSED, not in ORS.
	PhaseHeld Phase = "held"
	// PhaseQueued is in ORS (or in an external lifecycle): ORS reports its state.
	PhaseQueued Phase = "queued"
	// PhasePaused is in ORS, paused with its service: PAUSED.
	PhasePaused Phase = "paused"
	// PhaseCompleted is COMPLETED: final.
	PhaseCompleted Phase = "completed"
	// PhaseForgotten was deleted on request: it ends without another write.
	PhaseForgotten Phase = "forgotten"
)

// transitions is the state diagram: the phases each phase may move to.
var transitions = map[Phase][]Phase{
	PhaseScheduled:  {PhaseDue, PhaseQueued, PhaseCompleted, PhaseForgotten},
	PhaseDue:        {PhaseSubmitting, PhaseHeld, PhaseQueued, PhaseCompleted},
	PhaseSubmitting: {PhaseHeld, PhaseQueued, PhaseCompleted},
	PhaseHeld:       {PhaseSubmitting, PhaseQueued, PhaseCompleted},
	PhaseQueued:     {PhasePaused, PhaseCompleted},
	PhasePaused:     {PhaseQueued, PhaseCompleted},
}

// final tells the workflow ends in p.
func (p Phase) final() bool { return p == PhaseCompleted || p == PhaseForgotten }

// inORS tells ORS holds the callback's session in p.
func (p Phase) inORS() bool { return p == PhaseQueued || p == PhasePaused }

// to moves the workflow to phase next. A move the diagram does not allow is
// a bug: it panics, which fails the workflow task (retried, nothing lost)
// until a fixed worker is deployed.
func (f *flow) to(next Phase) {
	if !slices.Contains(transitions[f.phase], next) {
		panic(fmt.Sprintf("callback %s: no transition %s -> %s", f.cb.ID, f.phase, next))
	}
	f.phase = next
	f.rev++
}

// startPhase is the phase a run starts in: the one carried over by
// continue-as-new, else the one its admission implies.
func startPhase(in Input) Phase {
	switch {
	case in.Phase != "":
		return in.Phase
	case in.Record.State == callback.Completed:
		return PhaseCompleted
	case in.Immediate && in.Paused:
		return PhaseHeld
	case in.Immediate:
		return PhaseSubmitting
	case in.Record.State == callback.Scheduled:
		return PhaseScheduled
	default: // created in a forced state: an external lifecycle, never submitted
		return PhaseQueued
	}
}
