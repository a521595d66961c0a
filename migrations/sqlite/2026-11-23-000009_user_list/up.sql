-- The user list of a company sorts by names; an index in that order.
CREATE INDEX users_customer_name_idx ON users (tenant_id, customer_id, last_name, first_name, login_key);
