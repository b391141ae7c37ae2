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

// Save writes rec if it is newer than what is stored (idempotent: replaying
// the same or an older version changes nothing) and records its lookup
// values; applied tells whether this call wrote it.
func (s *Store) Save(ctx context.Context, rec callback.Record) (applied bool, err error) {
	return save(ctx, s.DB, rec) // one statement: no transaction needed
}

// save writes rec with save_callback (migration 00008).
func save(ctx context.Context, db sqlx.QueryerContext, rec callback.Record) (bool, error) {
	args, err := saveArgs(rec)
	if err != nil {
		return false, err
	}
	var written int
	if err := sqlx.GetContext(ctx, db, &written, `SELECT save_callback(`+args.list()+`)`, args...); err != nil {
		return false, fmt.Errorf("save callback %s: %w", rec.ID, err)
	}
	return written == 1, nil // 0: a newer version is already stored, or it was forgotten
}

// saveArgs are save_callback's arguments for rec, in its order.
func saveArgs(rec callback.Record) (sqlArgs, error) {
	props, err := json.Marshal(rec.Properties)
	if err != nil {
		return nil, fmt.Errorf("save callback %s: %w", rec.ID, err)
	}
	var keys, values []string
	for _, k := range lookupKeys(rec) {
		if v := rec.Properties[k]; v != "" {
			keys, values = append(keys, k), append(values, v)
		}
	}
	return sqlArgs{rec.ID, rec.Service, rec.CustomerNumber(), string(rec.State),
		rec.Reason, rec.DesiredTime, nullTime(rec.QueuedAt), rec.ORSSessionID, rec.ExpirationTime(), string(props),
		pq.StringArray(rec.LookupKeys), rec.Version, nullTime(rec.CreatedAt), rec.Immediate,
		pq.StringArray(keys), pq.StringArray(values)}, nil
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

// MarkStarted records that the workflows of admission rows ids started
// (version 0 -> started); a row the workflow already wrote is left as it is.
func (s *Store) MarkStarted(ctx context.Context, ids []string, started int64) error {
	if _, err := s.DB.ExecContext(ctx, `UPDATE callbacks SET version = $2 WHERE id = ANY($1) AND version = 0`,
		pq.StringArray(ids), started); err != nil {
		return fmt.Errorf("mark %d started: %w", len(ids), err)
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
