-- B2B: the tenant's time zone (budget periods start at its local midnight), user
-- budgets, cost-center budgets and buyers, and the spending recorded against them.
-- Money is an integer amount in the currency's minor units plus its ISO 4217 code.

ALTER TABLE tenants ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';

-- A user's limit per order and budget per period share one currency.
ALTER TABLE users ADD COLUMN budget_currency text;
ALTER TABLE users ADD COLUMN order_spent_limit bigint;
ALTER TABLE users ADD COLUMN budget bigint;
ALTER TABLE users ADD COLUMN budget_period text;

-- No cost center could be written before this migration; the defaults only satisfy
-- NOT NULL.
ALTER TABLE cost_centers ADD COLUMN budget bigint NOT NULL DEFAULT 0;
ALTER TABLE cost_centers ADD COLUMN currency text NOT NULL DEFAULT 'USD';
ALTER TABLE cost_centers ADD COLUMN budget_period text NOT NULL DEFAULT 'fixed';
DROP INDEX cost_centers_customer_idx;
CREATE UNIQUE INDEX cost_centers_customer_code_key ON cost_centers (tenant_id, customer_id, code);

-- A buyer's budget is in the cost center's currency; NULL: no budget of their own.
CREATE TABLE cost_center_buyers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    cost_center_id bigint NOT NULL REFERENCES cost_centers (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    budget bigint,
    budget_period text NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    CONSTRAINT cost_center_buyers_key UNIQUE (cost_center_id, user_id)
);
CREATE INDEX cost_center_buyers_user_idx ON cost_center_buyers (user_id);

-- What order systems reported: one row per event (an order placed, or cancelled with a
-- negative amount), each under the caller's idempotency key. The buyer's login and the
-- cost center's code stay when the user or cost center is removed (the audit).
CREATE TABLE spendings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    customer_id bigint NOT NULL,
    idempotency_key text NOT NULL,
    -- The report in a canonical form: a retry matches it, a reused key does not.
    request text NOT NULL,
    order_no text NOT NULL,
    event text NOT NULL,
    user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    user_login text NOT NULL,
    cost_center_id bigint REFERENCES cost_centers (id) ON DELETE SET NULL,
    cost_center_code text,
    amount bigint NOT NULL,
    currency text NOT NULL,
    -- When the order was placed: a cancellation counts in the order's period.
    placed_at timestamp NOT NULL,
    created_at timestamp NOT NULL,
    CONSTRAINT spendings_idempotency_key UNIQUE (tenant_id, idempotency_key),
    CONSTRAINT spendings_order_event_key UNIQUE (tenant_id, customer_id, order_no, event),
    CONSTRAINT spendings_event_check CHECK (event IN ('placed', 'cancelled')),
    CONSTRAINT spendings_customer_fkey FOREIGN KEY (tenant_id, customer_id)
        REFERENCES customers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX spendings_cost_center_idx ON spendings (cost_center_id, placed_at);
CREATE INDEX spendings_user_idx ON spendings (user_id, placed_at);
