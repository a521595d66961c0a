-- Account-level data of back offices (WEBSALE admin customerAccounts): display name,
-- phone (unique per tenant), subshops, address references, who changed it last, and
-- when invitation and password-reset links were sent (at most one a day each). A
-- customer without a row has the defaults.
CREATE TABLE account_settings (
    customer_id bigint PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    display_name text,
    phone text,
    main_subshop text,
    all_subshops boolean NOT NULL DEFAULT false,
    subshops text NOT NULL DEFAULT '[]',
    password_reset_required boolean NOT NULL DEFAULT false,
    main_address_id bigint,
    bill_address_id bigint,
    delivery_address_id bigint,
    changed_by text NOT NULL DEFAULT 'shop',
    invited_at timestamp,
    invitation_until timestamp,
    invitation_clicked_at timestamp,
    invited_by bigint,
    reset_asked_at timestamp,
    reset_until timestamp,
    CONSTRAINT account_settings_customer_fkey FOREIGN KEY (tenant_id, customer_id)
        REFERENCES customers (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX account_settings_phone_idx ON account_settings (tenant_id, phone) WHERE phone IS NOT NULL;

-- When a customer was last blocked and when it was deleted (epoch: never), so both
-- sort without NULL handling that differs between backends.
ALTER TABLE customers ADD COLUMN blocked_at timestamp NOT NULL DEFAULT '1970-01-01 00:00:00';
ALTER TABLE customers ADD COLUMN deleted_at timestamp NOT NULL DEFAULT '1970-01-01 00:00:00';
CREATE INDEX customers_updated_idx ON customers (tenant_id, updated_at, id);
CREATE INDEX customers_blocked_idx ON customers (tenant_id, blocked_at, id);
CREATE INDEX customers_deleted_idx ON customers (tenant_id, deleted_at, id);

-- Bank accounts: everything but the keys is one AEAD-sealed JSON document (`sealed`,
-- base64) under the key `key_id`, so `clientele keys rotate` can re-seal old rows.
CREATE TABLE bank_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    customer_id bigint NOT NULL,
    key_id text NOT NULL,
    sealed text NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    CONSTRAINT bank_accounts_customer_fkey FOREIGN KEY (tenant_id, customer_id)
        REFERENCES customers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX bank_accounts_customer_idx ON bank_accounts (tenant_id, customer_id, id);
CREATE INDEX bank_accounts_key_idx ON bank_accounts (key_id);

-- One-time login links: only the key's digest is kept; used once, within seconds.
CREATE TABLE login_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key_digest text NOT NULL,
    expires_at timestamp NOT NULL,
    used_at timestamp,
    CONSTRAINT login_links_key_digest_key UNIQUE (key_digest)
);
CREATE INDEX login_links_user_idx ON login_links (user_id);

-- Address fields only some dialects carry (WEBSALE streetNumber, department,
-- taxId, dateOfBirth, businessFax), as one JSON object.
ALTER TABLE addresses ADD COLUMN extra text NOT NULL DEFAULT '{}';
