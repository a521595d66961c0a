-- The SQLite twin of migrations/postgres/2026-11-23-000001_init: same tables, columns
-- and constraint names. Timestamps are TIMESTAMP (text as Diesel writes it, UTC),
-- booleans are 0/1, JSON is text. Foreign keys need PRAGMA foreign_keys=ON, which
-- the store sets on every connection.
--
-- Child tables reference their customer through (tenant_id, customer_id): a row can
-- never point at another tenant's customer, and the (tenant_id, customer_id, id)
-- index that serves the listings also serves the ON DELETE CASCADE lookups.

CREATE TABLE tenants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name text NOT NULL,
    customer_number_pattern text NOT NULL,
    customer_seq bigint NOT NULL DEFAULT 0,
    created_at timestamp NOT NULL,
    CONSTRAINT tenants_name_key UNIQUE (name)
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id text NOT NULL,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    number text NOT NULL,
    kind text NOT NULL,
    company_name text,
    company_name2 text,
    tax_id text,
    industry text,
    description text,
    status text NOT NULL,
    custom text NOT NULL DEFAULT '{}',
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT customers_public_id_key UNIQUE (public_id),
    CONSTRAINT customers_tenant_number_key UNIQUE (tenant_id, number),
    -- Target of the children's (tenant_id, customer_id) foreign keys.
    CONSTRAINT customers_tenant_id_key UNIQUE (tenant_id, id),
    CONSTRAINT customers_kind_check CHECK (kind IN ('private', 'business')),
    CONSTRAINT customers_company_check CHECK (kind = 'private' OR company_name IS NOT NULL)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id text NOT NULL,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    customer_id bigint NOT NULL,
    login text NOT NULL,
    login_key text NOT NULL,
    email text NOT NULL,
    password_hash text,
    title text,
    salutation text,
    first_name text,
    last_name text,
    phone_home text,
    phone_mobile text,
    phone_business text,
    fax text,
    birthday date,
    preferred_language text,
    preferred_currency text,
    roles text NOT NULL DEFAULT '[]',
    active boolean NOT NULL,
    email_verification smallint NOT NULL DEFAULT 0,
    newsletter boolean NOT NULL DEFAULT 0,
    newsletter_changed_at timestamp,
    first_login_at timestamp,
    last_login_at timestamp,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT users_public_id_key UNIQUE (public_id),
    CONSTRAINT users_tenant_login_key UNIQUE (tenant_id, login_key),
    CONSTRAINT users_customer_fkey FOREIGN KEY (tenant_id, customer_id)
        REFERENCES customers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX users_customer_idx ON users (tenant_id, customer_id, id);

CREATE TABLE addresses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id text NOT NULL,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    customer_id bigint NOT NULL,
    name text,
    title text,
    salutation text,
    first_name text,
    last_name text,
    company_name text,
    company_name2 text,
    street1 text NOT NULL,
    street2 text,
    street3 text,
    post_box text,
    postal_code text,
    city text NOT NULL,
    region_code text,
    region_name text,
    country char(2) NOT NULL,
    phone_home text,
    phone_mobile text,
    phone_business text,
    fax text,
    email text,
    usage_invoice boolean NOT NULL,
    usage_shipping boolean NOT NULL,
    preferred_invoice boolean NOT NULL,
    preferred_shipping boolean NOT NULL,
    tags text NOT NULL DEFAULT '[]',
    labels text NOT NULL DEFAULT '[]',
    external_id text,
    custom text NOT NULL DEFAULT '{}',
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT addresses_public_id_key UNIQUE (public_id),
    CONSTRAINT addresses_customer_fkey FOREIGN KEY (tenant_id, customer_id)
        REFERENCES customers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX addresses_customer_idx ON addresses (tenant_id, customer_id, id);

CREATE TABLE cost_centers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id text NOT NULL,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    customer_id bigint NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    owner_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    active boolean NOT NULL DEFAULT 1,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT cost_centers_public_id_key UNIQUE (public_id),
    CONSTRAINT cost_centers_customer_fkey FOREIGN KEY (tenant_id, customer_id)
        REFERENCES customers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX cost_centers_customer_idx ON cost_centers (tenant_id, customer_id, code);
-- Serves ON DELETE SET NULL when a user is removed.
CREATE INDEX cost_centers_owner_idx ON cost_centers (owner_user_id);

CREATE TABLE payment_instruments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id text NOT NULL,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    customer_id bigint NOT NULL,
    user_id bigint REFERENCES users (id) ON DELETE CASCADE,
    method text NOT NULL,
    display text NOT NULL DEFAULT '{}',
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    CONSTRAINT payment_instruments_public_id_key UNIQUE (public_id),
    CONSTRAINT payment_instruments_customer_fkey FOREIGN KEY (tenant_id, customer_id)
        REFERENCES customers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX payment_instruments_customer_idx ON payment_instruments (tenant_id, customer_id, id);
CREATE INDEX payment_instruments_user_idx ON payment_instruments (user_id);

-- Exactly one owner column is set; a separate column per owner kind keeps real
-- foreign keys (and cascades) instead of a polymorphic (kind, id) pair.
CREATE TABLE custom_attributes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    customer_id bigint REFERENCES customers (id) ON DELETE CASCADE,
    user_id bigint REFERENCES users (id) ON DELETE CASCADE,
    address_id bigint REFERENCES addresses (id) ON DELETE CASCADE,
    name text NOT NULL,
    value_type text NOT NULL,
    value text NOT NULL,
    CONSTRAINT custom_attributes_one_owner_check CHECK (
        (customer_id IS NOT NULL) + (user_id IS NOT NULL) + (address_id IS NOT NULL) = 1
    ),
    CONSTRAINT custom_attributes_value_type_check
        CHECK (value_type IN ('string', 'integer', 'decimal', 'boolean', 'date', 'multiple'))
);
-- NULL owner columns never collide, so one plain unique index per owner kind gives
-- "unique per owner and name".
CREATE UNIQUE INDEX custom_attributes_customer_name_key ON custom_attributes (customer_id, name);
CREATE UNIQUE INDEX custom_attributes_user_name_key ON custom_attributes (user_id, name);
CREATE UNIQUE INDEX custom_attributes_address_name_key ON custom_attributes (address_id, name);
