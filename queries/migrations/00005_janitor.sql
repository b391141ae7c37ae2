-- +goose Up
-- Admission rows whose workflow has not written yet (found by the janitor).
CREATE INDEX callbacks_admitted ON callbacks (created_at) WHERE version = 0;
CREATE INDEX callbacks_expiring ON callbacks (expiration_time) WHERE state = 'COMPLETED';

-- +goose Down
DROP INDEX callbacks_expiring;
DROP INDEX callbacks_admitted;
