//! Writing a new account: the customer, its users and addresses (and, with double
//! opt-in, the activation code and its mail), all or nothing.

use chrono::{DateTime, Utc};
use clientele_domain::addresses::Address;
use clientele_domain::customers::{Account, Customer, CustomerStatus, Keep, NewAccount};
use clientele_domain::ids::TenantId;
use clientele_domain::users::User;
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::addresses::{new_address_values, AddressRow};
use crate::codes::CodeConnection;
use crate::connection::DbConnection;
use crate::customers::{CustomerChanges, CustomerRow, NewCustomerRow};
use crate::encoding::db_time;
use crate::errors::DbError;
use crate::outbox::enqueue_in_tx;
use crate::schema::{account_settings, addresses, customers, users};
use crate::users::{legacy_text, NewUserRow, UserRow};

/// Inserts a new account inside the caller's transaction (`$c`), for both backends.
macro_rules! insert_account {
    ($c:expr, $tenant:expr, $new:expr, $now:expr, $at:expr) => {{
        let (c, tenant, new, now, at) = ($c, $tenant, $new, $now, $at);
        let customer_row = NewCustomerRow::new(tenant, &new.customer, now);
        let customer: CustomerRow = diesel::insert_into(customers::table)
            .values(&customer_row)
            .returning(CustomerRow::as_returning())
            .get_result(c)?;
        let mut stored_users = Vec::with_capacity(new.users.len());
        for user in &new.users {
            let row: UserRow = diesel::insert_into(users::table)
                .values(&NewUserRow::new(tenant, customer.id, user, now))
                .returning(UserRow::as_returning())
                .get_result(c)?;
            stored_users.push(User::try_from(row)?);
        }
        let mut stored_addresses = Vec::with_capacity(new.addresses.len());
        for address in &new.addresses {
            let row: AddressRow = diesel::insert_into(addresses::table)
                .values(new_address_values(tenant, customer.id, address, now))
                .returning(AddressRow::as_returning())
                .get_result(c)?;
            stored_addresses.push(Address::try_from(row)?);
        }
        if let Some(settings) = &new.settings {
            crate::account_settings::upsert_settings!(c, tenant.get(), customer.id, settings)?;
        }
        if let (Some((code, mail)), Some(first)) = (&new.opt_in, stored_users.first()) {
            c.insert_code(tenant, first.id.get(), code, now)?;
            enqueue_in_tx(c, tenant, mail, at)?;
        }
        // Mapping inside the transaction: a row the domain refuses rolls it all back.
        Ok(Account {
            customer: Customer::try_from(customer)?,
            users: stored_users,
            addresses: stored_addresses,
        })
    }};
}

/// Inserts the account in one transaction and returns it as stored. Rows are
/// inserted one by one so the users and addresses come back in the given order.
pub(crate) fn create(
    conn: &mut DbConnection,
    tenant: TenantId,
    new: &NewAccount,
    at: DateTime<Utc>,
) -> Result<Account, DbError> {
    let now = db_time(at);
    write_tx!(conn, |c| insert_account!(c, tenant, new, now, at))
}

/// Inserts many accounts in one transaction, each behind a savepoint: an account
/// whose number, login or phone is taken comes back as that `Duplicate` and writes
/// nothing, the others are written (one commit for all). Any other failure writes none.
pub(crate) fn create_many(
    conn: &mut DbConnection,
    tenant: TenantId,
    news: &[NewAccount],
    at: DateTime<Utc>,
) -> Result<Vec<Result<Account, StoreError>>, DbError> {
    let now = db_time(at);
    write_tx!(conn, |c| {
        let mut out = Vec::with_capacity(news.len());
        for new in news {
            match c.transaction(|c| -> Result<Account, DbError> { insert_account!(c, tenant, new, now, at) }) {
                Ok(account) => out.push(Ok(account)),
                Err(e) if e.is_unique_violation() => out.push(Err(e.into_store_error("create accounts"))),
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    })
}

/// Writes an imported account by customer number in one transaction (see
/// `CustomerRepository::upsert_account`); `true` when it was created.
pub(crate) fn upsert(
    conn: &mut DbConnection,
    tenant: TenantId,
    new: &NewAccount,
    keep: Keep,
    at: DateTime<Utc>,
) -> Result<(Account, bool), DbError> {
    let now = db_time(at);
    let t = tenant.get();
    write_tx!(conn, |c| {
        let existing: Option<i64> = customers::table
            .filter(customers::tenant_id.eq(t))
            .filter(customers::number.eq(new.customer.number.as_str()))
            .filter(customers::status.ne(CustomerStatus::Deleted.code()))
            .select(customers::id)
            .first(c)
            .optional()?;
        let Some(cu) = existing else {
            return insert_account!(c, tenant, new, now, at).map(|a| (a, true));
        };
        diesel::update(customers::table.filter(customers::id.eq(cu)))
            .set((
                CustomerChanges::new(&new.customer),
                customers::updated_at.eq(now),
                customers::version.eq(customers::version + 1),
            ))
            .execute(c)?;
        let primary: Option<i64> = users::table
            .filter(users::tenant_id.eq(t))
            .filter(users::customer_id.eq(cu))
            .select(diesel::dsl::min(users::id))
            .first(c)?;
        if let Some(user) = new.users.first() {
            match primary {
                None => {
                    diesel::insert_into(users::table)
                        .values(&NewUserRow::new(tenant, cu, user, now))
                        .execute(c)?;
                }
                Some(id) => {
                    let the_user = users::table.filter(users::id.eq(id));
                    diesel::update(the_user)
                        .set((
                            users::login.eq(user.login.as_str()),
                            users::login_key.eq(user.login.key()),
                            users::email.eq(user.email.as_str()),
                            // The person fields an import carries; the others stay.
                            users::title.eq(user.person.title.as_deref()),
                            users::first_name.eq(user.person.first_name.as_deref()),
                            users::last_name.eq(user.person.last_name.as_deref()),
                            users::phone_home.eq(user.person.phone_home.as_deref()),
                            users::preferred_language.eq(user.person.preferred_language.as_ref().map(|l| l.as_str())),
                            users::preferred_currency.eq(user.person.preferred_currency.as_ref().map(|c| c.as_str())),
                            users::updated_at.eq(now),
                            users::version.eq(users::version + 1),
                        ))
                        .execute(c)?;
                    if !keep.active {
                        diesel::update(the_user).set(users::active.eq(user.active)).execute(c)?;
                    }
                    if let Some(hash) = &user.password_hash {
                        diesel::update(the_user)
                            .set((
                                users::password_hash.eq(hash.as_str()),
                                users::legacy_auth.eq(None::<String>),
                            ))
                            .execute(c)?;
                    } else if let Some(legacy) = &user.legacy_auth {
                        // A customer who already logged in keeps the password they migrated to.
                        diesel::update(the_user.filter(users::password_hash.is_null()))
                            .set(users::legacy_auth.eq(legacy_text(legacy)))
                            .execute(c)?;
                    }
                }
            }
        }
        if let Some(settings) = &new.settings {
            crate::account_settings::upsert_settings!(c, t, cu, settings)?;
        }
        if !keep.status {
            diesel::update(customers::table.filter(customers::id.eq(cu)))
                .set(customers::status.eq(new.customer.status.code()))
                .execute(c)?;
        }
        if !keep.addresses {
            diesel::delete(
                addresses::table
                    .filter(addresses::tenant_id.eq(t))
                    .filter(addresses::customer_id.eq(cu)),
            )
            .execute(c)?;
            for address in &new.addresses {
                diesel::insert_into(addresses::table)
                    .values(new_address_values(tenant, cu, address, now))
                    .execute(c)?;
            }
        }
        let customer: CustomerRow = customers::table
            .filter(customers::id.eq(cu))
            .select(CustomerRow::as_select())
            .get_result(c)?;
        let stored_users: Vec<UserRow> = users::table
            .filter(users::tenant_id.eq(t))
            .filter(users::customer_id.eq(cu))
            .order(users::id)
            .select(UserRow::as_select())
            .load(c)?;
        let stored_addresses: Vec<AddressRow> = addresses::table
            .filter(addresses::tenant_id.eq(t))
            .filter(addresses::customer_id.eq(cu))
            .order(addresses::id)
            .select(AddressRow::as_select())
            .load(c)?;
        Ok((
            Account {
                customer: Customer::try_from(customer)?,
                users: stored_users.into_iter().map(User::try_from).collect::<Result<_, _>>()?,
                addresses: stored_addresses
                    .into_iter()
                    .map(Address::try_from)
                    .collect::<Result<_, _>>()?,
            },
            false,
        ))
    })
}
