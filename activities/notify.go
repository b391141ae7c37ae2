package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/opengms/callback/activities/contract"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/metrics"
	"github.com/opengms/callback/notify"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/resolve"
)

// webhookClient posts notifications: it never follows a redirect (the
// allowed URL is the one posted to).
var webhookClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// DeliverNotification posts n to its webhook, signed with the service's
// `_notification_secret`, and records the attempt in the read model. The
// URL is checked again against the service's `_notification_url_pattern`
// in force now (a refusal is final). A non-2xx answer or no answer is a
// failed attempt, retried by the workflow's policy; a GivenUp n is only
// recorded as failed. A repeated attempt carries the same
// notify.HeaderDelivery, so receivers drop what they already have.
func (a *Activities) DeliverNotification(ctx context.Context, n contract.Notification) error {
	d := queries.Delivery{ID: n.Payload.ID, Seq: n.Seq, Event: n.Payload.Event, State: n.Payload.State, URL: n.URL,
		Attempts: int(activity.GetInfo(ctx).Attempt), LastTry: time.Now().UTC()}
	if n.GivenUp {
		metrics.Notifications.WithLabelValues(n.Payload.Service, "failed").Inc()
		if a.Store == nil {
			return nil
		}
		return a.Store.GiveUpDelivery(ctx, d.ID, d.Seq) // the attempt count and last error stay
	}
	secret, err := a.webhookRules(n)
	if err != nil {
		d.Status, d.Error = queries.DeliveryFailed, err.Error()
		metrics.Notifications.WithLabelValues(n.Payload.Service, "refused").Inc()
		if err := a.record(ctx, d); err != nil {
			return err
		}
		return temporal.NewNonRetryableApplicationError(err.Error(), "NOTIFICATION_REFUSED", err)
	}
	d.HTTPStatus, err = a.postNotification(ctx, n, secret)
	if err == nil {
		d.Status = queries.DeliveryDelivered
		metrics.Notifications.WithLabelValues(n.Payload.Service, "delivered").Inc()
		return a.recordDelivered(ctx, d)
	}
	d.Status, d.Error = queries.DeliveryRetrying, err.Error()
	metrics.Notifications.WithLabelValues(n.Payload.Service, "retry").Inc()
	if rerr := a.record(ctx, d); rerr != nil {
		a.Logger.WarnContext(ctx, "delivery attempt not recorded", "callback_id", d.ID, "seq", d.Seq, "error", rerr)
	}
	return err
}

// webhookRules checks n's URL against its service's configuration in
// force and returns the service's secret.
func (a *Activities) webhookRules(n contract.Notification) (string, error) {
	if a.Config == nil {
		return "", errors.New("no configuration")
	}
	_, eff, e := resolve.Effective(a.Config(), n.Payload.Service, nil)
	if e != nil {
		return "", e
	}
	if err := notify.Allowed(eff.String(config.OptNotificationURLPattern), n.URL); err != nil {
		return "", err
	}
	return eff.String(config.OptNotificationSecret), nil
}

// postNotification sends n once and returns the HTTP status; an error
// unless 2xx.
func (a *Activities) postNotification(ctx context.Context, n contract.Notification, secret string) (int, error) {
	body, err := json.Marshal(n.Payload)
	if err != nil {
		return 0, temporal.NewNonRetryableApplicationError(err.Error(), "NOTIFICATION_ENCODING", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.URL, bytes.NewReader(body))
	if err != nil {
		return 0, temporal.NewNonRetryableApplicationError(err.Error(), "NOTIFICATION_REFUSED", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(notify.HeaderDelivery, n.Payload.ID+"/"+strconv.Itoa(n.Seq))
	req.Header.Set(notify.HeaderEvent, n.Payload.Event)
	if secret != "" {
		req.Header.Set(notify.HeaderSignature, notify.Sign(secret, body))
	}
	resp, err := webhookClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post notification: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("post notification: receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// recordDelivered records a delivered notification, trying again while
// the read model is down for as long as the attempt may run: failing here
// would post the notification again.
func (a *Activities) recordDelivered(ctx context.Context, d queries.Delivery) error {
	wait := 250 * time.Millisecond
	for {
		err := a.record(ctx, d)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
			wait = min(2*wait, 2*time.Second)
		}
	}
}

// record writes a delivery attempt's row.
func (a *Activities) record(ctx context.Context, d queries.Delivery) error {
	if a.Store == nil {
		return nil
	}
	return a.Store.RecordDelivery(ctx, d)
}
