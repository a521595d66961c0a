CREATE OR REPLACE FUNCTION customer_counts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
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
