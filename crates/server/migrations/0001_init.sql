-- The local Connect360: customers, channels, conversations, messages and uploaded files of
-- one workspace. JSON columns hold JSON text; timestamps are ISO-8601 UTC with milliseconds.

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    external_id TEXT,
    name        TEXT,
    email       TEXT,
    phone       TEXT,
    image       TEXT,
    metadata    TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX customers_by_external_id ON customers (external_id);
CREATE INDEX customers_by_email ON customers (email COLLATE NOCASE);

CREATE TABLE channels (
    id          TEXT PRIMARY KEY,
    identifier  TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL DEFAULT 'website',
    created_at  TEXT NOT NULL
);

CREATE TABLE conversations (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    id                  TEXT NOT NULL UNIQUE,
    name                TEXT,
    type                TEXT NOT NULL CHECK (type IN ('DIRECT', 'GROUP')),
    parent_id           TEXT REFERENCES conversations (id) ON DELETE CASCADE,
    customer_id         TEXT REFERENCES customers (id),
    member_ids          TEXT NOT NULL DEFAULT '[]',
    channel_ids         TEXT NOT NULL DEFAULT '[]',
    channel_identifier  TEXT,
    metadata            TEXT NOT NULL DEFAULT '{}',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX conversations_by_customer ON conversations (customer_id, parent_id);
CREATE INDEX conversations_by_parent ON conversations (parent_id);

-- `seq` is the insertion order: ties of created_at are broken by it, and created_at is
-- assigned monotonically under the write lock, so (created_at, seq) order equals seq order.
CREATE TABLE messages (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT NOT NULL UNIQUE,
    conversation_id   TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    parent_id         TEXT,
    content           TEXT NOT NULL DEFAULT '{}',
    attachment_ids    TEXT NOT NULL DEFAULT '[]',
    sender_type       TEXT NOT NULL CHECK (sender_type IN ('workspace', 'customer', 'ai')),
    sender_id         TEXT NOT NULL,
    flags             TEXT NOT NULL DEFAULT '[]',
    template_id       TEXT,
    template_context  TEXT,
    channel_id        TEXT,
    created_at        TEXT NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at, seq);

CREATE TABLE files (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    s3_key      TEXT NOT NULL UNIQUE,
    mime_type   TEXT NOT NULL,
    size        INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);
