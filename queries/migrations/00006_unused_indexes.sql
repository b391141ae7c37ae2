-- +goose Up
-- Indexes no query uses, paid for on every write: lookups by property go
-- through callback_lookup (a jsonb_path_ops index serves @>, never ->>),
-- and open callbacks by number through callbacks_open_by_number.
DROP INDEX callbacks_properties;
DROP INDEX callbacks_service_number;

-- +goose Down
CREATE INDEX callbacks_service_number ON callbacks (service, customer_number);
CREATE INDEX callbacks_properties ON callbacks USING gin (properties jsonb_path_ops);
