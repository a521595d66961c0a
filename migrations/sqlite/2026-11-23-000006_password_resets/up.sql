-- Mailed password-reset codes (digests only), single-use and expiring.
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_digest TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    CONSTRAINT password_resets_code_key UNIQUE (code_digest)
);
CREATE INDEX password_resets_user_idx ON password_resets (tenant_id, user_id);
