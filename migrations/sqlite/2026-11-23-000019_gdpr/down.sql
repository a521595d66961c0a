DROP TABLE erasures;
DROP TABLE customer_balances;
DROP TABLE invoices;
DROP TABLE orders;
