-- Sessions: one row per issued access/refresh token pair. Only digests of the tokens
-- are stored. A refresh rotates the row (rotated_at) and adds one in the same family.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    family TEXT NOT NULL,
    -- Both NULL for anonymous sessions.
    customer_id BIGINT REFERENCES customers (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    access_digest TEXT NOT NULL,
    access_expires_at TIMESTAMP NOT NULL,
    refresh_digest TEXT NOT NULL,
    refresh_expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    revoked_at TIMESTAMP,
    CONSTRAINT sessions_access_key UNIQUE (access_digest),
    CONSTRAINT sessions_refresh_key UNIQUE (refresh_digest),
    CONSTRAINT sessions_subject_check CHECK ((customer_id IS NULL) = (user_id IS NULL))
);
CREATE INDEX sessions_family_idx ON sessions (tenant_id, family);
CREATE INDEX sessions_user_idx ON sessions (tenant_id, user_id);
