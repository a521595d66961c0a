CREATE INDEX users_email_lower_idx ON users (tenant_id, lower(email));
CREATE INDEX users_last_name_lower_idx ON users (tenant_id, lower(last_name));
CREATE INDEX users_first_name_lower_idx ON users (tenant_id, lower(first_name));
CREATE INDEX users_email_trgm_idx ON users USING gin (lower(email) public.gin_trgm_ops);
CREATE INDEX users_last_name_trgm_idx ON users USING gin (lower(last_name) public.gin_trgm_ops);
CREATE INDEX users_first_name_trgm_idx ON users USING gin (lower(first_name) public.gin_trgm_ops);
DROP TRIGGER users_searched_delete ON users;
DROP TRIGGER users_searched_update ON users;
DROP TRIGGER users_searched_insert ON users;
DROP FUNCTION customer_search_users_deleted();
DROP FUNCTION customer_search_user_updated();
DROP FUNCTION customer_search_users_inserted();
ALTER TABLE customers
    DROP COLUMN primary_user_id,
    DROP COLUMN search_login,
    DROP COLUMN search_email,
    DROP COLUMN search_first_name,
    DROP COLUMN search_last_name,
    DROP COLUMN user_active;
