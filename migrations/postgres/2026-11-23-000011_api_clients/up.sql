-- API clients: machine principals of a tenant (order systems, back offices, ERPs) with
-- scopes. Only the SHA-256 digest of a secret is stored; the secret is shown once.
CREATE TABLE api_clients (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    client_id text NOT NULL,
    name text NOT NULL,
    secret_digest text NOT NULL,
    scopes text NOT NULL DEFAULT '[]',
    enabled boolean NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    CONSTRAINT api_clients_client_id_key UNIQUE (client_id)
);
CREATE INDEX api_clients_tenant_idx ON api_clients (tenant_id, name);
