-- Conversations rated by their visitor: one row each, taken before the rating is written
-- upstream, so two ratings racing cannot both land.
CREATE TABLE gateway_ratings (
    conversation_id TEXT PRIMARY KEY,
    rated_at        INTEGER NOT NULL
);
