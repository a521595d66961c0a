//! Profile writes of the logged-in customer: the profile change (customer, user and
//! preferred addresses in one transaction) and the deletion of an account.

use chrono::{DateTime, Utc};
use clientele_domain::addresses::AddressUsage;
use clientele_domain::customers::{AccountSwitches, Actor, CustomerStatus, Erasure, ProfileChange, ProfileWrite};
use clientele_domain::ids::{CustomerId, TenantId, UserId};
use diesel::prelude::*;

use crate::addresses::AddressConnection;
use crate::connection::DbConnection;
use crate::encoding::{db_time, object_text};
use crate::errors::DbError;
use crate::schema::{
    account_settings, addresses, bank_accounts, cost_centers, custom_attributes, customers, payment_instruments,
    sessions, users,
};
use crate::users::{CompanyConnection, PersonFields};

/// Deletes what goes with a customer's last user (addresses, cost centers, payment
/// instruments, bank accounts, account settings, custom attributes, custom data and
/// company details) and marks it deleted; inside the caller's transaction (`$c`), for
/// both backends. Evaluates to the rows removed per table.
macro_rules! erase_customer_rows {
    ($c:expr, $tenant:expr, $t:expr, $cu:expr, $now:expr) => {{
        let mut counts: Vec<(&'static str, usize)> = vec![
            (
                "addresses",
                diesel::delete(
                    addresses::table
                        .filter(addresses::tenant_id.eq($t))
                        .filter(addresses::customer_id.eq($cu)),
                )
                .execute($c)?,
            ),
            (
                "cost_centers",
                diesel::delete(
                    cost_centers::table
                        .filter(cost_centers::tenant_id.eq($t))
                        .filter(cost_centers::customer_id.eq($cu)),
                )
                .execute($c)?,
            ),
            (
                "payment_instruments",
                diesel::delete(
                    payment_instruments::table
                        .filter(payment_instruments::tenant_id.eq($t))
                        .filter(payment_instruments::customer_id.eq($cu)),
                )
                .execute($c)?,
            ),
            (
                "custom_attributes",
                diesel::delete(custom_attributes::table.filter(custom_attributes::customer_id.eq($cu))).execute($c)?,
            ),
            (
                "bank_accounts",
                diesel::delete(
                    bank_accounts::table
                        .filter(bank_accounts::tenant_id.eq($t))
                        .filter(bank_accounts::customer_id.eq($cu)),
                )
                .execute($c)?,
            ),
            (
                "account_settings",
                diesel::delete(
                    account_settings::table
                        .filter(account_settings::tenant_id.eq($t))
                        .filter(account_settings::customer_id.eq($cu)),
                )
                .execute($c)?,
            ),
        ];
        let the_customer = customers::table
            .filter(customers::tenant_id.eq($t))
            .filter(customers::id.eq($cu));
        diesel::update(the_customer)
            .set((
                customers::status.eq(CustomerStatus::Deleted.code()),
                customers::custom.eq("{}"),
                customers::company_name2.eq(None::<String>),
                customers::tax_id.eq(None::<String>),
                customers::industry.eq(None::<String>),
                customers::description.eq(None::<String>),
                customers::deleted_at.eq($now),
                customers::updated_at.eq($now),
                customers::version.eq(customers::version + 1),
            ))
            .execute($c)?;
        diesel::update(the_customer.filter(customers::company_name.is_not_null()))
            .set(customers::company_name.eq(""))
            .execute($c)?;
        counts.push(("customers", 1));
        $c.record_deletion($tenant, "customer", $cu, $cu, $now)?;
        counts
    }};
}

/// Writes the back-office switches of a profile write inside its transaction (`$c`):
/// the user's activity, the customer's login block, and the sessions either ends.
macro_rules! switch {
    ($c:expr, $t:expr, $cu:expr, $user:expr, $switches:expr, $now:expr) => {{
        if let Some(active) = $switches.user_active {
            diesel::update(
                users::table
                    .filter(users::tenant_id.eq($t))
                    .filter(users::customer_id.eq($cu))
                    .filter(users::id.eq($user)),
            )
            .set(users::active.eq(active))
            .execute($c)?;
            if !active {
                end_sessions!($c, $t, user = $user, $now)?;
            }
        }
        match $switches.login_blocked {
            Some(true) => set_status!($c, $t, $cu, CustomerStatus::LoginBlocked, $now),
            Some(false) => set_status!($c, $t, $cu, CustomerStatus::Active, $now),
            None => {}
        }
    }};
}

/// Writes `change` and `switches` if the customer still has version `expected`, all or
/// nothing (see [`ProfileWrite`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn update(
    conn: &mut DbConnection,
    tenant: TenantId,
    customer: CustomerId,
    user: UserId,
    expected: i64,
    change: &ProfileChange,
    switches: AccountSwitches,
    at: DateTime<Utc>,
) -> Result<ProfileWrite, DbError> {
    let now = db_time(at);
    let (t, cu) = (tenant.get(), customer.get());
    write_tx!(conn, |c| {
        // Takes the company's turn (the customer row lock) first, as every write here.
        if let (Some(false), Some(role)) = (switches.user_active, switches.kept_role()) {
            if c.last_active_holder(tenant, customer, user, role)? {
                return Ok(ProfileWrite::LastAdministrator);
            }
        }
        let the_customer = customers::table
            .filter(customers::tenant_id.eq(t))
            .filter(customers::id.eq(cu))
            .filter(customers::status.ne(CustomerStatus::Deleted.code()));
        let moved = diesel::update(the_customer.filter(customers::version.eq(expected)))
            .set((
                customers::custom.eq(object_text(&change.custom)),
                customers::updated_at.eq(now),
                customers::version.eq(customers::version + 1),
            ))
            .execute(c)?;
        if moved == 0 {
            return Ok(ProfileWrite::Moved);
        }
        if let Some(co) = &change.company {
            diesel::update(the_customer.filter(customers::kind.eq("business")))
                .set((
                    customers::company_name.eq(&co.name),
                    customers::company_name2.eq(co.name2.as_deref()),
                    customers::tax_id.eq(co.tax_id.as_deref()),
                    customers::industry.eq(co.industry.as_deref()),
                    customers::description.eq(co.description.as_deref()),
                ))
                .execute(c)?;
        }
        diesel::update(
            users::table
                .filter(users::tenant_id.eq(t))
                .filter(users::customer_id.eq(cu))
                .filter(users::id.eq(user.get())),
        )
        .set((
            PersonFields::new(&change.person),
            users::email.eq(change.email.as_str()),
            users::updated_at.eq(now),
            users::version.eq(users::version + 1),
        ))
        .execute(c)?;
        let mine = addresses::table
            .filter(addresses::tenant_id.eq(t))
            .filter(addresses::customer_id.eq(cu));
        // Makes the address preferred (and usable) for one purpose; if that changed it,
        // the customer's other addresses lose that preference.
        macro_rules! make_preferred {
            ($id:expr, $preferred:ident, $usage:ident) => {
                if let Some(id) = $id {
                    let changed = diesel::update(
                        mine.filter(addresses::id.eq(id.get()))
                            .filter(addresses::$preferred.eq(false).or(addresses::$usage.eq(false))),
                    )
                    .set((
                        addresses::$preferred.eq(true),
                        addresses::$usage.eq(true),
                        addresses::version.eq(addresses::version + 1),
                    ))
                    .execute(c)?;
                    if changed > 0 {
                        let claim = AddressUsage {
                            $preferred: true,
                            ..Default::default()
                        };
                        c.take_preferences(tenant, cu, id.get(), &claim)?;
                    }
                }
            };
        }
        make_preferred!(change.preferred_invoice, preferred_invoice, usage_invoice);
        make_preferred!(change.preferred_shipping, preferred_shipping, usage_shipping);
        switch!(c, t, cu, user.get(), switches, now);
        Ok(ProfileWrite::Written)
    })
}

/// Deletes the user row (its sessions, codes, password history, payment instruments and
/// custom attributes go with it by foreign key); when no user of the customer remains,
/// the customer is marked deleted and loses its addresses, cost centers, payment
/// instruments and custom data. Both deletions are recorded.
pub(crate) fn erase_user(
    conn: &mut DbConnection,
    tenant: TenantId,
    customer: CustomerId,
    user: UserId,
    at: DateTime<Utc>,
    actor: &Actor,
) -> Result<Erasure, DbError> {
    let now = db_time(at);
    let (t, cu) = (tenant.get(), customer.get());
    write_tx!(conn, |c| {
        // The customer row first, as profile updates lock it (see `erase_customer`).
        diesel::update(
            customers::table
                .filter(customers::tenant_id.eq(t))
                .filter(customers::id.eq(cu)),
        )
        .set(customers::updated_at.eq(now))
        .execute(c)?;
        let of_customer = users::table
            .filter(users::tenant_id.eq(t))
            .filter(users::customer_id.eq(cu));
        let emails: Vec<String> = of_customer
            .filter(users::id.eq(user.get()))
            .select(users::email)
            .load(c)?;
        let live_sessions: i64 = sessions::table
            .filter(sessions::user_id.eq(user.get()))
            .count()
            .get_result(c)?;
        let gone = diesel::delete(of_customer.filter(users::id.eq(user.get()))).execute(c)?;
        if gone == 0 {
            return Err(DbError::Missing("user"));
        }
        c.record_deletion(tenant, "user", user.get(), cu, now)?;
        let remaining: i64 = of_customer.count().get_result(c)?;
        let mut counts = vec![("users", gone)];
        if remaining == 0 {
            counts.extend(erase_customer_rows!(c, tenant, t, cu, now));
        }
        audit_erasure!(c, t, cu, Some(user.get()), emails, live_sessions, counts, actor, now);
        Ok(Erasure {
            customer_erased: remaining == 0,
        })
    })
}

/// Erases a customer whole: its users (each deletion recorded), then what
/// [`erase_user`] removes with the last user. `false` if there is no live customer.
pub(crate) fn erase_customer(
    conn: &mut DbConnection,
    tenant: TenantId,
    customer: CustomerId,
    at: DateTime<Utc>,
    actor: &Actor,
) -> Result<bool, DbError> {
    let now = db_time(at);
    let (t, cu) = (tenant.get(), customer.get());
    write_tx!(conn, |c| {
        // Locks the customer row first, as profile updates do: an update racing the
        // erasure waits for it (and then finds nothing) instead of deadlocking.
        let live = diesel::update(
            customers::table
                .filter(customers::tenant_id.eq(t))
                .filter(customers::id.eq(cu))
                .filter(customers::status.ne(CustomerStatus::Deleted.code())),
        )
        .set(customers::updated_at.eq(now))
        .execute(c)?;
        if live == 0 {
            return Ok(false);
        }
        let of_customer = users::table
            .filter(users::tenant_id.eq(t))
            .filter(users::customer_id.eq(cu));
        let (ids, emails): (Vec<i64>, Vec<String>) = of_customer
            .select((users::id, users::email))
            .load::<(i64, String)>(c)?
            .into_iter()
            .unzip();
        let live_sessions: i64 = sessions::table
            .filter(sessions::user_id.eq_any(&ids))
            .count()
            .get_result(c)?;
        let gone = diesel::delete(of_customer).execute(c)?;
        for id in ids {
            c.record_deletion(tenant, "user", id, cu, now)?;
        }
        let mut counts = vec![("users", gone)];
        counts.extend(erase_customer_rows!(c, tenant, t, cu, now));
        audit_erasure!(c, t, cu, None::<i64>, emails, live_sessions, counts, actor, now);
        Ok(true)
    })
}
