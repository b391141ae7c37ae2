-- +goose NO TRANSACTION
-- +goose Up
-- Indexes no query uses, paid for on every write: lookups by property go
-- through callback_lookup (a jsonb_path_ops index serves @>, never ->>),
-- and open callbacks by number through callbacks_open_by_number.
-- CONCURRENTLY: writes go on while a large read model migrates.
DROP INDEX CONCURRENTLY IF EXISTS callbacks_properties;
DROP INDEX CONCURRENTLY IF EXISTS callbacks_service_number;

-- +goose Down
CREATE INDEX CONCURRENTLY IF NOT EXISTS callbacks_service_number ON callbacks (service, customer_number);
CREATE INDEX CONCURRENTLY IF NOT EXISTS callbacks_properties ON callbacks USING gin (properties jsonb_path_ops);
