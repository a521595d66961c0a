-- How many customers each tenant has in each status, kept by triggers so that list
-- totals (WEBSALE `totalCount`, Emporix `Count`) need not count every row. SQLite has
-- one writer at a time, so one row per (tenant, status) is updated in place (PostgreSQL
-- appends change rows instead; the sum is the count on both). No foreign key: deleting
-- a tenant must not fail on its counts.
CREATE TABLE customer_counts (
    id INTEGER PRIMARY KEY,
    tenant_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    UNIQUE (tenant_id, status)
);

CREATE TRIGGER customers_counted_insert AFTER INSERT ON customers
BEGIN
    INSERT OR IGNORE INTO customer_counts (tenant_id, status, n) VALUES (NEW.tenant_id, NEW.status, 0);
    UPDATE customer_counts SET n = n + 1 WHERE tenant_id = NEW.tenant_id AND status = NEW.status;
END;

CREATE TRIGGER customers_counted_delete AFTER DELETE ON customers
BEGIN
    UPDATE customer_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND status = OLD.status;
END;

CREATE TRIGGER customers_counted_update AFTER UPDATE OF status, tenant_id ON customers
    WHEN OLD.status <> NEW.status OR OLD.tenant_id <> NEW.tenant_id
BEGIN
    UPDATE customer_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND status = OLD.status;
    INSERT OR IGNORE INTO customer_counts (tenant_id, status, n) VALUES (NEW.tenant_id, NEW.status, 0);
    UPDATE customer_counts SET n = n + 1 WHERE tenant_id = NEW.tenant_id AND status = NEW.status;
END;

INSERT INTO customer_counts (tenant_id, status, n)
SELECT tenant_id, status, count(*) FROM customers GROUP BY tenant_id, status;
