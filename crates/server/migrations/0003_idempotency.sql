-- Browser-facing `send` with an Idempotency-Key (connect360-api.md §5.3): the first result
-- per visitor and key, kept 24 hours. A row without a response is a send in flight.

CREATE TABLE gateway_idempotency (
    external_id  TEXT NOT NULL,
    key          TEXT NOT NULL,
    response     TEXT,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (external_id, key)
);
CREATE INDEX gateway_idempotency_by_age ON gateway_idempotency (created_at);
