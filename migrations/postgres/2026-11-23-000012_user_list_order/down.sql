DROP INDEX users_customer_login_idx;
DROP INDEX users_customer_first_name_idx;
DROP INDEX users_customer_name_idx;
CREATE INDEX users_customer_name_idx ON users (tenant_id, customer_id, last_name, first_name, login_key);
