-- The user list of a company sorts by names: byte order on both backends (as SQLite
-- sorts), whatever the database's locale, and an index in that order.
ALTER TABLE users ALTER COLUMN first_name TYPE text COLLATE "C";
ALTER TABLE users ALTER COLUMN last_name TYPE text COLLATE "C";
CREATE INDEX users_customer_name_idx ON users (tenant_id, customer_id, last_name, first_name, login_key);
