CREATE TABLE spendings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    customer_id bigint NOT NULL,
    idempotency_key text NOT NULL,
    request text NOT NULL,
    order_no text NOT NULL,
    event text NOT NULL,
    user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    user_login text NOT NULL,
    cost_center_id bigint REFERENCES cost_centers (id) ON DELETE SET NULL,
    cost_center_code text,
    amount bigint NOT NULL,
    currency text NOT NULL,
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
INSERT INTO spendings (tenant_id, customer_id, idempotency_key, request, order_no, event, user_id, user_login,
                       cost_center_id, cost_center_code, amount, currency, placed_at, created_at)
SELECT r.tenant_id, o.customer_id, r.idempotency_key, r.request, o.number, r.event, o.buyer_id,
       COALESCE((SELECT u.login FROM users u WHERE u.id = o.buyer_id), ''), o.cost_center_id, o.cost_center_code,
       CASE WHEN r.event = 'placed' THEN o.amount ELSE -o.amount END, o.currency, o.placed_at, r.created_at
FROM order_reports r JOIN orders o ON o.id = r.order_id
WHERE o.amount IS NOT NULL;
DROP TABLE order_reports;
DROP INDEX orders_cost_center_idx;
DROP INDEX orders_buyer_idx;
DROP INDEX orders_placed_idx;
ALTER TABLE orders DROP COLUMN status;
ALTER TABLE orders DROP COLUMN placed_at;
ALTER TABLE orders DROP COLUMN cancelled_at;
ALTER TABLE orders DROP COLUMN amount;
ALTER TABLE orders DROP COLUMN currency;
ALTER TABLE orders DROP COLUMN buyer_id;
ALTER TABLE orders DROP COLUMN cost_center_id;
ALTER TABLE orders DROP COLUMN cost_center_code;
