DROP INDEX customers_created_idx;
DROP INDEX customers_company_lower_idx;
DROP INDEX users_first_name_lower_idx;
DROP INDEX users_last_name_lower_idx;
DROP INDEX users_email_lower_idx;
