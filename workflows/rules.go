package workflows

import (
	"strings"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/queries"
)

// These checks are the state diagram's guards. Validators call them before
// anything is written; handlers call them again after waiting for a submit
// in flight, since the state may have moved meanwhile.

// checkCancel guards UpdateCancel.
func (f *flow) checkCancel(req CancelRequest) error {
	cb := &f.cb
	switch {
	case cb.State == callback.Completed || req.BeforeAgent && cb.State == callback.Processing:
		return gmserr.ToTemporal(gmserr.New(gmserr.InvalidOperation,
			"Callback %s cannot be cancelled or completed - _callback_state=%s", cb.ID, cb.State).With("id", cb.ID, "state", string(cb.State)))
	case cb.State != callback.Scheduled && cb.ORSSessionID == "" && !f.submitPending():
		return gmserr.ToTemporal(gmserr.New(gmserr.InvalidOperation,
			"Callback %s cannot be cancelled - No ORS session found. (_callback_state=%s while _ors_session_id=null?)", cb.ID, cb.State).With("id", cb.ID))
	}
	return nil
}

// checkChange guards UpdateChange.
func (f *flow) checkChange(req ChangeRequest) error {
	cb := &f.cb
	if cb.State == callback.Completed {
		t := callback.FormatTime(cb.DesiredTime)
		return gmserr.ToTemporal(gmserr.New(gmserr.InvalidOperation,
			"Rejecting update : %s=[%s @ %s] - reached state COMPLETED", cb.Service, cb.ID, t).With("id", cb.ID, "service", cb.Service, "time", t))
	}
	reschedule := !req.NewDesiredTime.IsZero()
	notScheduled := cb.State != callback.Scheduled || f.submitting
	if (reschedule && notScheduled) || (!reschedule && req.State == callback.Scheduled && notScheduled) {
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

// submitFailed is the answer of UpdateSubmitted when ORS never accepted.
func (f *flow) submitFailed() error {
	return gmserr.ToTemporal(gmserr.MaxSubmitAttempts(f.cb.ID, f.set.MaxSubmitAttempts))
}

// errBucketFull is 40051 for a reschedule into a full bucket.
func errBucketFull(service string, b queries.Bucket) error {
	slot := "[" + callback.FormatTime(b.Start) + ", " + callback.FormatTime(b.End) + "]"
	return gmserr.ToTemporal(gmserr.New(gmserr.SlotUnavailableProposal,
		"Too many requests at desired time slot %s. Proposing time slots.", slot).With("slot", slot, "service", service))
}

// checkForget guards UpdateForget: only a SCHEDULED (or already COMPLETED)
// callback may be deleted (SPEC §2.8).
func (f *flow) checkForget() error {
	if (f.cb.State == callback.Scheduled && !f.submitting) || f.cb.State == callback.Completed {
		return nil
	}
	return gmserr.ToTemporal(gmserr.New(gmserr.InvalidOperation,
		"Callback %s cannot be deleted - _callback_state=%s", f.cb.ID, f.cb.State).With("id", f.cb.ID, "state", string(f.cb.State)))
}
