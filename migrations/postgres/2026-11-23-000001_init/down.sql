DROP TABLE custom_attributes;
DROP TABLE payment_instruments;
DROP TABLE cost_centers;
DROP TABLE addresses;
DROP TABLE users;
DROP TABLE customers;
DROP TABLE tenants;
