-- Every customer and user row carries a version the database bumps on each update,
-- whoever writes it (this service, another instance, a script). Token-authenticated
-- reads use the pair to know whether the account they read before is still current
-- (crates/store/src/account_cache.rs). Unlike `version`, which counts the edits a
-- client can see (ETags, optimistic locking), this counts every write of the row.
ALTER TABLE customers ADD COLUMN row_version bigint NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN row_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION bump_row_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.row_version := OLD.row_version + 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER customers_row_version BEFORE UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION bump_row_version();
CREATE TRIGGER users_row_version BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION bump_row_version();
