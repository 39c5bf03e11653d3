-- How the citizen asked to hear back: an e-mail address, and whether the
-- phone number may get text messages (through the SMS gateway's webhook).
-- Kept apart from the matter so that anonymize removes it whole.
CREATE TABLE citizen_contacts (
    matter_id BIGINT PRIMARY KEY REFERENCES matters (id),
    email TEXT,
    sms BOOLEAN NOT NULL DEFAULT 0,
    -- The language of the pages they asked in: the messages' language.
    lang TEXT NOT NULL DEFAULT 'zh-CN'
);
-- Staff's e-mail, for the matters dispatched to their unit and the digest.
ALTER TABLE users ADD COLUMN email TEXT;
-- Messages to send, written in the same transaction as the step that
-- causes them; the sender in `serve` delivers them and marks them sent.
-- `dedupe` keeps a message that several instances may write (the daily
-- digest) to one row.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    transport TEXT NOT NULL,
    recipient TEXT NOT NULL,
    matter_id BIGINT,
    params TEXT NOT NULL,
    dedupe TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL,
    next_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_at);
