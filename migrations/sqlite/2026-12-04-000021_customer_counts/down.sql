DROP TRIGGER customers_counted_update;
DROP TRIGGER customers_counted_delete;
DROP TRIGGER customers_counted_insert;
DROP TABLE customer_counts;
