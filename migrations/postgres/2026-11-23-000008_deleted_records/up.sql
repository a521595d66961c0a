-- What was deleted, and when, for the admin "deleted accounts" and "deleted data"
-- views: the rows themselves are gone (addresses) or anonymized (customers, users).
-- `kind` is `customer`, `user` or `address`; `record_id` the store key the row had.
CREATE TABLE deleted_records (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    kind text COLLATE "C" NOT NULL,
    record_id bigint NOT NULL,
    customer_id bigint NOT NULL,
    deleted_at timestamp NOT NULL
);
CREATE INDEX deleted_records_kind_idx ON deleted_records (tenant_id, kind, id);
