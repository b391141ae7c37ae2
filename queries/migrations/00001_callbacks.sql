-- +goose Up
-- One row per callback, written by the workflow's activities (version >= 1)
-- and by admission (version 0). A write only lands when its version is newer.
CREATE TABLE callbacks (
    id              text PRIMARY KEY,
    service         text        NOT NULL,
    customer_number text        NOT NULL DEFAULT '',
    state           text        NOT NULL,
    reason          text        NOT NULL DEFAULT '',
    desired_time    timestamptz NOT NULL,
    queued_at       timestamptz,
    ors_session_id  text        NOT NULL DEFAULT '',
    expiration_time timestamptz NOT NULL,
    properties      jsonb       NOT NULL DEFAULT '{}',
    lookup_keys     text[]      NOT NULL DEFAULT '{}',
    version         bigint      NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX callbacks_service_number ON callbacks (service, customer_number);
CREATE INDEX callbacks_service_state_desired ON callbacks (service, state, desired_time);
-- Admission counts: places taken per time bucket, open callbacks per number.
CREATE INDEX callbacks_open_by_time ON callbacks (service, desired_time) WHERE state <> 'COMPLETED';
CREATE INDEX callbacks_open_by_number ON callbacks (service, customer_number) WHERE state <> 'COMPLETED';
CREATE INDEX callbacks_desired ON callbacks (desired_time, id);
CREATE INDEX callbacks_properties ON callbacks USING gin (properties jsonb_path_ops);

-- Every value a lookup key ever had (append-only), so k=v finds a callback by
-- its current or any earlier value (SPEC §2.4).
CREATE TABLE callback_lookup (
    key     text NOT NULL,
    value   text NOT NULL,
    service text NOT NULL,
    id      text NOT NULL REFERENCES callbacks (id) ON DELETE CASCADE,
    PRIMARY KEY (key, value, service, id)
);
CREATE INDEX callback_lookup_id ON callback_lookup (id);

-- +goose Down
DROP TABLE callback_lookup;
DROP TABLE callbacks;
