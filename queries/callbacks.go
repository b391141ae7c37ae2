package queries

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/opengms/callback/callback"
)

// row is a callbacks row as scanned.
type row struct {
	ID           string         `db:"id"`
	Service      string         `db:"service"`
	State        string         `db:"state"`
	Reason       string         `db:"reason"`
	DesiredTime  time.Time      `db:"desired_time"`
	QueuedAt     sql.NullTime   `db:"queued_at"`
	ORSSessionID string         `db:"ors_session_id"`
	Properties   []byte         `db:"properties"`
	LookupKeys   pq.StringArray `db:"lookup_keys"`
	Version      int64          `db:"version"`
	CreatedAt    time.Time      `db:"created_at"`
	Immediate    bool           `db:"immediate"`
}

const rowColumns = `c.id, c.service, c.state, c.reason, c.desired_time, c.queued_at,
	c.ors_session_id, c.properties, c.lookup_keys, c.version, c.created_at, c.immediate`

func (r *row) record() (callback.Record, error) {
	rec := callback.Record{
		ID: r.ID, Service: r.Service, State: callback.State(r.State), Reason: r.Reason,
		DesiredTime: r.DesiredTime.UTC(), ORSSessionID: r.ORSSessionID,
		LookupKeys: r.LookupKeys, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), Immediate: r.Immediate,
	}
	if r.QueuedAt.Valid {
		rec.QueuedAt = r.QueuedAt.Time.UTC()
	}
	if err := json.Unmarshal(r.Properties, &rec.Properties); err != nil {
		return rec, fmt.Errorf("callback %s properties: %w", r.ID, err)
	}
	return rec, nil
}

// upsertSQL writes a snapshot unless the stored one is as new or newer, or
// the callback was forgotten.
const upsertSQL = `
INSERT INTO callbacks (id, service, customer_number, state, reason, desired_time, queued_at,
	ors_session_id, expiration_time, properties, lookup_keys, version, created_at, immediate)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, COALESCE($13, now()), $14
WHERE NOT EXISTS (SELECT 1 FROM forgotten WHERE id = $1)
ON CONFLICT (id) DO UPDATE SET
	service = EXCLUDED.service, customer_number = EXCLUDED.customer_number,
	state = EXCLUDED.state, reason = EXCLUDED.reason, desired_time = EXCLUDED.desired_time,
	queued_at = EXCLUDED.queued_at, ors_session_id = EXCLUDED.ors_session_id,
	expiration_time = EXCLUDED.expiration_time, properties = EXCLUDED.properties,
	lookup_keys = EXCLUDED.lookup_keys, version = EXCLUDED.version, updated_at = now()
WHERE callbacks.version < EXCLUDED.version`

// lookupSQL records the current values of a callback's lookup keys.
const lookupSQL = `
INSERT INTO callback_lookup (key, value, service, id)
SELECT k, v, $3, $4 FROM unnest($1::text[], $2::text[]) AS t(k, v)
ON CONFLICT DO NOTHING`

// Save writes rec if it is newer than what is stored (idempotent: replaying
// the same or an older version changes nothing) and records its lookup
// values; applied tells whether this call wrote it.
func (s *Store) Save(ctx context.Context, rec callback.Record) (applied bool, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		applied, err = save(ctx, tx, rec)
		return err
	})
	return applied, err
}

// execer is satisfied by *sqlx.DB and *sqlx.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func save(ctx context.Context, db execer, rec callback.Record) (bool, error) {
	props, err := json.Marshal(rec.Properties)
	if err != nil {
		return false, fmt.Errorf("save callback %s: %w", rec.ID, err)
	}
	res, err := db.ExecContext(ctx, upsertSQL, rec.ID, rec.Service, rec.CustomerNumber(), string(rec.State),
		rec.Reason, rec.DesiredTime, nullTime(rec.QueuedAt), rec.ORSSessionID, rec.ExpirationTime(), props,
		pq.StringArray(rec.LookupKeys), rec.Version, nullTime(rec.CreatedAt), rec.Immediate)
	if err != nil {
		return false, fmt.Errorf("save callback %s: %w", rec.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil // a newer version is already stored, or it was forgotten
	}
	var keys, values []string
	for _, k := range lookupKeys(rec) {
		if v := rec.Properties[k]; v != "" {
			keys, values = append(keys, k), append(values, v)
		}
	}
	if len(keys) == 0 {
		return true, nil
	}
	if _, err := db.ExecContext(ctx, lookupSQL, pq.StringArray(keys), pq.StringArray(values), rec.Service, rec.ID); err != nil {
		return false, fmt.Errorf("save lookup values of %s: %w", rec.ID, err)
	}
	return true, nil
}

// nullTime is NULL for the zero time.
func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: !t.IsZero()} }

// lookupKeys are rec's lookup keys, `_customer_number` always among them.
func lookupKeys(rec callback.Record) []string {
	for _, k := range rec.LookupKeys {
		if k == callback.KeyCustomerNumber {
			return rec.LookupKeys
		}
	}
	return append([]string{callback.KeyCustomerNumber}, rec.LookupKeys...)
}

// MarkStarted records that an admission row's workflow started (version 0
// -> started); a row the workflow already wrote is left as it is.
func (s *Store) MarkStarted(ctx context.Context, id string, started int64) error {
	if _, err := s.DB.ExecContext(ctx, `UPDATE callbacks SET version = $2 WHERE id = $1 AND version = 0`, id, started); err != nil {
		return fmt.Errorf("mark %s started: %w", id, err)
	}
	return nil
}

// DeleteAdmission removes an admission row whose workflow never started;
// a row the workflow already wrote (version > 0) stays.
func (s *Store) DeleteAdmission(ctx context.Context, id string) error {
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM callbacks WHERE id = $1 AND version = 0`, id); err != nil {
		return fmt.Errorf("delete admission %s: %w", id, err)
	}
	return nil
}

// Delete removes a callback's rows (its lookup values go with it).
func (s *Store) Delete(ctx context.Context, id string) error {
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM callbacks WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete callback %s: %w", id, err)
	}
	return nil
}

// Get returns the stored callback id, or ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (callback.Record, error) {
	var r row
	err := s.DB.GetContext(ctx, &r, `SELECT `+rowColumns+` FROM callbacks c WHERE c.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return callback.Record{}, fmt.Errorf("callback %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return callback.Record{}, fmt.Errorf("get callback %s: %w", id, err)
	}
	return r.record()
}
