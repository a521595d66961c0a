DROP INDEX users_customer_name_idx;
ALTER TABLE users ALTER COLUMN last_name TYPE text COLLATE "default";
ALTER TABLE users ALTER COLUMN first_name TYPE text COLLATE "default";
