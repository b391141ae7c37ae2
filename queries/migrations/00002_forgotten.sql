-- +goose Up
-- Ids of callbacks deleted on request ("forget me"): a late write of their
-- workflow can never bring them back. Only the id is kept.
CREATE TABLE forgotten (
    id           text PRIMARY KEY,
    forgotten_at timestamptz NOT NULL DEFAULT now()
);
-- Queue position: QUEUED callbacks of a service in queue order.
CREATE INDEX callbacks_queued ON callbacks (service, queued_at, id) WHERE state = 'QUEUED';

-- +goose Down
DROP INDEX callbacks_queued;
DROP TABLE forgotten;
