package queries

import (
	"context"
	"fmt"
	"time"
)

// Delivery is one webhook notification of a callback and how its delivery
// went (notification_deliveries, migration 00009).
type Delivery struct {
	ID         string    `db:"id" json:"_id"`
	Seq        int       `db:"seq" json:"seq"`
	Event      string    `db:"event" json:"event"`
	State      string    `db:"state" json:"_callback_state"`
	URL        string    `db:"url" json:"url"`
	Attempts   int       `db:"attempts" json:"attempts"`
	Status     string    `db:"status" json:"status"`
	HTTPStatus int       `db:"http_status" json:"http_status"`
	Error      string    `db:"error" json:"error"`
	FirstTry   time.Time `db:"first_try" json:"first_try"`
	LastTry    time.Time `db:"last_try" json:"last_try"`
}

// Delivery statuses.
const (
	// DeliveryRetrying: the last attempt failed, another follows.
	DeliveryRetrying = "retrying"
	// DeliveryDelivered: the receiver answered 2xx.
	DeliveryDelivered = "delivered"
	// DeliveryFailed: given up (an hour of attempts, or a refused URL).
	DeliveryFailed = "failed"
)

// RecordDelivery records the outcome of attempt d.Attempts of a delivery.
// Idempotent: a retried write of an attempt changes nothing, an earlier
// attempt's write never overwrites a later one's, and a delivered
// notification stays delivered. A forgotten callback records nothing.
func (s *Store) RecordDelivery(ctx context.Context, d Delivery) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO notification_deliveries
			(id, seq, event, state, url, attempts, status, http_status, error, first_try, last_try)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10 WHERE EXISTS (SELECT 1 FROM callbacks WHERE id = $1)
		ON CONFLICT (id, seq) DO UPDATE SET attempts = EXCLUDED.attempts, status = EXCLUDED.status,
			http_status = EXCLUDED.http_status, error = EXCLUDED.error, last_try = EXCLUDED.last_try
		WHERE notification_deliveries.status <> 'delivered' AND notification_deliveries.attempts <= EXCLUDED.attempts`,
		d.ID, d.Seq, d.Event, d.State, d.URL, d.Attempts, d.Status, d.HTTPStatus, d.Error, d.LastTry)
	if err != nil {
		return fmt.Errorf("record delivery %s/%d: %w", d.ID, d.Seq, err)
	}
	return nil
}

// Deliveries returns callback id's notification deliveries, in order.
func (s *Store) Deliveries(ctx context.Context, id string) ([]Delivery, error) {
	out := []Delivery{}
	if err := s.DB.SelectContext(ctx, &out, `SELECT id, seq, event, state, url, attempts, status, http_status,
		error, first_try, last_try FROM notification_deliveries WHERE id = $1 ORDER BY seq`, id); err != nil {
		return nil, fmt.Errorf("deliveries of %s: %w", id, err)
	}
	return out, nil
}

// GiveUpDelivery marks a delivery that was not delivered as failed.
func (s *Store) GiveUpDelivery(ctx context.Context, id string, seq int) error {
	if _, err := s.DB.ExecContext(ctx, `UPDATE notification_deliveries SET status = 'failed'
		WHERE id = $1 AND seq = $2 AND status <> 'delivered'`, id, seq); err != nil {
		return fmt.Errorf("give up delivery %s/%d: %w", id, seq, err)
	}
	return nil
}
