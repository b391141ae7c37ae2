package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/notify"
)

// Notices is the webhook state of a callback whose client asked for
// notifications (`_device_os=httpcb`); a continued-as-new run carries it on.
type Notices struct {
	// Told is what the last notification said: the next one goes when
	// that changes.
	Told Told `json:",omitzero"`
	// Seq counts the notifications made (0: none yet).
	Seq int `json:",omitempty"`
	// Outbox holds the notifications not yet delivered or given up, oldest
	// first (the first may be in flight).
	Outbox []contract.Notification `json:",omitempty"`
	// EWT is the expected wait (seconds) last read.
	EWT int `json:",omitempty"`
}

// notifyRetry spaces a notification's attempts: 1 s, 2 s, 4 s, ... 30 s.
var notifyRetry = temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second}

// notifyAttempt bounds one attempt (the receiver's answer included).
const notifyAttempt = 15 * time.Second

// Told is what a notification tells of a callback.
type Told struct {
	State       callback.State
	Reason      string
	DesiredTime time.Time
}

// told is what a notification of r tells.
func told(r *callback.Record) Told {
	return Told{State: r.State, Reason: r.Reason, DesiredTime: r.DesiredTime}
}

// notify queues a notification when the callback's state, reason or
// desired time changed since the last one, and its client asked for
// webhooks. Deliveries go one at a time, in order, by a goroutine of their
// own: nothing the callback does waits for them.
func (f *flow) notify(ctx workflow.Context) {
	url := callback.Webhook(f.cb.Properties)
	now := told(&f.cb)
	if url == "" || (f.notes.Seq > 0 && now.State == f.notes.Told.State && now.Reason == f.notes.Told.Reason &&
		now.DesiredTime.Equal(f.notes.Told.DesiredTime)) {
		return
	}
	if workflow.GetVersion(ctx, changeWebhooks, workflow.DefaultVersion, webhooks) == workflow.DefaultVersion {
		return // started by a release without webhooks: it stays without
	}
	event := notify.StateChanged
	switch {
	case f.notes.Seq == 0:
		event = notify.Created
	case f.notes.Told.State == now.State && !f.notes.Told.DesiredTime.Equal(now.DesiredTime):
		event = notify.Rescheduled
	}
	f.notes.Told = now
	f.notes.Seq++
	f.notes.Outbox = append(f.notes.Outbox, contract.Notification{Seq: f.notes.Seq, URL: url, Payload: notify.Payload{
		ID: f.cb.ID, Service: f.cb.Service, State: string(f.cb.State), Reason: f.cb.Reason,
		DesiredTime: callback.FormatTime(f.cb.DesiredTime), EWT: f.notes.EWT, Event: event,
		Time: callback.FormatTime(workflow.Now(ctx)),
	}})
	f.deliver(ctx)
}

// deliver starts the goroutine that empties the outbox, unless it runs.
// Each notification is tried for contract.NotifyFor from its change
// (at least one attempt); one given up is recorded as failed and the next
// one goes. A forgotten callback's notifications are dropped.
func (f *flow) deliver(ctx workflow.Context) {
	if f.delivering || len(f.notes.Outbox) == 0 {
		return
	}
	f.delivering = true
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { f.delivering = false }()
		for len(f.notes.Outbox) > 0 && f.phase != PhaseForgotten {
			n := f.notes.Outbox[0]
			if err := f.post(ctx, n); err != nil {
				workflow.GetLogger(ctx).Warn("notification given up", "seq", n.Seq, "error", err)
				n.GivenUp = true
				if err := f.post(ctx, n); err != nil {
					workflow.GetLogger(ctx).Warn("failed notification not recorded", "seq", n.Seq, "error", err)
				}
			}
			f.notes.Outbox = f.notes.Outbox[1:]
		}
	})
}

// post runs DeliverNotification for n with what is left of its hour.
func (f *flow) post(ctx workflow.Context, n contract.Notification) error {
	left := contract.NotifyFor
	if at, err := callback.ParseTime(n.Payload.Time); err == nil {
		left = at.Add(contract.NotifyFor).Sub(workflow.Now(ctx))
	}
	retry := notifyRetry
	if n.GivenUp {
		left, retry.MaximumAttempts = 3*notifyAttempt, 3
	}
	opts := workflow.ActivityOptions{StartToCloseTimeout: notifyAttempt,
		ScheduleToCloseTimeout: max(left, notifyAttempt), RetryPolicy: &retry}
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), contract.DeliverNotification, n).Get(ctx, nil)
}
