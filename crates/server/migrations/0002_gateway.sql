-- The gateway's own records: which conversations and files a visitor (a customer's
-- externalId) may reach besides the conversation in their token.

CREATE TABLE gateway_conversations (
    external_id      TEXT NOT NULL,
    conversation_id  TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (external_id, conversation_id)
);

CREATE TABLE gateway_files (
    external_id  TEXT NOT NULL,
    file_id      TEXT NOT NULL,
    s3_key       TEXT NOT NULL,
    uploaded     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (external_id, file_id)
);
CREATE INDEX gateway_files_by_key ON gateway_files (external_id, s3_key);
