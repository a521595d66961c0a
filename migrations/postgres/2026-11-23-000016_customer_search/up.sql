-- Back-office customer search (Emporix `q`, `sort`): exact and substring matches that
-- ignore case on e-mail, names and company, and creation-ordered paging. Substring
-- search (`~`) uses trigram indexes (pg_trgm, a trusted extension since PostgreSQL 13,
-- kept in `public` so every schema of the database can use it).
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX users_email_lower_idx ON users (tenant_id, lower(email));
CREATE INDEX users_last_name_lower_idx ON users (tenant_id, lower(last_name));
CREATE INDEX users_first_name_lower_idx ON users (tenant_id, lower(first_name));
CREATE INDEX users_email_trgm_idx ON users USING gin (lower(email) public.gin_trgm_ops);
CREATE INDEX users_last_name_trgm_idx ON users USING gin (lower(last_name) public.gin_trgm_ops);
CREATE INDEX users_first_name_trgm_idx ON users USING gin (lower(first_name) public.gin_trgm_ops);
CREATE INDEX customers_company_lower_idx ON customers (tenant_id, lower(company_name));
CREATE INDEX customers_company_trgm_idx ON customers USING gin (lower(company_name) public.gin_trgm_ops);
CREATE INDEX customers_created_idx ON customers (tenant_id, created_at, id);
