package queries

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/opengms/callback/callback"
)

// executingSQL lists the states watermarks count, as the predicate of the
// partial index callbacks_executing (migration 00007) spells them.
const executingSQL = `('` + string(callback.Queued) + `', '` + string(callback.Routing) + `', '` +
	string(callback.Processing) + `', '` + string(callback.Paused) + `')`

// Watermarks counts executing callbacks (QUEUED, ROUTING, PROCESSING,
// PAUSED) per service.
func (s *Store) Watermarks(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Service string `db:"service"`
		N       int    `db:"n"`
	}
	if err := s.DB.SelectContext(ctx, &rows, `SELECT service, count(*) AS n FROM callbacks
		WHERE state IN `+executingSQL+` GROUP BY service`); err != nil {
		return nil, fmt.Errorf("watermarks: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Service] = r.N
	}
	return out, nil
}

// QueueFilter selects Q7's callbacks.
type QueueFilter struct {
	Service        string    // "" = every service
	End            time.Time // desired time at most
	CompletedSince time.Time // COMPLETED ones completed since then are kept
	Max            int       // per service
	Matches        []Match   // key = value
	Excludes       []Match   // key != value
}

// columns maps the property names held in columns.
var columns = map[string]string{
	callback.KeyState: "c.state", callback.KeyReason: "c.reason", callback.KeyCustomerNumber: "c.customer_number",
	callback.KeyORSSessionID: "c.ors_session_id", callback.KeyServiceName: "c.service", callback.KeyID: "c.id",
}

// valueOf is the SQL expression of property key, bound as a parameter.
func valueOf(args *sqlArgs, key string) string {
	if col, ok := columns[key]; ok {
		return col
	}
	return "(c.properties ->> " + args.add(key) + ")"
}

// configuredAs is the condition "the property v is absent and the
// callback's service configures it as m.Value" ("" when none does, or the
// key is a column).
func configuredAs(args *sqlArgs, v string, m Match) string {
	if _, col := columns[m.Key]; col || len(m.Configured) == 0 {
		return ""
	}
	return "(" + v + " IS NULL AND c.service = ANY(" + args.add(pq.StringArray(m.Configured)) + "))"
}

// Queues returns the callbacks of Q7 grouped by service, each group in
// desired-time order and cut at Max.
func (s *Store) Queues(ctx context.Context, f QueueFilter) (map[string][]callback.Record, error) {
	var args sqlArgs
	conds := []string{"c.desired_time <= " + args.add(f.End)}
	if f.Service != "" {
		conds = append(conds, "c.service = "+args.add(f.Service))
	}
	for _, m := range f.Matches {
		v := valueOf(&args, m.Key)
		cond := v + " = " + args.add(m.Value)
		if by := configuredAs(&args, v, m); by != "" {
			cond = "(" + cond + " OR " + by + ")"
		}
		conds = append(conds, cond)
	}
	for _, m := range f.Excludes {
		v := valueOf(&args, m.Key)
		cond := v + " IS DISTINCT FROM " + args.add(m.Value)
		if by := configuredAs(&args, v, m); by != "" {
			cond = "(" + cond + " AND NOT " + by + ")"
		}
		conds = append(conds, cond)
	}
	// Open callbacks and those completed since CompletedSince: two
	// branches, each served by its own partial index.
	where := strings.Join(conds, " AND ")
	q := `SELECT ` + rowColumns + ` FROM (SELECT c.*, row_number() OVER (PARTITION BY c.service ORDER BY c.desired_time, c.id) AS rn
		FROM (SELECT * FROM callbacks c WHERE c.state <> 'COMPLETED' AND ` + where + `
			UNION ALL
			SELECT * FROM callbacks c WHERE c.state = 'COMPLETED' AND c.updated_at >= ` + args.add(f.CompletedSince) + ` AND ` + where + `) c
		) c WHERE c.rn <= ` + args.add(f.Max) + ` ORDER BY c.service, c.desired_time, c.id`
	recs, err := s.selectRecords(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("queues: %w", err)
	}
	out := map[string][]callback.Record{}
	for _, r := range recs {
		out[r.Service] = append(out[r.Service], r)
	}
	return out, nil
}

// Cancelled returns the COMPLETED callbacks with reason whose desired time
// is in [from, to], newest first (Q11).
func (s *Store) Cancelled(ctx context.Context, reason string, from, to time.Time) ([]callback.Record, error) {
	recs, err := s.selectRecords(ctx, `SELECT `+rowColumns+` FROM callbacks c
		WHERE c.state = 'COMPLETED' AND c.reason = $1 AND c.desired_time BETWEEN $2 AND $3
		ORDER BY c.desired_time DESC, c.id`, reason, from, to)
	if err != nil {
		return nil, fmt.Errorf("cancelled callbacks: %w", err)
	}
	return recs, nil
}

// Position is a QUEUED callback's place in its service's queue.
type Position struct {
	Position int // from 1
	Total    int // QUEUED callbacks of the service
}

// priority is a callback's `priority` property when it is a number, else 0.
const priority = `(CASE WHEN c.properties ->> 'priority' ~ '^-?[0-9]{1,18}$' THEN (c.properties ->> 'priority')::bigint ELSE 0 END)`

// QueuePosition ranks rec among its service's QUEUED callbacks: higher
// priority first, then by time queued.
func (s *Store) QueuePosition(ctx context.Context, rec callback.Record) (Position, error) {
	var p Position
	err := s.DB.QueryRowxContext(ctx, `
		WITH q AS (SELECT c.id, c.queued_at, `+priority+` AS prio FROM callbacks c WHERE c.service = $1 AND c.state = 'QUEUED'),
		     me AS (SELECT * FROM q WHERE id = $2)
		SELECT (SELECT count(*) FROM q, me WHERE q.prio > me.prio
		          OR (q.prio = me.prio AND (q.queued_at, q.id) < (me.queued_at, me.id))) + 1,
		       (SELECT count(*) FROM q)`, rec.Service, rec.ID).Scan(&p.Position, &p.Total)
	if err != nil {
		return p, fmt.Errorf("queue position: %w", err)
	}
	return p, nil
}

// IDsByLookup returns the ids of callbacks whose lookup key ever had value.
func (s *Store) IDsByLookup(ctx context.Context, key, value string) ([]string, error) {
	var ids []string
	if err := s.DB.SelectContext(ctx, &ids, `SELECT DISTINCT id FROM callback_lookup WHERE key = $1 AND value = $2 ORDER BY id`, key, value); err != nil {
		return nil, fmt.Errorf("ids by %s: %w", key, err)
	}
	return ids, nil
}

// Forget deletes a callback's rows and keeps a tombstone of its id, so no
// later write of its workflow brings it back.
func (s *Store) Forget(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO forgotten (id) VALUES ($1) ON CONFLICT DO NOTHING`, id); err != nil {
			return fmt.Errorf("forget %s: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM callbacks WHERE id = $1`, id); err != nil {
			return fmt.Errorf("forget %s: %w", id, err)
		}
		return nil
	})
}

// selectRecords runs a query returning rowColumns.
func (s *Store) selectRecords(ctx context.Context, q string, args ...any) ([]callback.Record, error) {
	var rows []row
	if err := s.DB.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	out := make([]callback.Record, 0, len(rows))
	for i := range rows {
		rec, err := rows[i].record()
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// IDsInState returns the ids of the service's callbacks in state.
func (s *Store) IDsInState(ctx context.Context, service string, state callback.State) ([]string, error) {
	var ids []string
	if err := s.DB.SelectContext(ctx, &ids, `SELECT id FROM callbacks WHERE service = $1 AND state = $2 ORDER BY id`, service, string(state)); err != nil {
		return nil, fmt.Errorf("callbacks in %s: %w", state, err)
	}
	return ids, nil
}
