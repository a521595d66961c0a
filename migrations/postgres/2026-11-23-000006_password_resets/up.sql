-- Mailed password-reset codes (digests only), single-use and expiring.
CREATE TABLE password_resets (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_digest text NOT NULL,
    expires_at timestamp NOT NULL,
    created_at timestamp NOT NULL,
    used_at timestamp,
    CONSTRAINT password_resets_code_key UNIQUE (code_digest)
);
CREATE INDEX password_resets_user_idx ON password_resets (tenant_id, user_id);
