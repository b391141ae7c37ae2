-- +goose Up
-- Idempotency-Key of a start request -> the callback it created (24 h).
CREATE TABLE idempotency (
    service    text        NOT NULL,
    key        text        NOT NULL,
    id         text        NOT NULL REFERENCES callbacks (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (service, key)
);

-- +goose Down
DROP TABLE idempotency;
