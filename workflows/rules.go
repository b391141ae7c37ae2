package workflows

import (
	"errors"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/gmserr"
)

// These checks are the state diagram's guards. Validators call them before
// anything is written; handlers call them again once they hold the mutex,
// since the phase may have moved meanwhile.

// checkCancel guards UpdateCancel.
func (f *flow) checkCancel(req CancelRequest) error {
	cb := &f.cb
	switch {
	case f.phase == PhaseForgotten:
		return errNotFound(cb.ID)
	case f.phase == PhaseCompleted || req.BeforeAgent && cb.State == callback.Processing:
		return gmserr.ToTemporal(gmserr.New(gmserr.InvalidOperation,
			"Callback %s cannot be cancelled or completed - _callback_state=%s", cb.ID, cb.State).With("id", cb.ID, "state", string(cb.State)))
	case f.phase.inORS() && cb.ORSSessionID == "": // created in a forced state: no ORS session to cancel
		return gmserr.ToTemporal(gmserr.New(gmserr.InvalidOperation,
			"Callback %s cannot be cancelled - No ORS session found. (_callback_state=%s while _ors_session_id=null?)", cb.ID, cb.State).With("id", cb.ID))
	}
	return nil
}

// checkChange guards UpdateChange.
func (f *flow) checkChange(req ChangeRequest) error {
	cb := &f.cb
	switch f.phase {
	case PhaseForgotten:
		return errNotFound(cb.ID)
	case PhaseCompleted:
		t := callback.FormatTime(cb.DesiredTime)
		return gmserr.ToTemporal(gmserr.New(gmserr.InvalidOperation,
			"Rejecting update : %s=[%s @ %s] - reached state COMPLETED", cb.Service, cb.ID, t).With("id", cb.ID, "service", cb.Service, "time", t))
	}
	if (!req.NewDesiredTime.IsZero() || req.State == callback.Scheduled) && f.phase != PhaseScheduled {
		return gmserr.ToTemporal(gmserr.New(gmserr.InvalidOperation,
			"Callback %s is no longer scheduled. State=%s", cb.ID, cb.State).With("id", cb.ID, "state", string(cb.State)))
	}
	for _, k := range f.set.MandatoryKeys {
		if v, ok := req.Properties[k]; ok && strings.TrimSpace(v) == "" {
			return gmserr.ToTemporal(gmserr.New(gmserr.BadParameter,
				"Callback %s does not contain the mandatory customer lookup keys %s", cb.ID, k).With("id", cb.ID, "keys", k))
		}
	}
	return nil
}

// checkForget guards UpdateForget: only a SCHEDULED (or already COMPLETED)
// callback may be deleted (SPEC §2.8).
func (f *flow) checkForget() error {
	switch f.phase {
	case PhaseScheduled, PhaseCompleted, PhaseForgotten:
		return nil
	}
	return gmserr.ToTemporal(gmserr.New(gmserr.InvalidOperation,
		"Callback %s cannot be deleted - _callback_state=%s", f.cb.ID, f.cb.State).With("id", f.cb.ID, "state", string(f.cb.State)))
}

// submitFailed is the answer of UpdateSubmitted when ORS never accepted.
func (f *flow) submitFailed() error {
	return gmserr.ToTemporal(gmserr.MaxSubmitAttempts(f.cb.ID, f.set.MaxSubmitAttempts))
}

// errBucketFull is 40051 for a reschedule into a full bucket.
func errBucketFull(service string, b callback.Bucket) error {
	slot := b.Slot()
	return gmserr.ToTemporal(gmserr.New(gmserr.SlotUnavailableProposal,
		"Too many requests at desired time slot %s. Proposing time slots.", slot).With("slot", slot, "service", service))
}

// errNotFound is 40030 for a callback deleted on request.
func errNotFound(id string) error {
	return gmserr.ToTemporal(gmserr.New(gmserr.CallbackNotFound, "Callback %s cannot be found", id).With("id", id))
}

// errORS is the envelope of a refused ORS cancel.
func errORS(err error) error {
	msg := err.Error()
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		msg = appErr.Message()
	}
	return gmserr.ToTemporal(gmserr.New(gmserr.ORSError, "%s", msg))
}
