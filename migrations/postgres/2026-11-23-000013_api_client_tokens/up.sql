-- Short-lived bearer tokens API clients get for their credentials (OAuth 2 client
-- credentials grant); only the SHA-256 digest is stored. They die with their client.
CREATE TABLE api_client_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id bigint NOT NULL REFERENCES api_clients (id) ON DELETE CASCADE,
    digest text NOT NULL,
    expires_at timestamp NOT NULL,
    created_at timestamp NOT NULL,
    CONSTRAINT api_client_tokens_digest_key UNIQUE (digest)
);
CREATE INDEX api_client_tokens_client_idx ON api_client_tokens (client_id);
