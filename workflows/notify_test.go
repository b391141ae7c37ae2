package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/notify"
)

// webhookInput is input for a callback whose client asked for webhooks.
func webhookInput(desired time.Duration) Input {
	in := input(desired, false)
	in.Record.Properties[callback.KeyDeviceOS] = callback.DeviceHTTPCallback
	in.Record.Properties[callback.KeyDeviceNotificationID] = "https://hooks.example.com/cb"
	return in
}

// receiver records the notifications delivered; down tells when attempts
// fail (receiver down), by workflow time.
type receiver struct {
	h         *harness
	got       []contract.Notification
	givenUp   []int
	attempts  int
	downUntil time.Time
}

func (h *harness) webhooks() *receiver {
	r := &receiver{h: h}
	h.env.OnActivity(act.DeliverNotification, mock.Anything, mock.Anything).Return(func(_ context.Context, n contract.Notification) error {
		if n.GivenUp {
			r.givenUp = append(r.givenUp, n.Seq)
			return nil
		}
		r.attempts++
		if h.env.Now().Before(r.downUntil) {
			return errors.New("connection refused")
		}
		r.got = append(r.got, n)
		return nil
	}).Maybe()
	return r
}

func (r *receiver) events() []string {
	var out []string
	for i, n := range r.got {
		require.Equal(r.h.t, i+1, n.Seq, "in order, each once")
		require.Equal(r.h.t, "https://hooks.example.com/cb", n.URL)
		out = append(out, n.Payload.Event+" "+n.Payload.State)
	}
	return out
}

func TestWebhookHearsEveryChangeInOrder(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	r := h.webhooks()
	h.at(10*time.Minute, func() { h.update(UpdateChange, ChangeRequest{NewDesiredTime: t0.Add(2 * time.Hour)}) })
	h.at(2*time.Hour, func() { h.update(UpdateChange, report(callback.Routing, "")) })
	h.at(2*time.Hour+time.Minute, func() { h.update(UpdateChange, ChangeRequest{Properties: map[string]string{"usr_x": "1"}}) })
	h.at(2*time.Hour+2*time.Minute, func() { h.update(UpdateChange, report(callback.Completed, "AGENT_CONNECTED")) })

	h.run(webhookInput(time.Hour))

	require.Equal(t, []string{
		notify.Created + " SCHEDULED", notify.Rescheduled + " SCHEDULED", notify.StateChanged + " QUEUED",
		notify.StateChanged + " ROUTING", notify.StateChanged + " COMPLETED",
	}, r.events(), "a property change alone is not notified")
	require.Equal(t, "AGENT_CONNECTED", r.got[4].Payload.Reason)
	require.Equal(t, callback.FormatTime(t0.Add(2*time.Hour)), r.got[1].Payload.DesiredTime)
	require.Equal(t, callback.FormatTime(t0.Add(10*time.Minute)), r.got[1].Payload.Time, "when the change happened")
	require.Empty(t, r.givenUp)
}

func TestWebhookReceiverDownForAMinuteGetsThemAll(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	r := h.webhooks()
	r.downUntil = t0.Add(time.Minute)
	h.at(5*time.Second, func() { h.update(UpdateChange, report(callback.Routing, "")) })
	h.at(10*time.Second, func() { h.update(UpdateChange, report(callback.Completed, "AGENT_CONNECTED")) })

	rec := h.run(webhookInput(0))

	require.Equal(t, callback.Completed, rec.State, "the callback went on while its receiver was down")
	require.Equal(t, []string{notify.Created + " SCHEDULED", notify.StateChanged + " QUEUED",
		notify.StateChanged + " ROUTING", notify.StateChanged + " COMPLETED"}, r.events())
	require.Greater(t, r.attempts, len(r.got), "retried while down")
	require.Empty(t, r.givenUp)
}

func TestWebhookGivenUpAfterAnHourAndTheNextGoes(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	r := h.webhooks()
	r.downUntil = t0.Add(90 * time.Minute)
	h.at(2*time.Hour, func() { h.update(UpdateChange, report(callback.Completed, "AGENT_CONNECTED")) })

	h.run(webhookInput(0))

	require.Equal(t, []int{1, 2}, r.givenUp, "created and QUEUED gave up after their hour")
	require.Len(t, r.got, 1)
	require.Equal(t, "COMPLETED", r.got[0].Payload.State)
}

func TestNoWebhookWithoutHTTPCallback(t *testing.T) {
	h := newHarness(t)
	h.orsAccepts()
	r := h.webhooks()
	in := webhookInput(0)
	in.Record.Properties[callback.KeyDeviceOS] = "comet"
	h.at(time.Minute, func() { h.update(UpdateChange, report(callback.Completed, "")) })

	h.run(in)

	require.Zero(t, r.attempts)
}
