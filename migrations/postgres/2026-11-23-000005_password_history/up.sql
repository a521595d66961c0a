-- Earlier password hashes of a user, so recent passwords cannot be reused.
CREATE TABLE password_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    password_hash text NOT NULL,
    created_at timestamp NOT NULL
);
CREATE INDEX password_history_user_idx ON password_history (tenant_id, user_id, id);
