-- +goose Up
-- What a callback's customer hears about (issue 17): one row per change of
-- a callback's state, reason or desired time, written by a trigger in the
-- transaction of the change (so every writer is covered: admission, the
-- workflow's writes, bulk operations), and announced with NOTIFY so that
-- every API process can stream it (GET …/{id}/events). For one callback the
-- rows' seq follows the commit order: its writes take the row lock first.
CREATE TABLE callback_events (
    seq          bigserial,
    id           text        NOT NULL REFERENCES callbacks (id) ON DELETE CASCADE,
    event        text        NOT NULL, -- created, state_changed, rescheduled
    state        text        NOT NULL,
    reason       text        NOT NULL,
    desired_time timestamptz NOT NULL,
    version      bigint      NOT NULL,
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- One index: every read is one callback's events after a seq (and the
    -- cascade from callbacks finds them by id).
    PRIMARY KEY (id, seq)
);

-- +goose StatementBegin
CREATE FUNCTION callback_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    kind text;
    n    bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        kind := 'created';
    ELSIF OLD.state = NEW.state AND OLD.desired_time IS DISTINCT FROM NEW.desired_time THEN
        kind := 'rescheduled';
    ELSE
        kind := 'state_changed';
    END IF;
    INSERT INTO callback_events (id, event, state, reason, desired_time, version)
        VALUES (NEW.id, kind, NEW.state, NEW.reason, NEW.desired_time, NEW.version)
        RETURNING seq INTO n;
    IF TG_OP = 'UPDATE' THEN -- nobody streams a callback before its _id is answered
        PERFORM pg_notify('gms_callback_events', NEW.id || ' ' || n);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER callbacks_event_insert AFTER INSERT ON callbacks
    FOR EACH ROW EXECUTE FUNCTION callback_event();
CREATE TRIGGER callbacks_event_update AFTER UPDATE OF state, reason, desired_time ON callbacks
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.reason IS DISTINCT FROM NEW.reason
        OR OLD.desired_time IS DISTINCT FROM NEW.desired_time)
    EXECUTE FUNCTION callback_event();

-- Webhook deliveries (issue 17): one row per notification of a callback
-- (seq: its number in the callback's life), updated by every attempt of
-- the delivering activity.
CREATE TABLE notification_deliveries (
    id           text        NOT NULL REFERENCES callbacks (id) ON DELETE CASCADE,
    seq          integer     NOT NULL,
    event        text        NOT NULL,
    state        text        NOT NULL,
    url          text        NOT NULL,
    attempts     integer     NOT NULL DEFAULT 0,
    status       text        NOT NULL, -- retrying, delivered, failed
    http_status  integer     NOT NULL DEFAULT 0,
    error        text        NOT NULL DEFAULT '',
    first_try    timestamptz NOT NULL DEFAULT now(),
    last_try     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, seq)
);

-- +goose Down
DROP TABLE notification_deliveries;
DROP TRIGGER callbacks_event_update ON callbacks;
DROP TRIGGER callbacks_event_insert ON callbacks;
DROP FUNCTION callback_event;
DROP TABLE callback_events;
