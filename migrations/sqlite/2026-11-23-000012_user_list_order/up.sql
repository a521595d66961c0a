-- The company user list reads its pages off these indexes, in the orders it offers
-- (SQLite sorts NULL first ascending): `name`/`lastName` (users_customer_name_idx),
-- `firstName` and `login`. Every SQLite index carries the rowid (id).
CREATE INDEX users_customer_first_name_idx ON users (tenant_id, customer_id, first_name, last_name, login_key);
CREATE INDEX users_customer_login_idx ON users (tenant_id, customer_id, login_key);
