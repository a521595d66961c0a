ALTER TABLE custom_attributes DROP CONSTRAINT custom_attributes_value_type_check;
DELETE FROM custom_attributes;
ALTER TABLE custom_attributes ADD CONSTRAINT custom_attributes_value_type_check
    CHECK (value_type IN ('string', 'integer', 'decimal', 'boolean', 'date', 'multiple'));
ALTER TABLE users DROP COLUMN external_urn;
ALTER TABLE users DROP COLUMN external_id;
ALTER TABLE customers DROP COLUMN external_urn;
ALTER TABLE customers DROP COLUMN external_id;
