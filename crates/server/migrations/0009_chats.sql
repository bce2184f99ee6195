-- A visitor's chats: their top-level conversation and each one they started after an end
-- (a sub-conversation of it). The list of earlier chats reads this; a sign-in moves a guest's
-- chats to the known customer.
CREATE TABLE gateway_chats (
    external_id      TEXT NOT NULL,
    conversation_id  TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    PRIMARY KEY (external_id, conversation_id)
);
CREATE INDEX gateway_chats_by_conversation ON gateway_chats (conversation_id);
CREATE INDEX gateway_chats_by_start ON gateway_chats (external_id, started_at);

-- The chat a visitor writes in: the one a session opens. Every other chat is read-only.
CREATE TABLE gateway_current_chats (
    external_id      TEXT PRIMARY KEY,
    conversation_id  TEXT NOT NULL
);
CREATE INDEX gateway_current_chats_by_conversation ON gateway_current_chats (conversation_id);
