-- Back-office search (Emporix `q` and `sort`) on one table: each customer carries the
-- searchable fields of its primary (first) user, in lower case, so filters, sorts and
-- deep pages read the customers' indexes alone instead of joining every customer with
-- its users. Triggers on users keep the copy; nothing else writes these columns.
ALTER TABLE customers ADD COLUMN primary_user_id bigint;
ALTER TABLE customers ADD COLUMN search_login text;
ALTER TABLE customers ADD COLUMN search_email text;
ALTER TABLE customers ADD COLUMN search_first_name text;
ALTER TABLE customers ADD COLUMN search_last_name text;
ALTER TABLE customers ADD COLUMN user_active boolean;

-- A customer's first user becomes its primary user when it has none or a later one.
CREATE TRIGGER users_searched_insert AFTER INSERT ON users
BEGIN
    UPDATE customers
       SET primary_user_id = NEW.id, search_login = NEW.login_key, search_email = lower(NEW.email),
           search_first_name = lower(NEW.first_name), search_last_name = lower(NEW.last_name),
           user_active = NEW.active
     WHERE id = NEW.customer_id AND (primary_user_id IS NULL OR primary_user_id > NEW.id);
END;

-- A primary user's changed fields are copied.
CREATE TRIGGER users_searched_update AFTER UPDATE OF login_key, email, first_name, last_name, active ON users
    WHEN OLD.login_key IS NOT NEW.login_key OR OLD.email IS NOT NEW.email OR OLD.first_name IS NOT NEW.first_name
      OR OLD.last_name IS NOT NEW.last_name OR OLD.active IS NOT NEW.active
BEGIN
    UPDATE customers
       SET search_login = NEW.login_key, search_email = lower(NEW.email),
           search_first_name = lower(NEW.first_name), search_last_name = lower(NEW.last_name),
           user_active = NEW.active
     WHERE id = NEW.customer_id AND primary_user_id = NEW.id;
END;

-- When a primary user goes, the next user (by id) takes its place, or nothing.
CREATE TRIGGER users_searched_delete AFTER DELETE ON users
BEGIN
    UPDATE customers
       SET (primary_user_id, search_login, search_email, search_first_name, search_last_name, user_active) =
           (SELECT u.id, u.login_key, lower(u.email), lower(u.first_name), lower(u.last_name), u.active
              FROM users u WHERE u.tenant_id = OLD.tenant_id AND u.customer_id = OLD.customer_id ORDER BY u.id LIMIT 1)
     WHERE id = OLD.customer_id AND primary_user_id = OLD.id;
END;

UPDATE customers
   SET (primary_user_id, search_login, search_email, search_first_name, search_last_name, user_active) =
       (SELECT u.id, u.login_key, lower(u.email), lower(u.first_name), lower(u.last_name), u.active
          FROM users u WHERE u.tenant_id = customers.tenant_id AND u.customer_id = customers.id ORDER BY u.id LIMIT 1);

-- Live customers in creation order, and by each searchable field: pages are found on
-- these indexes, then only the page's rows are read. The predicate is written as the
-- store writes it (`status <> 'deleted'`, a literal) so the partial indexes apply.
CREATE INDEX customers_live_idx ON customers (tenant_id, id) WHERE status <> 'deleted';
CREATE INDEX customers_login_search_idx ON customers (tenant_id, search_login, id) WHERE status <> 'deleted';
CREATE INDEX customers_email_search_idx ON customers (tenant_id, search_email, id) WHERE status <> 'deleted';
CREATE INDEX customers_first_name_search_idx ON customers (tenant_id, search_first_name, id) WHERE status <> 'deleted';
CREATE INDEX customers_last_name_search_idx ON customers (tenant_id, search_last_name, id) WHERE status <> 'deleted';

-- The users' own search indexes served only the search's join.
DROP INDEX users_email_lower_idx;
DROP INDEX users_last_name_lower_idx;
DROP INDEX users_first_name_lower_idx;
