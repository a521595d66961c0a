-- One source of truth for orders: spending against budgets, the last-order time and
-- order counts derive from the order history. An order row carries, besides its IOM
-- document, when it was placed, the total that counts (minor units), its status, and the
-- buyer and cost center it is charged to. "Order placed/cancelled" reports of the
-- spending API create or attribute an order here; their idempotency keys are kept in
-- order_reports (removed with the person on erasure: the canonical report names the buyer).
ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'placed' CHECK (status IN ('placed', 'cancelled'));
ALTER TABLE orders ADD COLUMN placed_at timestamp NOT NULL DEFAULT '1970-01-01 00:00:00';
ALTER TABLE orders ADD COLUMN cancelled_at timestamp;
ALTER TABLE orders ADD COLUMN amount bigint;
ALTER TABLE orders ADD COLUMN currency text;
ALTER TABLE orders ADD COLUMN buyer_id bigint REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE orders ADD COLUMN cost_center_id bigint REFERENCES cost_centers (id) ON DELETE SET NULL;
ALTER TABLE orders ADD COLUMN cost_center_code text;
UPDATE orders SET placed_at = created_at;
CREATE INDEX orders_cost_center_idx ON orders (cost_center_id, placed_at);
CREATE INDEX orders_buyer_idx ON orders (buyer_id, placed_at);
CREATE INDEX orders_placed_idx ON orders (customer_id, placed_at);

CREATE TABLE order_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    idempotency_key text NOT NULL,
    -- The report in a canonical form: a retry matches it, a reused key does not.
    request text NOT NULL,
    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    event text NOT NULL,
    created_at timestamp NOT NULL,
    CONSTRAINT order_reports_key UNIQUE (tenant_id, idempotency_key),
    CONSTRAINT order_reports_event_key UNIQUE (order_id, event),
    CONSTRAINT order_reports_event_check CHECK (event IN ('placed', 'cancelled'))
);

-- Spending recorded so far becomes orders (or attributes the order of that number). The
-- old canonical reports named the buyer by login: they are not carried over (a retry of
-- such a report is answered as a reused key).
INSERT INTO orders (tenant_id, customer_id, number, document, created_at, updated_at, placed_at)
SELECT s.tenant_id, s.customer_id, s.order_no,
       json_object('shopOrderNumber', s.order_no,
                   'shopOrderCreationDate', strftime('%Y-%m-%dT%H:%M:%fZ', s.placed_at),
                   'shopTotalGross', s.amount / CASE WHEN s.currency IN ('BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN 1.0
                                                     WHEN s.currency IN ('BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND') THEN 1000.0
                                                     WHEN s.currency IN ('CLF', 'UYW') THEN 10000.0
                                                     ELSE 100.0 END,
                   'currency', s.currency),
       s.created_at, s.created_at, s.placed_at
FROM spendings s
WHERE s.event = 'placed'
  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.tenant_id = s.tenant_id AND o.number = s.order_no);
UPDATE orders
SET (placed_at, amount, currency, buyer_id, cost_center_id, cost_center_code) =
    (SELECT s.placed_at, s.amount, s.currency, s.user_id, s.cost_center_id, s.cost_center_code
     FROM spendings s
     WHERE s.event = 'placed' AND s.tenant_id = orders.tenant_id AND s.customer_id = orders.customer_id
       AND s.order_no = orders.number)
WHERE EXISTS (SELECT 1 FROM spendings s
              WHERE s.event = 'placed' AND s.tenant_id = orders.tenant_id AND s.customer_id = orders.customer_id
                AND s.order_no = orders.number);
UPDATE orders
SET status = 'cancelled',
    cancelled_at = (SELECT s.created_at FROM spendings s
                    WHERE s.event = 'cancelled' AND s.tenant_id = orders.tenant_id
                      AND s.customer_id = orders.customer_id AND s.order_no = orders.number)
WHERE EXISTS (SELECT 1 FROM spendings s
              WHERE s.event = 'cancelled' AND s.tenant_id = orders.tenant_id
                AND s.customer_id = orders.customer_id AND s.order_no = orders.number);
INSERT INTO order_reports (tenant_id, idempotency_key, request, order_id, event, created_at)
SELECT s.tenant_id, s.idempotency_key, 'migrated|' || s.event || '|' || s.order_no, o.id, s.event, s.created_at
FROM spendings s
JOIN orders o ON o.tenant_id = s.tenant_id AND o.customer_id = s.customer_id AND o.number = s.order_no;

DROP TABLE spendings;
