-- Order history reported by the order system, as IOM documents (JSON). Kept when the
-- customer is erased: orders and invoices are records the shop must keep.
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    customer_id bigint NOT NULL REFERENCES customers (id),
    number text NOT NULL,
    document text NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    CONSTRAINT orders_number_key UNIQUE (tenant_id, number)
);
CREATE INDEX orders_customer_idx ON orders (customer_id, id);

CREATE TABLE invoices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    customer_id bigint NOT NULL REFERENCES customers (id),
    number text NOT NULL,
    document text NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    CONSTRAINT invoices_number_key UNIQUE (tenant_id, number)
);
CREATE INDEX invoices_customer_idx ON invoices (customer_id, id);

CREATE TABLE customer_balances (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    customer_id bigint NOT NULL REFERENCES customers (id),
    currency text NOT NULL,
    document text NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    CONSTRAINT customer_balances_currency_key UNIQUE (customer_id, currency)
);

-- Audit of erasures: who asked (API client id, user public id, operator), in which
-- request, and how many rows of which table went. Never personal data.
CREATE TABLE erasures (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    customer_id bigint NOT NULL,
    user_id bigint,
    actor text NOT NULL,
    request_id text,
    counts text NOT NULL,
    created_at timestamp NOT NULL
);
CREATE INDEX erasures_customer_idx ON erasures (tenant_id, customer_id);
