DROP TABLE password_migrations;
ALTER TABLE users DROP COLUMN legacy_auth;
