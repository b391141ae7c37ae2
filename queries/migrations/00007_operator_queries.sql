-- +goose NO TRANSACTION
-- +goose Up
-- Watermarks count the executing callbacks per service; queues list the
-- callbacks completed recently. Each reads a small partial index instead
-- of every row. CONCURRENTLY: writes go on while a large read model migrates.
CREATE INDEX CONCURRENTLY IF NOT EXISTS callbacks_executing ON callbacks (service)
    WHERE state IN ('QUEUED', 'ROUTING', 'PROCESSING', 'PAUSED');
CREATE INDEX CONCURRENTLY IF NOT EXISTS callbacks_completed_by_update ON callbacks (updated_at, service)
    WHERE state = 'COMPLETED';

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS callbacks_completed_by_update;
DROP INDEX CONCURRENTLY IF EXISTS callbacks_executing;
