-- +goose Up
-- Throttles count admissions per service over time windows.
ALTER TABLE callbacks ADD COLUMN immediate boolean NOT NULL DEFAULT false;
CREATE INDEX callbacks_created ON callbacks (service, created_at);

-- +goose Down
DROP INDEX callbacks_created;
ALTER TABLE callbacks DROP COLUMN immediate;
