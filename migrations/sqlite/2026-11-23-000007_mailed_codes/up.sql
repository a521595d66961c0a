-- Double opt-in per tenant; password-reset codes become mailed one-time codes of
-- three purposes (password reset, sign-up opt-in, e-mail change).
ALTER TABLE tenants ADD COLUMN double_opt_in BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE password_resets RENAME TO mailed_codes;
ALTER TABLE mailed_codes ADD COLUMN purpose TEXT NOT NULL DEFAULT 'password_reset';
-- E-mail change: the address to switch to, and whether the contact address follows.
ALTER TABLE mailed_codes ADD COLUMN new_email TEXT;
ALTER TABLE mailed_codes ADD COLUMN sync_contact_email BOOLEAN NOT NULL DEFAULT FALSE;
