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

-- The binding check looks sign-ins up by browser.
CREATE INDEX gateway_oauth_states_by_browser ON gateway_oauth_states (browser_hash);

-- Which messages name which files (the local Connect360): deleting a file that no message
-- names is an index lookup, not a scan of every message's JSON.
CREATE TABLE message_attachments (
    file_id     TEXT NOT NULL,
    message_id  TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (file_id, message_id)
);
CREATE INDEX message_attachments_by_message ON message_attachments (message_id);
INSERT OR IGNORE INTO message_attachments (file_id, message_id)
    SELECT a.value, m.id FROM messages m, json_each(m.attachment_ids) a;

-- Upload quotas: bytes uploaded per visitor and per client address, kept 24 hours. Apart
-- from the grants, so a clean-up never gives quota back.
CREATE TABLE gateway_upload_ledger (
    quota_key   TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX gateway_upload_ledger_by_key ON gateway_upload_ledger (quota_key, created_at);
