DROP TRIGGER users_row_version;
DROP TRIGGER customers_row_version;
ALTER TABLE users DROP COLUMN row_version;
ALTER TABLE customers DROP COLUMN row_version;
