-- Customer imports with passwords from a previous shop system: the exported hash waits
-- on the user (JSON {algorithm, hash, context}) until the first login replaces it with
-- argon2id, and only while the tenant's migration retention lasts.
ALTER TABLE users ADD COLUMN legacy_auth text;
CREATE TABLE password_migrations (
    tenant_id bigint PRIMARY KEY REFERENCES tenants (id),
    retention_end date NOT NULL,
    reminder_date date NOT NULL,
    notifications boolean NOT NULL,
    updated_at timestamp NOT NULL
);
