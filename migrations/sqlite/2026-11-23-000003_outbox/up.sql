-- The mail outbox: flows write a row in the same transaction as the change that caused
-- the mail; the dispatcher claims due rows (next_attempt_at <= now, moved forward by a
-- lease on claim) and records sent_at, or failed_at when it gives up.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    language TEXT,
    -- Template parameters as a JSON object of strings; may hold one-time links.
    params TEXT NOT NULL DEFAULT '{}',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    failed_at TIMESTAMP,
    last_error TEXT
);
-- Only pending mail is ever looked up by time; delivered and given-up rows stay out of it.
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
