-- Sign-in suggestions' OAuth relay (rich-messages.md §5.8): one row per authorization started.
-- Only the SHA-256 of the `state` is kept, so a copy of the database cannot complete a sign-in.

CREATE TABLE gateway_oauth_states (
    state_hash       TEXT PRIMARY KEY,
    external_id      TEXT NOT NULL,
    conversation_id  TEXT NOT NULL,
    message_id       TEXT NOT NULL,
    suggestion       TEXT NOT NULL,
    lang             TEXT NOT NULL,
    expires_at       INTEGER NOT NULL,  -- Unix milliseconds
    used             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX gateway_oauth_states_by_expiry ON gateway_oauth_states (expires_at);
