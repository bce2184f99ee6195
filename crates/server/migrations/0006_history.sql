-- Where each page of a conversation's history starts, as a visitor sees it (team notes left
-- out): page `n` (from 1; page 0 starts at the first message) begins at message `cursor`.
-- Built once per conversation by walking the upstream forward, then extended from its last
-- page, so a visitor opens a long conversation at its newest page and pages back from here.
CREATE TABLE gateway_history_pages (
    conversation_id TEXT NOT NULL,
    page            INTEGER NOT NULL,
    cursor          TEXT NOT NULL,
    PRIMARY KEY (conversation_id, page)
);
