ALTER TABLE addresses DROP COLUMN extra;
DROP TABLE login_links;
DROP TABLE bank_accounts;
DROP INDEX customers_deleted_idx;
DROP INDEX customers_blocked_idx;
DROP INDEX customers_updated_idx;
ALTER TABLE customers DROP COLUMN deleted_at;
ALTER TABLE customers DROP COLUMN blocked_at;
DROP TABLE account_settings;
