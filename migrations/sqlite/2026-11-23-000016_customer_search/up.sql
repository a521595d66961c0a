-- Back-office customer search (Emporix `q`, `sort`): exact matches that ignore case on
-- e-mail, names and company, and creation-ordered paging. (Substring search scans on
-- SQLite; PostgreSQL has trigram indexes for it.)
CREATE INDEX users_email_lower_idx ON users (tenant_id, lower(email));
CREATE INDEX users_last_name_lower_idx ON users (tenant_id, lower(last_name));
CREATE INDEX users_first_name_lower_idx ON users (tenant_id, lower(first_name));
CREATE INDEX customers_company_lower_idx ON customers (tenant_id, lower(company_name));
CREATE INDEX customers_created_idx ON customers (tenant_id, created_at, id);
