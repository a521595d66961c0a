-- Lockout after repeated failed logins: the count since the last successful login, and
-- until when logins are refused.
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until TIMESTAMP;
