-- Back-office search (Emporix `q` and `sort`) on one table: each customer carries the
-- searchable fields of its primary (first) user, in lower case, so filters, sorts and
-- deep pages read the customers' indexes alone instead of joining every customer with
-- its users. Triggers on users keep the copy (inserts and deletions one UPDATE per
-- statement, so a multi-row insert updates its customers at once); nothing else writes
-- these columns.
ALTER TABLE customers
    ADD COLUMN primary_user_id bigint,
    ADD COLUMN search_login text,
    ADD COLUMN search_email text,
    ADD COLUMN search_first_name text,
    ADD COLUMN search_last_name text,
    ADD COLUMN user_active boolean;

-- Of the users a statement adds, each customer's first becomes its primary user when
-- the customer has none or a later one.
CREATE FUNCTION customer_search_users_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE customers c
       SET primary_user_id = n.id, search_login = n.login_key, search_email = lower(n.email),
           search_first_name = lower(n.first_name), search_last_name = lower(n.last_name),
           user_active = n.active
      FROM (SELECT DISTINCT ON (customer_id) * FROM search_new ORDER BY customer_id, id) n
     WHERE c.id = n.customer_id AND (c.primary_user_id IS NULL OR c.primary_user_id > n.id);
    RETURN NULL;
END $$;

-- A primary user's changed fields are copied. Row by row, and only when one of them
-- changed: logins and other edits of a user do not run it.
CREATE FUNCTION customer_search_user_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE customers
       SET search_login = NEW.login_key, search_email = lower(NEW.email),
           search_first_name = lower(NEW.first_name), search_last_name = lower(NEW.last_name),
           user_active = NEW.active
     WHERE id = NEW.customer_id AND primary_user_id = NEW.id;
    RETURN NULL;
END $$;

-- When a primary user goes, the next user (by id) takes its place, or nothing.
CREATE FUNCTION customer_search_users_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE customers c
       SET (primary_user_id, search_login, search_email, search_first_name, search_last_name, user_active) =
           (SELECT u.id, u.login_key, lower(u.email), lower(u.first_name), lower(u.last_name), u.active
              FROM users u WHERE u.tenant_id = c.tenant_id AND u.customer_id = c.id ORDER BY u.id LIMIT 1)
     WHERE c.id IN (SELECT customer_id FROM search_old) AND c.primary_user_id IN (SELECT id FROM search_old);
    RETURN NULL;
END $$;

CREATE TRIGGER users_searched_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS search_new
    FOR EACH STATEMENT EXECUTE FUNCTION customer_search_users_inserted();
CREATE TRIGGER users_searched_update AFTER UPDATE OF login_key, email, first_name, last_name, active ON users
    FOR EACH ROW
    WHEN (OLD.login_key IS DISTINCT FROM NEW.login_key OR OLD.email IS DISTINCT FROM NEW.email
          OR OLD.first_name IS DISTINCT FROM NEW.first_name OR OLD.last_name IS DISTINCT FROM NEW.last_name
          OR OLD.active IS DISTINCT FROM NEW.active)
    EXECUTE FUNCTION customer_search_user_updated();
CREATE TRIGGER users_searched_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS search_old
    FOR EACH STATEMENT EXECUTE FUNCTION customer_search_users_deleted();

UPDATE customers c
   SET primary_user_id = u.id, search_login = u.login_key, search_email = lower(u.email),
       search_first_name = lower(u.first_name), search_last_name = lower(u.last_name), user_active = u.active
  FROM (SELECT DISTINCT ON (customer_id) * FROM users ORDER BY customer_id, id) u
 WHERE c.id = u.customer_id;

-- Live customers in creation order, and by each searchable field: pages are found on
-- these indexes alone (index-only), then only the page's rows are read. The predicate
-- is written as the store writes it (`status <> 'deleted'`, a literal) so both backends
-- can use the partial indexes.
CREATE INDEX customers_live_idx ON customers (tenant_id, id) WHERE status <> 'deleted';
CREATE INDEX customers_login_search_idx ON customers (tenant_id, search_login, id) WHERE status <> 'deleted';
CREATE INDEX customers_email_search_idx ON customers (tenant_id, search_email, id) WHERE status <> 'deleted';
CREATE INDEX customers_first_name_search_idx ON customers (tenant_id, search_first_name, id) WHERE status <> 'deleted';
CREATE INDEX customers_last_name_search_idx ON customers (tenant_id, search_last_name, id) WHERE status <> 'deleted';
CREATE INDEX customers_email_trgm_idx ON customers USING gin (search_email public.gin_trgm_ops);
CREATE INDEX customers_first_name_trgm_idx ON customers USING gin (search_first_name public.gin_trgm_ops);
CREATE INDEX customers_last_name_trgm_idx ON customers USING gin (search_last_name public.gin_trgm_ops);

-- The users' own search indexes served only the search's join.
DROP INDEX users_email_lower_idx;
DROP INDEX users_last_name_lower_idx;
DROP INDEX users_first_name_lower_idx;
DROP INDEX users_email_trgm_idx;
DROP INDEX users_last_name_trgm_idx;
DROP INDEX users_first_name_trgm_idx;
