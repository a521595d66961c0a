DROP INDEX users_customer_name_idx;
