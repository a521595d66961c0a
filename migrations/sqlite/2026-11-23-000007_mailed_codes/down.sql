DELETE FROM mailed_codes WHERE purpose <> 'password_reset';
ALTER TABLE mailed_codes DROP COLUMN sync_contact_email;
ALTER TABLE mailed_codes DROP COLUMN new_email;
ALTER TABLE mailed_codes DROP COLUMN purpose;
ALTER TABLE mailed_codes RENAME TO password_resets;
ALTER TABLE tenants DROP COLUMN double_opt_in;
