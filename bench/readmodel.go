package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/jmoiron/sqlx"
)

// The bulk-loaded callbacks: rows i in [1, rows] are spread over loadServices
// services and desired times uniform over [now-30d, now+30d) (the 30-day
// retention after the desired time, callback.Retention): past ones COMPLETED
// but those of the last hour (QUEUED, ROUTING, PROCESSING), future ones
// SCHEDULED. Customer numbers come from a pool of rows*3/10, so a number has
// about three callbacks, as repeat callers do. Every value is a function of
// i: the load is the same on every run.
const (
	loadServices = 10
	halfSpan     = 30 * 24 * 3600 // seconds
)

func loadService(i int) string { return fmt.Sprintf("load-%d", i%loadServices) }

func numberPool(rows int) int { return max(1, rows*3/10) }

// loadNumber is the customer number of row i (the SQL below computes the same).
func loadNumber(i, rows int) string {
	return fmt.Sprintf("+1617%07d", (int64(i)*7919)%int64(numberPool(rows)))
}

// bulkSQL inserts rows [$1, $2] of the read model and their lookup values;
// $3 = now, $4 = the number pool.
const bulkSQL = `
WITH s AS (
	SELECT i,
		md5('bulk' || i)::uuid::text AS id,
		'load-' || (i % 10) AS service,
		'+1617' || lpad(((i::bigint * 7919) % $4)::text, 7, '0') AS num,
		$3::timestamptz + make_interval(secs => ((i::bigint * 2654435761) % (2 * 2592000)) - 2592000) AS dt
	FROM generate_series($1::int, $2::int) AS i
), t AS (
	SELECT s.*,
		-- created a day ahead, or lately (never in the future)
		LEAST(dt - interval '1 day', $3::timestamptz - make_interval(secs => i % 86400)) AS created,
		CASE WHEN dt > $3::timestamptz THEN 'SCHEDULED'
		     WHEN dt > $3::timestamptz - interval '1 hour' THEN (ARRAY['QUEUED','ROUTING','PROCESSING'])[1 + i % 3]
		     ELSE 'COMPLETED' END AS state
	FROM s
), ins AS (
	INSERT INTO callbacks (id, service, customer_number, state, reason, desired_time, queued_at, ors_session_id,
		expiration_time, properties, lookup_keys, version, created_at, updated_at, immediate)
	SELECT id, service, num, state,
		CASE WHEN state <> 'COMPLETED' THEN ''
		     WHEN i % 10 = 0 THEN 'CANCELLED'
		     WHEN i % 10 = 1 THEN 'ABANDONED_IN_QUEUE'
		     ELSE 'AGENT_CONNECTED' END,
		dt,
		CASE WHEN state = 'SCHEDULED' THEN NULL ELSE dt END,
		CASE WHEN state = 'SCHEDULED' THEN '' ELSE md5('ors' || i) END,
		dt + interval '30 days',
		jsonb_build_object('_customer_number', num, 'usr_customer_name', 'Customer ' || i,
			'usr_account', (i::bigint * 31 % 1000000)::text, '_vq', 'VQ_' || (i % 4),
			'_app_url', 'callback.scxml'),
		'{_customer_number}',
		CASE WHEN state = 'SCHEDULED' THEN 1 ELSE 4 END,
		created,
		CASE WHEN state = 'COMPLETED' THEN dt + interval '8 minutes' ELSE created END,
		false
	FROM t
	RETURNING id, service, customer_number
)
INSERT INTO callback_lookup (key, value, service, id)
SELECT '_customer_number', customer_number, service, id FROM ins`

// bulkLoad loads rows callbacks in batches and analyzes the tables.
func bulkLoad(ctx context.Context, db *sqlx.DB, rows int, now time.Time, logf func(string, ...any)) error {
	const batch = 50_000
	start := time.Now()
	for lo := 1; lo <= rows; lo += batch {
		hi := min(rows, lo+batch-1)
		if _, err := db.ExecContext(ctx, bulkSQL, lo, hi, now, numberPool(rows)); err != nil {
			return fmt.Errorf("bulk load rows %d-%d: %w", lo, hi, err)
		}
		if hi%200_000 == 0 || hi == rows {
			logf("  loaded %d/%d rows (%s)", hi, rows, time.Since(start).Round(time.Second))
		}
	}
	for _, t := range []string{"callbacks", "callback_lookup"} {
		if _, err := db.ExecContext(ctx, "VACUUM ANALYZE "+t); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	return nil
}

// query is one read-model query of the bench.
type query struct {
	name  string
	admin bool
	path  func(r *rand.Rand) string
}

// readQueries are the read-model queries, each on a random service (and,
// for lookups, the number of a random loaded row).
func readQueries(rows int, now time.Time) []query {
	row := func(r *rand.Rand) int { return 1 + r.IntN(rows) }
	iso := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	return []query{
		{name: "lookup", path: func(r *rand.Rand) string {
			i := row(r)
			return "/genesys/1/service/callback/" + loadService(i) + "?_customer_number=" + url.QueryEscape(loadNumber(i, rows))
		}},
		{name: "lookup-all", path: func(r *rand.Rand) string {
			return "/genesys/1/service/callback?_customer_number=" + url.QueryEscape(loadNumber(row(r), rows))
		}},
		{name: "queues", admin: true, path: func(r *rand.Rand) string {
			return "/genesys/1/admin/callback/queues?target=" + loadService(r.IntN(loadServices))
		}},
		{name: "availability", path: func(r *rand.Rand) string {
			from := now.Add(time.Duration(r.IntN(3600)) * time.Second)
			return "/genesys/2/service/callback/" + loadService(r.IntN(loadServices)) + "/availability?start=" +
				url.QueryEscape(iso(from)) + "&end=" + url.QueryEscape(iso(from.Add(30*24*time.Hour)))
		}},
		{name: "watermarks", admin: true, path: func(*rand.Rand) string { return "/genesys/1/admin/callback/watermarks" }},
	}
}

// timeQuery sends n requests of q one after the other (after a few not
// counted, to warm caches and connections) and returns their latencies.
func timeQuery(ctx context.Context, api *apiClient, q query, n int, seed uint64) result {
	r := rand.New(rand.NewPCG(seed, 7))
	var rec recorder
	for i := range 10 + n {
		path := q.path(r)
		t := time.Now()
		b, err := api.send(ctx, http.MethodGet, path, nil, q.admin)
		took := time.Since(t) // the answer's last byte; decoding it is the client's time
		var out any
		if err == nil {
			err = json.Unmarshal(b, &out)
		}
		if err != nil {
			err = fmt.Errorf("GET %s: %w", path, err)
		}
		if i >= 10 {
			rec.add(took, err)
		}
	}
	return result{n: n, lat: rec.lat, errs: rec.errs, first: rec.first}
}
