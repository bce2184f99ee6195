-- Trust: who a browser's visitor id was merged into, what the sign-in relay is bound to, and
-- what the gateway needs to enforce quotas and clean up after itself.

-- A guest visitor id that signed in: a second person signing in on the same browser gets a
-- new visitor id instead of the first person's conversations.
CREATE TABLE gateway_visitors (
    visitor_id   TEXT PRIMARY KEY,
    external_id  TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- Guest claims look customers up by fingerprint on every sign-in.
CREATE INDEX customers_by_fingerprint ON customers (json_extract(metadata, '$.fingerprint'));

-- Grants are revoked by conversation (a deletion) and by file (clean-up).
CREATE INDEX gateway_conversations_by_conversation ON gateway_conversations (conversation_id);
CREATE INDEX gateway_conversations_by_age ON gateway_conversations (created_at);
-- A guest conversation found to have messages is not looked at again by the empty sweep.
ALTER TABLE gateway_conversations ADD COLUMN kept INTEGER NOT NULL DEFAULT 0;

-- Uploads count against the visitor's storage quota until attached or cleaned up.
ALTER TABLE gateway_files ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE gateway_files ADD COLUMN attached INTEGER NOT NULL DEFAULT 0;
CREATE INDEX gateway_files_by_file ON gateway_files (file_id);
CREATE INDEX gateway_files_by_upload ON gateway_files (uploaded, attached, created_at);

-- The SHA-256 of the browser cookie a sign-in was started with; the callback requires it.
ALTER TABLE gateway_oauth_states ADD COLUMN browser_hash TEXT NOT NULL DEFAULT '';

-- A stored reply answers only the same request body; a claim stuck in flight expires.
ALTER TABLE gateway_idempotency ADD COLUMN body_hash TEXT NOT NULL DEFAULT '';
