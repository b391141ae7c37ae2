package queries

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/opengms/callback/callback"
)

// inQueueKey is the property a's in-queue limit counts callbacks by.
func (a Admission) inQueueKey() string {
	if a.InQueueKey == "" {
		return callback.KeyCustomerNumber
	}
	return a.InQueueKey
}

// limited reports whether a has an in-queue limit to check: a limit, and a
// value of its key (callbacks without one are never counted together).
func (a Admission) limited() bool {
	return a.InQueueLimit > 0 && a.Record.Properties[a.inQueueKey()] != ""
}

// checkInQueue refuses a (ErrInQueueLimit) when its customer already has
// InQueueLimit open callbacks in the service, under the lock of service +
// customer so concurrent admissions of one customer count one another.
// `_customer_number` is counted on its indexed column (and keeps the lock
// name of the number); another key on the property, among the service's
// open callbacks.
func checkInQueue(ctx context.Context, tx *sqlx.Tx, a Admission) error {
	if !a.limited() {
		return nil
	}
	rec, key := a.Record, a.inQueueKey()
	value := rec.Properties[key]
	lock, query := "number", `SELECT count(*) FROM callbacks
		WHERE service = $1 AND customer_number = $2 AND state <> 'COMPLETED'`
	args := []any{rec.Service, value}
	if key != callback.KeyCustomerNumber {
		lock, query = "in-queue\x1f"+key, `SELECT count(*) FROM callbacks
			WHERE service = $1 AND properties ->> $3 = $2 AND state <> 'COMPLETED'`
		args = append(args, key)
	}
	if err := advisoryLock(ctx, tx, lock, rec.Service, value); err != nil {
		return err
	}
	var n int
	if err := tx.GetContext(ctx, &n, query, args...); err != nil {
		return fmt.Errorf("count open callbacks of %s %s: %w", key, value, err)
	}
	if n >= a.InQueueLimit {
		return ErrInQueueLimit
	}
	return nil
}
