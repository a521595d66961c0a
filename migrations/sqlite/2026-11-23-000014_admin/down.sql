DELETE FROM custom_attributes;
ALTER TABLE users DROP COLUMN external_urn;
ALTER TABLE users DROP COLUMN external_id;
ALTER TABLE customers DROP COLUMN external_urn;
ALTER TABLE customers DROP COLUMN external_id;
