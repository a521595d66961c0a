-- The mail outbox: flows write a row in the same transaction as the change that caused
-- the mail; the dispatcher claims due rows (next_attempt_at <= now, moved forward by a
-- lease on claim) and records sent_at, or failed_at when it gives up.
CREATE TABLE mail_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    kind text NOT NULL,
    recipient text NOT NULL,
    language text,
    -- Template parameters as a JSON object of strings; may hold one-time links.
    params text NOT NULL DEFAULT '{}',
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamp NOT NULL,
    created_at timestamp NOT NULL,
    sent_at timestamp,
    failed_at timestamp,
    last_error text
);
-- Only pending mail is ever looked up by time; delivered and given-up rows stay out of it.
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
