-- The company user list reads its pages off these indexes, in the orders it offers
-- (NULL names first ascending, as SQLite sorts them): `name`/`lastName`, `firstName`
-- and `login`. INCLUDE (id) lets the page's ids come from the index alone.
DROP INDEX users_customer_name_idx;
CREATE INDEX users_customer_name_idx
    ON users (tenant_id, customer_id, last_name NULLS FIRST, first_name NULLS FIRST, login_key) INCLUDE (id);
CREATE INDEX users_customer_first_name_idx
    ON users (tenant_id, customer_id, first_name NULLS FIRST, last_name NULLS FIRST, login_key) INCLUDE (id);
CREATE INDEX users_customer_login_idx ON users (tenant_id, customer_id, login_key) INCLUDE (id);
