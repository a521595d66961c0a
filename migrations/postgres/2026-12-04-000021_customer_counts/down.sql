DROP TRIGGER customers_counted_update ON customers;
DROP TRIGGER customers_counted_delete ON customers;
DROP TRIGGER customers_counted_insert ON customers;
DROP FUNCTION customer_counts_updated();
DROP FUNCTION customer_counts_deleted();
DROP FUNCTION customer_counts_inserted();
DROP TABLE customer_counts;
