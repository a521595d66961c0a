-- Every customer and user row carries a version the database bumps on each update,
-- whoever writes it (this service, another process, a script). Token-authenticated
-- reads use the pair to know whether the account they read before is still current
-- (crates/store/src/account_cache.rs). Unlike `version`, which counts the edits a
-- client can see (ETags, optimistic locking), this counts every write of the row.
-- The inner UPDATE does not run the trigger again (recursive triggers are off, and
-- its WHEN no longer holds).
ALTER TABLE customers ADD COLUMN row_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN row_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER customers_row_version AFTER UPDATE ON customers
    FOR EACH ROW WHEN NEW.row_version = OLD.row_version
BEGIN
    UPDATE customers SET row_version = OLD.row_version + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER users_row_version AFTER UPDATE ON users
    FOR EACH ROW WHEN NEW.row_version = OLD.row_version
BEGIN
    UPDATE users SET row_version = OLD.row_version + 1 WHERE id = NEW.id;
END;
