-- The away stretches in which a conversation's first message was flagged `offline`: a stretch
-- is named by the instant the team is back (Unix milliseconds; 0 when no return is known).
CREATE TABLE gateway_offline_flags (
    conversation_id TEXT NOT NULL,
    back_at         INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, back_at)
);
