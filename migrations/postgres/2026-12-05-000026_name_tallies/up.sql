-- How many live customers of a tenant carry each first name, last name and company name
-- (as searches compare them: the lower-case search copies, `lower(company_name)`), so a
-- back-office search for a name substring counts its matches per distinct name instead
-- of per customer (crates/store/src/name_tallies.rs). As with `customer_counts`, each
-- statement that adds, removes or renames live customers appends change rows (one per
-- tenant, field and name it changes; no row is ever updated); a name's count is the sum
-- of its rows. Rows are deleted only under the tenant's tally lock: by folds of the
-- names a search reads, and here, when no live customer carries a name any more (an
-- erasure or a rename must not leave the old name behind). No foreign key: deleting a
-- tenant must not fail on its tallies.
CREATE TABLE customer_name_tallies (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL,
    field text NOT NULL,
    name text NOT NULL,
    n bigint NOT NULL
);
CREATE INDEX customer_name_tallies_name_trgm_idx ON customer_name_tallies USING gin (name public.gin_trgm_ops);
CREATE INDEX customer_name_tallies_tenant_idx ON customer_name_tallies (tenant_id, field, name) INCLUDE (n);

-- The tenant's tally lock, held to the end of the transaction: whoever deletes tally
-- rows holds it, so a set of rows summed is still there when it is deleted (writers
-- that only append never take it). Folds try it and skip when it is taken. (Tenants
-- whose ids differ by a multiple of 2^31 - 1 share it, which only makes them wait.)
CREATE FUNCTION customer_name_tallies_lock(tenant bigint) RETURNS void LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(1952541804, (tenant % 2147483647)::integer)
$$;
CREATE FUNCTION customer_name_tallies_try_lock(tenant bigint) RETURNS boolean LANGUAGE sql AS $$
    SELECT pg_try_advisory_xact_lock(1952541804, (tenant % 2147483647)::integer)
$$;

-- The names a customer row is tallied under while it is live.
CREATE FUNCTION customer_tallied_names(c customers) RETURNS TABLE (field text, name text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT v.field, v.name
      FROM (VALUES ('first', c.search_first_name), ('last', c.search_last_name),
                   ('company', lower(c.company_name))) AS v(field, name)
     WHERE c.status <> 'deleted' AND v.name IS NOT NULL
$$;

-- Whether an update changes what a customer row is tallied under.
CREATE FUNCTION customer_tallies_moved(o customers, n customers) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT (o.tenant_id, o.status = 'deleted', o.search_first_name, o.search_last_name, lower(o.company_name))
           IS DISTINCT FROM
           (n.tenant_id, n.status = 'deleted', n.search_first_name, n.search_last_name, lower(n.company_name))
$$;

CREATE FUNCTION customer_name_tallies_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customer_name_tallies (tenant_id, field, name, n)
    SELECT c.tenant_id, t.field, t.name, count(*)
      FROM tallied_new c, customer_tallied_names(c) t
     GROUP BY c.tenant_id, t.field, t.name;
    RETURN NULL;
END $$;

CREATE FUNCTION customer_name_tallies_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customer_name_tallies (tenant_id, field, name, n)
    SELECT c.tenant_id, t.field, t.name, -count(*)
      FROM tallied_old c, customer_tallied_names(c) t
     GROUP BY c.tenant_id, t.field, t.name;
    PERFORM customer_name_tallies_lock(tenant_id)
       FROM (SELECT DISTINCT c.tenant_id FROM tallied_old c, customer_tallied_names(c) t ORDER BY 1) lowered;
    DELETE FROM customer_name_tallies k
     USING (SELECT s.tenant_id, s.field, s.name
              FROM customer_name_tallies s
              JOIN (SELECT DISTINCT c.tenant_id, t.field, t.name
                      FROM tallied_old c, customer_tallied_names(c) t) lowered
                ON (s.tenant_id, s.field, s.name) = (lowered.tenant_id, lowered.field, lowered.name)
             GROUP BY 1, 2, 3 HAVING sum(s.n) = 0) gone
     WHERE (k.tenant_id, k.field, k.name) = (gone.tenant_id, gone.field, gone.name);
    RETURN NULL;
END $$;

-- Only rows whose tenant, liveness or names change are looked at (most updates change
-- none: the row lock every customer write takes, edits of other fields); a name that
-- leaves and comes back within the statement nets out.
CREATE FUNCTION customer_name_tallies_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM tallied_old o JOIN tallied_new n ON n.id = o.id
                    WHERE customer_tallies_moved(o, n)) THEN
        RETURN NULL;
    END IF;
    INSERT INTO customer_name_tallies (tenant_id, field, name, n)
    SELECT tenant_id, field, name, sum(d) FROM (
        SELECT o.tenant_id, t.field, t.name, -1 AS d
          FROM tallied_old o JOIN tallied_new n ON n.id = o.id, customer_tallied_names(o) t
         WHERE customer_tallies_moved(o, n)
        UNION ALL
        SELECT n.tenant_id, t.field, t.name, 1
          FROM tallied_old o JOIN tallied_new n ON n.id = o.id, customer_tallied_names(n) t
         WHERE customer_tallies_moved(o, n)
    ) changed
    GROUP BY tenant_id, field, name
    HAVING sum(d) <> 0;
    PERFORM customer_name_tallies_lock(tenant_id)
       FROM (SELECT DISTINCT o.tenant_id
               FROM tallied_old o JOIN tallied_new n ON n.id = o.id, customer_tallied_names(o) t
              WHERE customer_tallies_moved(o, n) ORDER BY 1) lowered;
    DELETE FROM customer_name_tallies k
     USING (SELECT s.tenant_id, s.field, s.name
              FROM customer_name_tallies s
              JOIN (SELECT DISTINCT o.tenant_id, t.field, t.name
                      FROM tallied_old o JOIN tallied_new n ON n.id = o.id, customer_tallied_names(o) t
                     WHERE customer_tallies_moved(o, n)) lowered
                ON (s.tenant_id, s.field, s.name) = (lowered.tenant_id, lowered.field, lowered.name)
             GROUP BY 1, 2, 3 HAVING sum(s.n) = 0) gone
     WHERE (k.tenant_id, k.field, k.name) = (gone.tenant_id, gone.field, gone.name);
    RETURN NULL;
END $$;

CREATE TRIGGER customers_tallied_insert AFTER INSERT ON customers
    REFERENCING NEW TABLE AS tallied_new
    FOR EACH STATEMENT EXECUTE FUNCTION customer_name_tallies_inserted();
CREATE TRIGGER customers_tallied_delete AFTER DELETE ON customers
    REFERENCING OLD TABLE AS tallied_old
    FOR EACH STATEMENT EXECUTE FUNCTION customer_name_tallies_deleted();
CREATE TRIGGER customers_tallied_update AFTER UPDATE ON customers
    REFERENCING OLD TABLE AS tallied_old NEW TABLE AS tallied_new
    FOR EACH STATEMENT EXECUTE FUNCTION customer_name_tallies_updated();

INSERT INTO customer_name_tallies (tenant_id, field, name, n)
SELECT c.tenant_id, t.field, t.name, count(*)
  FROM customers c, customer_tallied_names(c) t
 GROUP BY c.tenant_id, t.field, t.name;
