-- Back-office administration (ICM 11 admin API): the ids customers and users have in
-- the systems that feed them, and custom-attribute values typed as ICM 11 types them.
ALTER TABLE customers ADD COLUMN external_id text;
ALTER TABLE customers ADD COLUMN external_urn text;
ALTER TABLE users ADD COLUMN external_id text;
ALTER TABLE users ADD COLUMN external_urn text;

-- SQLite cannot change a CHECK constraint: the table is rebuilt. Until now nothing
-- wrote custom attributes; the old lower-case kinds map onto the ICM type names.
CREATE TABLE custom_attributes_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    customer_id bigint REFERENCES customers (id) ON DELETE CASCADE,
    user_id bigint REFERENCES users (id) ON DELETE CASCADE,
    address_id bigint REFERENCES addresses (id) ON DELETE CASCADE,
    name text NOT NULL,
    value_type text NOT NULL,
    value text NOT NULL,
    CONSTRAINT custom_attributes_one_owner_check CHECK (
        (customer_id IS NOT NULL) + (user_id IS NOT NULL) + (address_id IS NOT NULL) = 1
    ),
    CONSTRAINT custom_attributes_value_type_check CHECK (value_type IN (
        'Boolean', 'Date', 'Decimal', 'Double', 'Integer', 'Long', 'Money', 'Quantity', 'String', 'Text',
        'MultipleBoolean', 'MultipleDate', 'MultipleDecimal', 'MultipleDouble', 'MultipleInteger',
        'MultipleLong', 'MultipleString'))
);
INSERT INTO custom_attributes_new (id, tenant_id, customer_id, user_id, address_id, name, value_type, value)
SELECT id, tenant_id, customer_id, user_id, address_id, name, CASE value_type
    WHEN 'string' THEN 'String' WHEN 'integer' THEN 'Long' WHEN 'decimal' THEN 'Decimal'
    WHEN 'boolean' THEN 'Boolean' WHEN 'date' THEN 'Date' ELSE 'MultipleString' END, value
FROM custom_attributes;
DROP TABLE custom_attributes;
ALTER TABLE custom_attributes_new RENAME TO custom_attributes;
CREATE UNIQUE INDEX custom_attributes_customer_name_key ON custom_attributes (customer_id, name);
CREATE UNIQUE INDEX custom_attributes_user_name_key ON custom_attributes (user_id, name);
CREATE UNIQUE INDEX custom_attributes_address_name_key ON custom_attributes (address_id, name);
