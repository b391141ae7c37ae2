-- +goose Up
-- A callback's snapshot write, and an admission's place check with it, as
-- functions: one round trip each (an admission was five: BEGIN, lock,
-- count, write, COMMIT), and PL/pgSQL keeps their plans for the session
-- instead of planning the statements on every call.

-- save_callback writes a snapshot unless the stored one is as new or
-- newer, or the callback was forgotten, and with it the current values of
-- its lookup keys (p_keys, p_values). It returns the snapshots written (0 or 1).
-- +goose StatementBegin
CREATE FUNCTION save_callback(p_id text, p_service text, p_number text, p_state text, p_reason text,
    p_desired timestamptz, p_queued timestamptz, p_session text, p_expiration timestamptz,
    p_properties jsonb, p_lookup_keys text[], p_version bigint, p_created timestamptz,
    p_immediate boolean, p_keys text[], p_values text[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    written integer;
BEGIN
    WITH up AS (
        INSERT INTO callbacks (id, service, customer_number, state, reason, desired_time, queued_at,
            ors_session_id, expiration_time, properties, lookup_keys, version, created_at, immediate)
        SELECT p_id, p_service, p_number, p_state, p_reason, p_desired, p_queued, p_session,
            p_expiration, p_properties, p_lookup_keys, p_version, COALESCE(p_created, now()), p_immediate
        WHERE NOT EXISTS (SELECT 1 FROM forgotten f WHERE f.id = p_id)
        ON CONFLICT (id) DO UPDATE SET
            service = EXCLUDED.service, customer_number = EXCLUDED.customer_number,
            state = EXCLUDED.state, reason = EXCLUDED.reason, desired_time = EXCLUDED.desired_time,
            queued_at = EXCLUDED.queued_at, ors_session_id = EXCLUDED.ors_session_id,
            expiration_time = EXCLUDED.expiration_time, properties = EXCLUDED.properties,
            lookup_keys = EXCLUDED.lookup_keys, version = EXCLUDED.version, updated_at = now()
        WHERE callbacks.version < EXCLUDED.version
        RETURNING callbacks.id, callbacks.service
    ), lookup AS (
        INSERT INTO callback_lookup (key, value, service, id)
        SELECT t.k, t.v, up.service, up.id FROM up, unnest(p_keys, p_values) AS t(k, v)
        ON CONFLICT DO NOTHING
    )
    SELECT count(*) INTO written FROM up;
    RETURN written;
END
$$;
-- +goose StatementEnd

-- place_callback is save_callback for a callback that takes a place in the
-- bucket [p_start, p_end): under the bucket's advisory lock (p_lock), it
-- writes only if the bucket holds fewer than p_capacity open callbacks
-- besides this one, and returns -1 when it is full. The count runs after
-- the lock is taken, so it sees every admission that held it before.
-- +goose StatementBegin
CREATE FUNCTION place_callback(p_id text, p_service text, p_number text, p_state text, p_reason text,
    p_desired timestamptz, p_queued timestamptz, p_session text, p_expiration timestamptz,
    p_properties jsonb, p_lookup_keys text[], p_version bigint, p_created timestamptz,
    p_immediate boolean, p_keys text[], p_values text[],
    p_lock text, p_start timestamptz, p_end timestamptz, p_capacity integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    taken integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(p_lock, 0));
    SELECT count(*) INTO taken FROM callbacks c
        WHERE c.service = p_service AND c.state <> 'COMPLETED'
        AND c.desired_time >= p_start AND c.desired_time < p_end AND c.id <> p_id;
    IF taken >= p_capacity THEN
        RETURN -1;
    END IF;
    RETURN save_callback(p_id, p_service, p_number, p_state, p_reason, p_desired, p_queued, p_session,
        p_expiration, p_properties, p_lookup_keys, p_version, p_created, p_immediate, p_keys, p_values);
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION place_callback;
DROP FUNCTION save_callback;
