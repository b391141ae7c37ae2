package queries

import (
	"context"
	"fmt"
	"time"
)

// StaleAdmissions returns the ids of admission rows (version 0) older than
// before: their workflow never wrote, perhaps never started.
func (s *Store) StaleAdmissions(ctx context.Context, before time.Time) ([]string, error) {
	var ids []string
	if err := s.DB.SelectContext(ctx, &ids, `SELECT id FROM callbacks WHERE version = 0 AND created_at < $1 ORDER BY created_at LIMIT 1000`, before); err != nil {
		return nil, fmt.Errorf("stale admissions: %w", err)
	}
	return ids, nil
}

// Purge drops COMPLETED callbacks past their expiration time and
// idempotency keys past their window; it returns how many callbacks went.
func (s *Store) Purge(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.DB.ExecContext(ctx, `DELETE FROM callbacks WHERE state = 'COMPLETED' AND expiration_time < $1`, now)
	if err != nil {
		return 0, fmt.Errorf("purge callbacks: %w", err)
	}
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM idempotency WHERE created_at < $1`, now.Add(-IdempotencyWindow)); err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
