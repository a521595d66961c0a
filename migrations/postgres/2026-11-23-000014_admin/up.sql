-- Back-office administration (ICM 11 admin API): the ids customers and users have in
-- the systems that feed them, and custom-attribute values typed as ICM 11 types them.
ALTER TABLE customers ADD COLUMN external_id text;
ALTER TABLE customers ADD COLUMN external_urn text;
ALTER TABLE users ADD COLUMN external_id text;
ALTER TABLE users ADD COLUMN external_urn text;

-- Until now nothing wrote custom attributes; the old lower-case kinds map onto the
-- ICM type names (a 'multiple' could only have held strings for the dialects so far).
ALTER TABLE custom_attributes DROP CONSTRAINT custom_attributes_value_type_check;
UPDATE custom_attributes SET value_type = CASE value_type
    WHEN 'string' THEN 'String' WHEN 'integer' THEN 'Long' WHEN 'decimal' THEN 'Decimal'
    WHEN 'boolean' THEN 'Boolean' WHEN 'date' THEN 'Date' ELSE 'MultipleString' END;
ALTER TABLE custom_attributes ADD CONSTRAINT custom_attributes_value_type_check CHECK (value_type IN (
    'Boolean', 'Date', 'Decimal', 'Double', 'Integer', 'Long', 'Money', 'Quantity', 'String', 'Text',
    'MultipleBoolean', 'MultipleDate', 'MultipleDecimal', 'MultipleDouble', 'MultipleInteger',
    'MultipleLong', 'MultipleString'));
