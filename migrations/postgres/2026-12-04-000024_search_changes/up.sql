-- Back-office searches remember deep-page anchors and totals that hold for one state
-- of a tenant's customers (crates/store/src/search_memo.rs); that state is read off the
-- tenant's `customer_counts` rows. Besides moving customers between statuses,
-- an update now appends a row (with n = 0) when it changes any field searches filter or
-- sort on, so every such change is seen. Updates that change none of them (the lock
-- every customer write takes, most edits of users) append nothing.
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
        UNION ALL
        SELECT n.tenant_id, n.status, 0
          FROM counted_old o JOIN counted_new n ON n.id = o.id
         WHERE (o.number, o.company_name, o.kind, o.created_at, o.updated_at, o.search_login,
                o.search_email, o.search_first_name, o.search_last_name, o.user_active)
               IS DISTINCT FROM
               (n.number, n.company_name, n.kind, n.created_at, n.updated_at, n.search_login,
                n.search_email, n.search_first_name, n.search_last_name, n.user_active)
    ) changed
    GROUP BY tenant_id, status;
    RETURN NULL;
END $$;
