DROP TRIGGER users_row_version ON users;
DROP TRIGGER customers_row_version ON customers;
DROP FUNCTION bump_row_version();
ALTER TABLE users DROP COLUMN row_version;
ALTER TABLE customers DROP COLUMN row_version;
