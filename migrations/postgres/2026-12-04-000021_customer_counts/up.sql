-- How many customers each tenant has in each status, kept by triggers so that list
-- totals (WEBSALE `totalCount`, Emporix `Count`) need not count a million rows.
-- Each statement that adds, removes or moves customers between statuses appends one
-- row per (tenant, status) with the change (no row is ever updated, so concurrent
-- writers never wait for each other); the total is the sum, and the store folds a
-- tenant's rows into one when they pile up. No foreign key: deleting a tenant must not
-- fail on its counts.
CREATE TABLE customer_counts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL,
    status text NOT NULL,
    n bigint NOT NULL
);
CREATE INDEX customer_counts_tenant_idx ON customer_counts (tenant_id, status) INCLUDE (n);

CREATE FUNCTION customer_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customer_counts (tenant_id, status, n)
    SELECT tenant_id, status, count(*) FROM counted_new GROUP BY tenant_id, status;
    RETURN NULL;
END $$;

CREATE FUNCTION customer_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customer_counts (tenant_id, status, n)
    SELECT tenant_id, status, -count(*) FROM counted_old GROUP BY tenant_id, status;
    RETURN NULL;
END $$;

CREATE FUNCTION customer_counts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customer_counts (tenant_id, status, n)
    SELECT tenant_id, status, sum(d) FROM (
        SELECT o.tenant_id, o.status, -1 AS d
          FROM counted_old o JOIN counted_new n ON n.id = o.id
         WHERE o.status <> n.status OR o.tenant_id <> n.tenant_id
        UNION ALL
        SELECT n.tenant_id, n.status, 1
          FROM counted_old o JOIN counted_new n ON n.id = o.id
         WHERE o.status <> n.status OR o.tenant_id <> n.tenant_id
    ) moved
    GROUP BY tenant_id, status;
    RETURN NULL;
END $$;

CREATE TRIGGER customers_counted_insert AFTER INSERT ON customers
    REFERENCING NEW TABLE AS counted_new
    FOR EACH STATEMENT EXECUTE FUNCTION customer_counts_inserted();
CREATE TRIGGER customers_counted_delete AFTER DELETE ON customers
    REFERENCING OLD TABLE AS counted_old
    FOR EACH STATEMENT EXECUTE FUNCTION customer_counts_deleted();
CREATE TRIGGER customers_counted_update AFTER UPDATE ON customers
    REFERENCING OLD TABLE AS counted_old NEW TABLE AS counted_new
    FOR EACH STATEMENT EXECUTE FUNCTION customer_counts_updated();

INSERT INTO customer_counts (tenant_id, status, n)
SELECT tenant_id, status, count(*) FROM customers GROUP BY tenant_id, status;
