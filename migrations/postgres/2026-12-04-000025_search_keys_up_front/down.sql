CREATE OR REPLACE FUNCTION customer_search_users_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE customers c
       SET primary_user_id = n.id, search_login = n.login_key, search_email = lower(n.email),
           search_first_name = lower(n.first_name), search_last_name = lower(n.last_name),
           user_active = n.active
      FROM (SELECT DISTINCT ON (customer_id) * FROM search_new ORDER BY customer_id, id) n
     WHERE c.id = n.customer_id AND (c.primary_user_id IS NULL OR c.primary_user_id > n.id);
    RETURN NULL;
END $$;

ALTER TABLE users ALTER COLUMN id SET GENERATED ALWAYS;
