-- Sessions: one row per issued access/refresh token pair. Only digests of the tokens
-- are stored. A refresh rotates the row (rotated_at) and adds one in the same family.
CREATE TABLE sessions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    family text NOT NULL,
    -- Both NULL for anonymous sessions.
    customer_id bigint REFERENCES customers (id) ON DELETE CASCADE,
    user_id bigint REFERENCES users (id) ON DELETE CASCADE,
    access_digest text NOT NULL,
    access_expires_at timestamp NOT NULL,
    refresh_digest text NOT NULL,
    refresh_expires_at timestamp NOT NULL,
    created_at timestamp NOT NULL,
    rotated_at timestamp,
    revoked_at timestamp,
    CONSTRAINT sessions_access_key UNIQUE (access_digest),
    CONSTRAINT sessions_refresh_key UNIQUE (refresh_digest),
    CONSTRAINT sessions_subject_check CHECK ((customer_id IS NULL) = (user_id IS NULL))
);
CREATE INDEX sessions_family_idx ON sessions (tenant_id, family);
CREATE INDEX sessions_user_idx ON sessions (tenant_id, user_id);
