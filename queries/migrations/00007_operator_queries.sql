-- +goose Up
-- Watermarks count the executing callbacks per service; queues list the
-- callbacks completed recently. Each reads a small partial index instead
-- of every row.
CREATE INDEX callbacks_executing ON callbacks (service) WHERE state IN ('QUEUED', 'ROUTING', 'PROCESSING', 'PAUSED');
CREATE INDEX callbacks_completed_by_update ON callbacks (updated_at, service) WHERE state = 'COMPLETED';

-- +goose Down
DROP INDEX callbacks_completed_by_update;
DROP INDEX callbacks_executing;
