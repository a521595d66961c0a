//! The tables of migrations/{postgres,sqlite}, written by hand so one definition
//! serves both backends (Diesel's generated schema would differ per backend).

diesel::table! {
    tenants (id) {
        id -> BigInt,
        name -> Text,
        customer_number_pattern -> Text,
        customer_seq -> BigInt,
        created_at -> Timestamp,
        double_opt_in -> Bool,
        time_zone -> Text,
    }
}

diesel::table! {
    customers (id) {
        id -> BigInt,
        public_id -> Text,
        tenant_id -> BigInt,
        number -> Text,
        kind -> Text,
        company_name -> Nullable<Text>,
        company_name2 -> Nullable<Text>,
        tax_id -> Nullable<Text>,
        industry -> Nullable<Text>,
        description -> Nullable<Text>,
        status -> Text,
        custom -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        external_id -> Nullable<Text>,
        external_urn -> Nullable<Text>,
        blocked_at -> Timestamp,
        deleted_at -> Timestamp,
        /// The first user and its searchable fields in lower case, kept by triggers
        /// on users (migration 000022) for back-office search; read-only here.
        primary_user_id -> Nullable<BigInt>,
        search_login -> Nullable<Text>,
        search_email -> Nullable<Text>,
        search_first_name -> Nullable<Text>,
        search_last_name -> Nullable<Text>,
        user_active -> Nullable<Bool>,
        /// Bumped by the database on every update of the row (migration 000023).
        row_version -> BigInt,
    }
}

diesel::table! {
    /// Customers per tenant and status, kept by triggers (migration 000021): the
    /// count is the sum of `n` (PostgreSQL appends change rows; SQLite keeps one row).
    customer_counts (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        status -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    /// Live customers per tenant and first, last or company name as searches compare
    /// them, kept by triggers (migration 000026, PostgreSQL only): a name's count is the
    /// sum of its change rows' `n`.
    customer_name_tallies (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        field -> Text,
        name -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        public_id -> Text,
        tenant_id -> BigInt,
        customer_id -> BigInt,
        login -> Text,
        login_key -> Text,
        email -> Text,
        password_hash -> Nullable<Text>,
        title -> Nullable<Text>,
        salutation -> Nullable<Text>,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        phone_home -> Nullable<Text>,
        phone_mobile -> Nullable<Text>,
        phone_business -> Nullable<Text>,
        fax -> Nullable<Text>,
        birthday -> Nullable<Date>,
        preferred_language -> Nullable<Text>,
        preferred_currency -> Nullable<Text>,
        roles -> Text,
        active -> Bool,
        email_verification -> SmallInt,
        newsletter -> Bool,
        newsletter_changed_at -> Nullable<Timestamp>,
        first_login_at -> Nullable<Timestamp>,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        budget_currency -> Nullable<Text>,
        order_spent_limit -> Nullable<BigInt>,
        budget -> Nullable<BigInt>,
        budget_period -> Nullable<Text>,
        external_id -> Nullable<Text>,
        external_urn -> Nullable<Text>,
        legacy_auth -> Nullable<Text>,
        /// Bumped by the database on every update of the row (migration 000023).
        row_version -> BigInt,
    }
}

diesel::table! {
    password_migrations (tenant_id) {
        tenant_id -> BigInt,
        retention_end -> Date,
        reminder_date -> Date,
        notifications -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    addresses (id) {
        id -> BigInt,
        public_id -> Text,
        tenant_id -> BigInt,
        customer_id -> BigInt,
        name -> Nullable<Text>,
        title -> Nullable<Text>,
        salutation -> Nullable<Text>,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        company_name -> Nullable<Text>,
        company_name2 -> Nullable<Text>,
        street1 -> Text,
        street2 -> Nullable<Text>,
        street3 -> Nullable<Text>,
        post_box -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        city -> Text,
        region_code -> Nullable<Text>,
        region_name -> Nullable<Text>,
        country -> Text,
        phone_home -> Nullable<Text>,
        phone_mobile -> Nullable<Text>,
        phone_business -> Nullable<Text>,
        fax -> Nullable<Text>,
        email -> Nullable<Text>,
        usage_invoice -> Bool,
        usage_shipping -> Bool,
        preferred_invoice -> Bool,
        preferred_shipping -> Bool,
        tags -> Text,
        labels -> Text,
        external_id -> Nullable<Text>,
        custom -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        extra -> Text,
    }
}

diesel::table! {
    cost_centers (id) {
        id -> BigInt,
        public_id -> Text,
        tenant_id -> BigInt,
        customer_id -> BigInt,
        code -> Text,
        name -> Text,
        owner_user_id -> Nullable<BigInt>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        budget -> BigInt,
        currency -> Text,
        budget_period -> Text,
    }
}

diesel::table! {
    cost_center_buyers (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        cost_center_id -> BigInt,
        user_id -> BigInt,
        budget -> Nullable<BigInt>,
        budget_period -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    payment_instruments (id) {
        id -> BigInt,
        public_id -> Text,
        tenant_id -> BigInt,
        customer_id -> BigInt,
        user_id -> Nullable<BigInt>,
        method -> Text,
        display -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        key_id -> Nullable<Text>,
        sealed -> Nullable<Text>,
        gift_card_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    gift_cards (id) {
        id -> BigInt,
        public_id -> Text,
        tenant_id -> BigInt,
        number -> Text,
        pin_hash -> Text,
        currency -> Text,
        initial_amount -> BigInt,
        balance -> BigInt,
        valid_from -> Nullable<Timestamp>,
        valid_until -> Nullable<Timestamp>,
        blocked -> Bool,
        pin_failures -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    gift_card_entries (id) {
        id -> BigInt,
        gift_card_id -> BigInt,
        amount -> BigInt,
        balance_after -> BigInt,
        reason -> Text,
        idempotency_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    custom_attributes (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        customer_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        address_id -> Nullable<BigInt>,
        name -> Text,
        value_type -> Text,
        value -> Text,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        family -> Text,
        customer_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        access_digest -> Text,
        access_expires_at -> Timestamp,
        refresh_digest -> Text,
        refresh_expires_at -> Timestamp,
        created_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        kind -> Text,
        recipient -> Text,
        language -> Nullable<Text>,
        params -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    password_history (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        user_id -> BigInt,
        password_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mailed_codes (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        user_id -> BigInt,
        code_digest -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        purpose -> Text,
        new_email -> Nullable<Text>,
        sync_contact_email -> Bool,
    }
}

diesel::table! {
    deleted_records (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        kind -> Text,
        record_id -> BigInt,
        customer_id -> BigInt,
        deleted_at -> Timestamp,
    }
}

diesel::table! {
    api_clients (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        client_id -> Text,
        name -> Text,
        secret_digest -> Text,
        scopes -> Text,
        enabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_client_tokens (id) {
        id -> BigInt,
        client_id -> BigInt,
        digest -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    orders (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        customer_id -> BigInt,
        number -> Text,
        document -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        status -> Text,
        placed_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        amount -> Nullable<BigInt>,
        currency -> Nullable<Text>,
        buyer_id -> Nullable<BigInt>,
        cost_center_id -> Nullable<BigInt>,
        cost_center_code -> Nullable<Text>,
    }
}

diesel::table! {
    order_reports (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        idempotency_key -> Text,
        request -> Text,
        order_id -> BigInt,
        event -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    invoices (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        customer_id -> BigInt,
        number -> Text,
        document -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    customer_balances (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        customer_id -> BigInt,
        currency -> Text,
        document -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    erasures (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        customer_id -> BigInt,
        user_id -> Nullable<BigInt>,
        actor -> Text,
        request_id -> Nullable<Text>,
        counts -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(api_client_tokens -> api_clients (client_id));
diesel::joinable!(customers -> tenants (tenant_id));
diesel::table! {
    account_settings (customer_id) {
        customer_id -> BigInt,
        tenant_id -> BigInt,
        display_name -> Nullable<Text>,
        phone -> Nullable<Text>,
        main_subshop -> Nullable<Text>,
        all_subshops -> Bool,
        subshops -> Text,
        password_reset_required -> Bool,
        main_address_id -> Nullable<BigInt>,
        bill_address_id -> Nullable<BigInt>,
        delivery_address_id -> Nullable<BigInt>,
        changed_by -> Text,
        invited_at -> Nullable<Timestamp>,
        invitation_until -> Nullable<Timestamp>,
        invitation_clicked_at -> Nullable<Timestamp>,
        invited_by -> Nullable<BigInt>,
        reset_asked_at -> Nullable<Timestamp>,
        reset_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    bank_accounts (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        customer_id -> BigInt,
        key_id -> Text,
        sealed -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    login_links (id) {
        id -> BigInt,
        tenant_id -> BigInt,
        user_id -> BigInt,
        key_digest -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(users -> customers (customer_id));
diesel::joinable!(account_settings -> customers (customer_id));
diesel::joinable!(bank_accounts -> customers (customer_id));
diesel::joinable!(addresses -> customers (customer_id));
diesel::joinable!(cost_centers -> customers (customer_id));
diesel::joinable!(cost_centers -> users (owner_user_id));
diesel::joinable!(cost_center_buyers -> cost_centers (cost_center_id));
diesel::joinable!(cost_center_buyers -> users (user_id));
diesel::joinable!(payment_instruments -> customers (customer_id));
diesel::joinable!(payment_instruments -> users (user_id));
diesel::joinable!(payment_instruments -> gift_cards (gift_card_id));
diesel::joinable!(gift_card_entries -> gift_cards (gift_card_id));
diesel::joinable!(custom_attributes -> customers (customer_id));
diesel::joinable!(custom_attributes -> users (user_id));
diesel::joinable!(custom_attributes -> addresses (address_id));
diesel::joinable!(mail_outbox -> tenants (tenant_id));
diesel::joinable!(order_reports -> orders (order_id));
diesel::joinable!(orders -> users (buyer_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    account_settings,
    bank_accounts,
    login_links,
    api_clients,
    api_client_tokens,
    customers,
    users,
    addresses,
    cost_centers,
    cost_center_buyers,
    payment_instruments,
    gift_cards,
    gift_card_entries,
    orders,
    order_reports,
    invoices,
    customer_balances,
    erasures,
    custom_attributes,
    sessions,
    mail_outbox,
    deleted_records,
);
