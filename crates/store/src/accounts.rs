//! Writing a new account: the customer, its users and addresses (and, with double
//! opt-in, the activation code and its mail), all or nothing.

use chrono::{DateTime, Utc};
use clientele_domain::addresses::Address;
use clientele_domain::customers::{Account, Customer, CustomerStatus, Keep, NewAccount};
use clientele_domain::ids::{CustomerId, TenantId};
use clientele_domain::users::User;
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::addresses::{new_address_values, AddressRow};
use crate::codes::CodeConnection;
use crate::connection::{DbConnection, Prepared};
use crate::customers::{CustomerChanges, CustomerRow, NewCustomerRow, SearchKeys};
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

/// Inserts accounts one by one inside the caller's transaction (`$c`), each behind a
/// savepoint: a unique violation refuses that account alone.
macro_rules! insert_one_by_one {
    ($c:expr, $tenant:expr, $news:expr, $now:expr, $at:expr) => {{
        let (c, tenant, news, now, at) = ($c, $tenant, $news, $now, $at);
        let mut out = Vec::with_capacity(news.len());
        for new in news {
            match c.transaction(|c| -> Result<Account, DbError> { insert_account!(c, tenant, new, now, at) }) {
                Ok(account) => out.push(Ok(account.customer.id)),
                Err(e) if e.is_unique_violation() => out.push(Err(e.into_store_error("create accounts"))),
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }};
}

/// Inserts many accounts in one transaction: an account whose number, login or phone
/// is taken comes back as that `Duplicate` and writes nothing, the others are written
/// (one commit for all). Any other failure writes none.
pub(crate) fn create_many(
    conn: &mut DbConnection,
    tenant: TenantId,
    news: &[NewAccount],
    at: DateTime<Utc>,
) -> Result<Vec<Result<CustomerId, StoreError>>, DbError> {
    let now = db_time(at);
    let plain = news.iter().all(|n| n.users.len() == 1 && n.opt_in.is_none());
    if plain {
        if let DbConnection::Pg(pg) = conn {
            return pg.transaction(|c| match c.transaction(|c| insert_together(c, tenant, news, now)) {
                // A concurrent writer took a value after the check: one by one instead.
                Err(e) if e.is_unique_violation() => insert_one_by_one!(c, tenant, news, now, at),
                other => other,
            });
        }
    }
    write_tx!(conn, |c| insert_one_by_one!(c, tenant, news, now, at))
}

/// An id drawn from a sequence.
#[derive(diesel::QueryableByName)]
struct DrawnId {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// Rows of the multi-row inserts that stay prepared. Diesel never caches a multi-row
/// insert, whose text depends on its number of rows; wrapped in [`Prepared`] it is kept
/// by its text, so PostgreSQL parses it once per connection instead of every batch
/// (1–1.5 ms a statement of a few thousand parameters). Cutting batches into pieces of
/// these sizes (largest first) keeps that to three statements per table; 100 rows of
/// the widest table (addresses, 38 columns) stay far below PostgreSQL's 65 535
/// parameters a statement.
const PREPARED_ROWS: [usize; 3] = [100, 10, 1];

/// `rows` in owned pieces of the sizes in [`PREPARED_ROWS`], in order.
fn prepared_pieces<T>(mut rows: Vec<T>) -> impl Iterator<Item = Vec<T>> {
    rows.reverse();
    std::iter::from_fn(move || {
        let size = PREPARED_ROWS.into_iter().find(|&size| size <= rows.len())?;
        let piece = rows.split_off(rows.len() - size);
        Some(piece.into_iter().rev().collect())
    })
}

/// PostgreSQL, accounts of one user without opt-in (bulk creates, imports): the
/// taken numbers, logins and phones are looked up at once and refuse their accounts
/// (as the constraints would, in that order, earlier accounts first); the rest is
/// written with multi-row inserts per table, in [`prepared_pieces`]; answers ids.
fn insert_together(
    c: &mut diesel::PgConnection,
    tenant: TenantId,
    news: &[NewAccount],
    now: chrono::NaiveDateTime,
) -> Result<Vec<Result<CustomerId, StoreError>>, DbError> {
    use clientele_domain::error::UniqueRule;
    use std::collections::{HashMap, HashSet};
    let t = tenant.get();
    let phone = |n: &NewAccount| n.settings.as_ref().and_then(|s| s.phone.clone());
    let numbers: Vec<&str> = news.iter().map(|n| n.customer.number.as_str()).collect();
    let logins: Vec<String> = news.iter().map(|n| n.users[0].login.key()).collect();
    let phones: Vec<String> = news.iter().filter_map(phone).collect();
    let mut taken_numbers: HashSet<String> = customers::table
        .filter(customers::tenant_id.eq(t))
        .filter(customers::number.eq_any(&numbers))
        .select(customers::number)
        .load(c)?
        .into_iter()
        .collect();
    let mut taken_logins: HashSet<String> = users::table
        .filter(users::tenant_id.eq(t))
        .filter(users::login_key.eq_any(&logins))
        .select(users::login_key)
        .load(c)?
        .into_iter()
        .collect();
    let mut taken_phones: HashSet<String> = if phones.is_empty() {
        HashSet::new()
    } else {
        account_settings::table
            .filter(account_settings::tenant_id.eq(t))
            .filter(account_settings::phone.eq_any(&phones))
            .select(account_settings::phone.assume_not_null())
            .load(c)?
            .into_iter()
            .collect()
    };
    let verdicts: Vec<Option<UniqueRule>> = news
        .iter()
        .zip(&logins)
        .map(|(n, login)| {
            let refused = if taken_numbers.contains(n.customer.number.as_str()) {
                Some(UniqueRule::CustomerNumber)
            } else if taken_logins.contains(login) {
                Some(UniqueRule::UserLogin)
            } else if phone(n).is_some_and(|p| taken_phones.contains(&p)) {
                Some(UniqueRule::Phone)
            } else {
                None
            };
            if refused.is_none() {
                taken_numbers.insert(n.customer.number.as_str().to_owned());
                taken_logins.insert(login.clone());
                taken_phones.extend(phone(n));
            }
            refused
        })
        .collect();
    let written: Vec<&NewAccount> = news
        .iter()
        .zip(&verdicts)
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| n)
        .collect();
    let mut ids_by_number: HashMap<String, i64> = HashMap::with_capacity(written.len());
    if !written.is_empty() {
        // The users' ids are drawn first, so each customer row is written once with its
        // user's id and search fields (migration 000025).
        let user_ids: Vec<i64> = diesel::sql_query(
            "SELECT nextval(pg_get_serial_sequence('users', 'id')) AS id FROM generate_series(1, $1)",
        )
        .bind::<diesel::sql_types::BigInt, _>(written.len() as i64)
        .load::<DrawnId>(c)?
        .into_iter()
        .map(|d| d.id)
        .collect();
        let rows: Vec<_> = written
            .iter()
            .zip(&user_ids)
            .map(|(n, &user)| {
                (
                    NewCustomerRow::new(tenant, &n.customer, now),
                    SearchKeys::new(user, &n.users[0]),
                )
            })
            .collect();
        for piece in prepared_pieces(rows) {
            let insert = diesel::insert_into(customers::table).values(piece);
            let stored: Vec<(i64, String)> = Prepared(insert.returning((customers::id, customers::number))).load(c)?;
            ids_by_number.extend(stored.into_iter().map(|(id, number)| (number, id)));
        }
        let id_of = |n: &NewAccount| ids_by_number[n.customer.number.as_str()];
        let rows: Vec<_> = written
            .iter()
            .zip(&user_ids)
            .map(|(n, &user)| (users::id.eq(user), NewUserRow::new(tenant, id_of(n), &n.users[0], now)))
            .collect();
        for piece in prepared_pieces(rows) {
            // Loaded, not executed: only a load keeps a `Prepared` statement cached.
            Prepared(diesel::insert_into(users::table).values(piece).returning(users::id)).load::<i64>(c)?;
        }
        let settings: Vec<_> = written
            .iter()
            .filter_map(|n| {
                let s = n.settings.as_ref()?;
                Some((
                    account_settings::customer_id.eq(id_of(n)),
                    account_settings::tenant_id.eq(t),
                    crate::account_settings::settings_values!(s),
                ))
            })
            .collect();
        for piece in prepared_pieces(settings) {
            let insert = diesel::insert_into(account_settings::table).values(piece);
            Prepared(insert.returning(account_settings::customer_id)).load::<i64>(c)?;
        }
        let rows: Vec<_> = written
            .iter()
            .flat_map(|n| {
                let customer = id_of(n);
                n.addresses
                    .iter()
                    .map(move |a| new_address_values(tenant, customer, a, now))
            })
            .collect();
        for piece in prepared_pieces(rows) {
            Prepared(
                diesel::insert_into(addresses::table)
                    .values(piece)
                    .returning(addresses::id),
            )
            .load::<i64>(c)?;
        }
    }
    Ok(news
        .iter()
        .zip(verdicts)
        .map(|(n, verdict)| match verdict {
            Some(rule) => Err(StoreError::Duplicate(rule)),
            None => Ok(CustomerId::new(ids_by_number[n.customer.number.as_str()])),
        })
        .collect())
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
            set_status!(c, t, cu, new.customer.status, now);
        }
        // Deactivating its user ends the sessions with it (as blocking does, above).
        if !keep.active && new.users.first().is_some_and(|u| !u.active) {
            end_sessions!(c, t, cu, now)?;
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

#[cfg(test)]
mod tests {
    use super::prepared_pieces;

    #[test]
    fn batches_are_cut_into_pieces_of_the_prepared_sizes_in_order() {
        let sizes = |n: usize| prepared_pieces((0..n).collect()).map(|p| p.len()).collect::<Vec<_>>();
        assert_eq!(sizes(0), Vec::<usize>::new());
        assert_eq!(sizes(3), [1, 1, 1]);
        assert_eq!(sizes(200), [100, 100]);
        assert_eq!(sizes(235), [100, 100, 10, 10, 10, 1, 1, 1, 1, 1]);
        let rows: Vec<usize> = prepared_pieces((0..235).collect()).flatten().collect();
        assert_eq!(rows, (0..235).collect::<Vec<_>>());
    }
}
