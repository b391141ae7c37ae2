package queries

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/opengms/callback/callback"
)

// Throttles are a service's admission rate limits (SPEC §4.1).
type Throttles struct {
	// QueuedLimit is the most QUEUED callbacks of the service an immediate
	// start may join; negative = no limit.
	QueuedLimit int
	// Intervals limit the callbacks created within a sliding window.
	Intervals []Interval
	// Parameters limit immediate callbacks per parameter value per UTC day.
	Parameters []ParameterLimit
}

// Interval is one sliding-window rule.
type Interval struct {
	Limit int
	TTL   time.Duration
}

// ParameterLimit is one per-value daily rule.
type ParameterLimit struct {
	Key, Value string
	Limit      int
}

// active tells whether any rule applies.
func (t *Throttles) active(immediate bool) bool {
	return t != nil && (len(t.Intervals) > 0 || immediate && (t.QueuedLimit >= 0 || len(t.Parameters) > 0))
}

// ThrottleError is a refused admission; Kind is one of the Throttle* kinds.
type ThrottleError struct {
	Kind      string
	Interval  time.Duration // ThrottleInterval
	Parameter string        // ThrottleParameter: the value
	Attempts  int           // callbacks counted
}

// The kinds of ThrottleError.
const (
	ThrottleQueued    = "queued"
	ThrottleInterval  = "interval"
	ThrottleParameter = "parameter"
)

func (e *ThrottleError) Error() string { return fmt.Sprintf("throttled (%s): %d", e.Kind, e.Attempts) }

// checkThrottles applies t to rec under the service's throttle lock.
func checkThrottles(ctx context.Context, tx *sqlx.Tx, rec callback.Record, t *Throttles) error {
	if !t.active(rec.Immediate) {
		return nil
	}
	if err := advisoryLock(ctx, tx, "throttle", rec.Service, ""); err != nil {
		return err
	}
	count := func(q string, args ...any) (int, error) {
		var n int
		if err := tx.GetContext(ctx, &n, q, args...); err != nil {
			return 0, fmt.Errorf("throttle count: %w", err)
		}
		return n, nil
	}
	if rec.Immediate && t.QueuedLimit >= 0 {
		n, err := count(`SELECT count(*) FROM callbacks WHERE service = $1 AND state = 'QUEUED'`, rec.Service)
		if err != nil {
			return err
		}
		if n >= t.QueuedLimit {
			return &ThrottleError{Kind: ThrottleQueued, Attempts: n}
		}
	}
	for _, iv := range t.Intervals {
		n, err := count(`SELECT count(*) FROM callbacks WHERE service = $1 AND created_at > $2`, rec.Service, rec.CreatedAt.Add(-iv.TTL))
		if err != nil {
			return err
		}
		if n >= iv.Limit {
			return &ThrottleError{Kind: ThrottleInterval, Interval: iv.TTL, Attempts: n}
		}
	}
	if !rec.Immediate {
		return nil
	}
	day := rec.CreatedAt.UTC().Truncate(24 * time.Hour)
	for _, p := range t.Parameters {
		var args sqlArgs
		q := `SELECT count(*) FROM callbacks c WHERE c.service = ` + args.add(rec.Service) + ` AND c.immediate
			AND c.created_at >= ` + args.add(day) + ` AND c.created_at < ` + args.add(day.Add(24*time.Hour)) +
			` AND ` + valueOf(&args, p.Key) + ` = ` + args.add(p.Value)
		n, err := count(q, args...)
		if err != nil {
			return err
		}
		if n >= p.Limit {
			return &ThrottleError{Kind: ThrottleParameter, Parameter: p.Value, Attempts: n}
		}
	}
	return nil
}
