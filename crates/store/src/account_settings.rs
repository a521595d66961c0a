//! Back-office accounts (WEBSALE `customerAccounts`): account settings, keyset pages of
//! customers, invitation and reset links sent at most once a day, one-time login links,
//! and the deletion register.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use clientele_domain::accounts::{
    AccountDetails, AccountEdit, AccountFilter, AccountQuery, AccountRecord, AccountRepository, AccountSettings,
    AccountSort, After, Deleted, DeletedFilter, DeletedKind, DeletedQuery, DeletedSort, LinkKind, LinkLog, LinkMail,
    SortKey, Subshops,
};
use clientele_domain::addresses::Address;
use clientele_domain::administration::Compare;
use clientele_domain::customers::{Customer, CustomerStatus};
use clientele_domain::identity::TokenDigest;
use clientele_domain::ids::{AddressId, ApiClientKey, CustomerId, TenantId, UserId};
use clientele_domain::users::User;
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::addresses::AddressRow;
use crate::codes::CodeConnection;
use crate::connection::list_snapshot;
use crate::counts::StatusFilter;
use crate::customers::CustomerRow;
use crate::encoding::{db_time, parse_strings, utc};
use crate::errors::DbError;
use crate::outbox::enqueue_in_tx;
use crate::schema::{account_settings, addresses, customers, deleted_records, login_links, orders, users};
use crate::users::UserRow;
use crate::Store;

#[derive(Queryable, Selectable)]
#[diesel(table_name = account_settings, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct SettingsRow {
    customer_id: i64,
    display_name: Option<String>,
    phone: Option<String>,
    main_subshop: Option<String>,
    all_subshops: bool,
    subshops: String,
    password_reset_required: bool,
    main_address_id: Option<i64>,
    bill_address_id: Option<i64>,
    delivery_address_id: Option<i64>,
    changed_by: String,
    invited_at: Option<NaiveDateTime>,
    invitation_until: Option<NaiveDateTime>,
    invitation_clicked_at: Option<NaiveDateTime>,
    invited_by: Option<i64>,
    reset_asked_at: Option<NaiveDateTime>,
    reset_until: Option<NaiveDateTime>,
}

impl TryFrom<SettingsRow> for AccountRecord {
    type Error = DbError;

    fn try_from(r: SettingsRow) -> Result<Self, DbError> {
        let allowed = parse_strings(&r.subshops).map_err(|e| DbError::Corrupt {
            table: "account_settings",
            id: r.customer_id,
            field: "subshops",
            reason: e.to_string(),
        })?;
        Ok(AccountRecord {
            settings: AccountSettings {
                display_name: r.display_name,
                phone: r.phone,
                subshops: Subshops {
                    all: r.all_subshops,
                    allowed,
                    main: r.main_subshop,
                },
                password_reset_required: r.password_reset_required,
                main_address: r.main_address_id.map(AddressId::new),
                bill_address: r.bill_address_id.map(AddressId::new),
                delivery_address: r.delivery_address_id.map(AddressId::new),
                changed_by: r.changed_by,
            },
            links: LinkLog {
                invited_at: r.invited_at.map(utc),
                invitation_until: r.invitation_until.map(utc),
                invitation_clicked_at: r.invitation_clicked_at.map(utc),
                invited_by: r.invited_by.map(ApiClientKey::new),
                reset_asked_at: r.reset_asked_at.map(utc),
                reset_until: r.reset_until.map(utc),
            },
        })
    }
}

/// The columns of `AccountSettings` (`$s`) as values to insert or set.
macro_rules! settings_values {
    ($s:expr) => {{
        let s: &clientele_domain::accounts::AccountSettings = $s;
        (
            account_settings::display_name.eq(s.display_name.as_deref()),
            account_settings::phone.eq(s.phone.as_deref()),
            account_settings::main_subshop.eq(s.subshops.main.as_deref()),
            account_settings::all_subshops.eq(s.subshops.all),
            account_settings::subshops.eq($crate::encoding::strings_text(&s.subshops.allowed)),
            account_settings::password_reset_required.eq(s.password_reset_required),
            account_settings::main_address_id.eq(s.main_address.map(|a| a.get())),
            account_settings::bill_address_id.eq(s.bill_address.map(|a| a.get())),
            account_settings::delivery_address_id.eq(s.delivery_address.map(|a| a.get())),
            account_settings::changed_by.eq(s.changed_by.as_str()),
        )
    }};
}
pub(crate) use settings_values;

/// Writes an account's settings (creating its row) inside the caller's transaction.
macro_rules! upsert_settings {
    ($c:expr, $tenant:expr, $customer:expr, $s:expr) => {{
        let values = $crate::account_settings::settings_values!($s);
        diesel::insert_into(account_settings::table)
            .values((
                account_settings::customer_id.eq($customer),
                account_settings::tenant_id.eq($tenant),
                values.clone(),
            ))
            .on_conflict(account_settings::customer_id)
            .do_update()
            .set(values)
            .execute($c)
    }};
}
pub(crate) use upsert_settings;

/// The customers' column a sort uses, as a comparable key of a row.
fn sort_key(sort: AccountSort, row: &CustomerRow, blocked: NaiveDateTime, deleted: NaiveDateTime) -> SortKey {
    match sort {
        AccountSort::Id => SortKey::Int(row.id),
        AccountSort::Number => SortKey::Text(row.number.clone()),
        AccountSort::CreatedAt => SortKey::Time(utc(row.created_at)),
        AccountSort::UpdatedAt => SortKey::Time(utc(row.updated_at)),
        AccountSort::BlockedAt => SortKey::Time(utc(blocked)),
        AccountSort::DeletedAt => SortKey::Time(utc(deleted)),
    }
}

/// `$q` filtered by `$cmp` of `$col` against `$v`.
macro_rules! compare {
    ($q:expr, $col:expr, $cmp:expr, $v:expr) => {
        match $cmp {
            Compare::Before => $q.filter($col.lt($v)),
            Compare::AtOrBefore => $q.filter($col.le($v)),
            Compare::After => $q.filter($col.gt($v)),
            Compare::AtOrAfter => $q.filter($col.ge($v)),
            Compare::At => $q.filter($col.eq($v)),
        }
    };
}

/// The tenant's customers matching the filters (live ones unless a filter names
/// deleted), boxed for the backend of the surrounding arm.
macro_rules! filtered_customers {
    ($tenant:expr, $filters:expr) => {{
        let mut q = customers::table.filter(customers::tenant_id.eq($tenant)).into_boxed();
        let mut deleted_named = false;
        for f in $filters {
            q = match f {
                AccountFilter::Id(cmp, v) => compare!(q, customers::id, cmp, *v),
                AccountFilter::Number(cmp, v) => compare!(q, customers::number, cmp, v.clone()),
                AccountFilter::Blocked(true) => q.filter(customers::status.eq(CustomerStatus::LoginBlocked.code())),
                AccountFilter::Blocked(false) => q.filter(customers::status.ne(CustomerStatus::LoginBlocked.code())),
                AccountFilter::Deleted(v) => {
                    deleted_named = true;
                    if *v {
                        q.filter(customers::status.eq(CustomerStatus::Deleted.code()))
                    } else {
                        q.filter(customers::status.ne(CustomerStatus::Deleted.code()))
                    }
                }
                AccountFilter::CreatedAt(cmp, at) => compare!(q, customers::created_at, cmp, db_time(*at)),
                AccountFilter::UpdatedAt(cmp, at) => compare!(q, customers::updated_at, cmp, db_time(*at)),
            };
        }
        if !deleted_named {
            q = q.filter(customers::status.ne(CustomerStatus::Deleted.code()));
        }
        q
    }};
}

/// Rows after `$after` in the order of `$col` then `$id`, both ascending or both
/// descending (so one index serves the order). The redundant bound on `$col` alone lets
/// the index start at the cursor instead of filtering every row before it.
macro_rules! keyset {
    ($q:expr, $col:expr, $id:expr, $v:expr, $k:expr, $desc:expr) => {
        if $desc {
            $q.filter($col.le($v.clone()).and($col.lt($v).or($id.lt($k))))
        } else {
            $q.filter($col.ge($v.clone()).and($col.gt($v).or($id.gt($k))))
        }
    };
}

/// `$q` ordered by `$col`, then by `$id`, in one direction.
macro_rules! ordered {
    ($q:expr, $col:expr, $id:expr, $desc:expr) => {
        if $desc {
            $q.order(($col.desc(), $id.desc()))
        } else {
            $q.order(($col.asc(), $id.asc()))
        }
    };
}

fn wrong_key() -> DbError {
    DbError::Missing("a page cursor of this sort")
}

#[async_trait]
impl AccountRepository for Store {
    async fn page(&self, tenant: TenantId, query: AccountQuery) -> Result<(Vec<(Customer, After)>, u64), StoreError> {
        let t = tenant.get();
        self.run("page accounts", move |conn| {
            list_snapshot(conn, |conn| {
                let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
                // Filters on the status alone are answered by the counters.
                let on_status: Option<Vec<StatusFilter>> = query
                    .filters
                    .iter()
                    .map(|f| match f {
                        AccountFilter::Blocked(b) => Some(StatusFilter::Blocked(*b)),
                        AccountFilter::Deleted(d) => Some(StatusFilter::Deleted(*d)),
                        _ => None,
                    })
                    .collect();
                let total = match on_status {
                    Some(filters) => crate::counts::count(conn, t, &filters)?,
                    None => with_conn!(conn, |c| filtered_customers!(t, &query.filters).count().get_result(c))?,
                };
                let desc = query.descending;
                let rows: Vec<(CustomerRow, NaiveDateTime, NaiveDateTime)> = with_conn!(conn, |c| {
                    let mut q = filtered_customers!(t, &query.filters).select((
                        CustomerRow::as_select(),
                        customers::blocked_at,
                        customers::deleted_at,
                    ));
                    if let Some(after) = &query.after {
                        let k = after.id;
                        q = match (query.sort, &after.key) {
                            (AccountSort::Id, SortKey::Int(_)) if desc => q.filter(customers::id.lt(k)),
                            (AccountSort::Id, SortKey::Int(_)) => q.filter(customers::id.gt(k)),
                            (AccountSort::Number, SortKey::Text(v)) => {
                                keyset!(q, customers::number, customers::id, v.clone(), k, desc)
                            }
                            (AccountSort::CreatedAt, SortKey::Time(v)) => {
                                keyset!(q, customers::created_at, customers::id, db_time(*v), k, desc)
                            }
                            (AccountSort::UpdatedAt, SortKey::Time(v)) => {
                                keyset!(q, customers::updated_at, customers::id, db_time(*v), k, desc)
                            }
                            (AccountSort::BlockedAt, SortKey::Time(v)) => {
                                keyset!(q, customers::blocked_at, customers::id, db_time(*v), k, desc)
                            }
                            (AccountSort::DeletedAt, SortKey::Time(v)) => {
                                keyset!(q, customers::deleted_at, customers::id, db_time(*v), k, desc)
                            }
                            _ => return Err(wrong_key()),
                        };
                    }
                    q = match query.sort {
                        AccountSort::Id if desc => q.order(customers::id.desc()),
                        AccountSort::Id => q.order(customers::id.asc()),
                        AccountSort::Number => ordered!(q, customers::number, customers::id, desc),
                        AccountSort::CreatedAt => ordered!(q, customers::created_at, customers::id, desc),
                        AccountSort::UpdatedAt => ordered!(q, customers::updated_at, customers::id, desc),
                        AccountSort::BlockedAt => ordered!(q, customers::blocked_at, customers::id, desc),
                        AccountSort::DeletedAt => ordered!(q, customers::deleted_at, customers::id, desc),
                    };
                    q.limit(limit).load(c).map_err(DbError::from)
                })?;
                let page = rows
                    .into_iter()
                    .map(|(row, blocked, deleted)| {
                        let after = After {
                            key: sort_key(query.sort, &row, blocked, deleted),
                            id: row.id,
                        };
                        Ok((Customer::try_from(row)?, after))
                    })
                    .collect::<Result<Vec<_>, DbError>>()?;
                Ok((page, u64::try_from(total).unwrap_or(0)))
            })
        })
        .await
    }

    async fn details(
        &self,
        tenant: TenantId,
        customers: Vec<CustomerId>,
    ) -> Result<HashMap<CustomerId, AccountDetails>, StoreError> {
        let t = tenant.get();
        self.run("account details", move |conn| {
            let ids: Vec<i64> = customers.iter().map(|c| c.get()).collect();
            let firsts: Vec<i64> = with_conn!(conn, |c| users::table
                .filter(users::tenant_id.eq(t))
                .filter(users::customer_id.eq_any(&ids))
                .group_by(users::customer_id)
                .select(diesel::dsl::min(users::id).assume_not_null())
                .load(c))?;
            let user_rows: Vec<UserRow> = with_conn!(conn, |c| users::table
                .filter(users::id.eq_any(&firsts))
                .select(UserRow::as_select())
                .load(c))?;
            let settings: Vec<SettingsRow> = with_conn!(conn, |c| account_settings::table
                .filter(account_settings::tenant_id.eq(t))
                .filter(account_settings::customer_id.eq_any(&ids))
                .select(SettingsRow::as_select())
                .load(c))?;
            let address_rows: Vec<AddressRow> = with_conn!(conn, |c| addresses::table
                .filter(addresses::tenant_id.eq(t))
                .filter(addresses::customer_id.eq_any(&ids))
                .order(addresses::id)
                .select(AddressRow::as_select())
                .load(c))?;
            let mut out: HashMap<CustomerId, AccountDetails> =
                customers.iter().map(|c| (*c, Default::default())).collect();
            for row in user_rows {
                let user = User::try_from(row)?;
                if let Some(entry) = out.get_mut(&user.customer_id) {
                    entry.0 = Some(user);
                }
            }
            for row in settings {
                let id = CustomerId::new(row.customer_id);
                let record = AccountRecord::try_from(row)?;
                if let Some(entry) = out.get_mut(&id) {
                    entry.1 = record;
                }
            }
            for row in address_rows {
                let address = Address::try_from(row)?;
                if let Some(entry) = out.get_mut(&address.customer_id) {
                    entry.2.push(address);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn update(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: Option<UserId>,
        edit: AccountEdit,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (t, cu, now) = (tenant.get(), customer.get(), db_time(now));
        self.run("update account", move |conn| {
            write_tx!(conn, |c| {
                let the_customer = customers::table
                    .filter(customers::tenant_id.eq(t))
                    .filter(customers::id.eq(cu))
                    .filter(customers::status.ne(CustomerStatus::Deleted.code()));
                let changed = diesel::update(the_customer)
                    .set((
                        customers::updated_at.eq(now),
                        customers::version.eq(customers::version + 1),
                    ))
                    .execute(c)?;
                if changed == 0 {
                    return Ok(false);
                }
                if let Some(number) = &edit.number {
                    diesel::update(the_customer)
                        .set(customers::number.eq(number.as_str()))
                        .execute(c)?;
                }
                if let (Some(email), Some(user)) = (&edit.email, user) {
                    let login = clientele_domain::values::Login::from_email(email);
                    let the_user = users::table
                        .filter(users::tenant_id.eq(t))
                        .filter(users::id.eq(user.get()));
                    // A new login ends the sessions of the old one, in this transaction.
                    let moved: i64 = the_user
                        .filter(users::login_key.ne(login.key()))
                        .count()
                        .get_result(c)?;
                    if moved > 0 {
                        end_sessions!(c, t, user = user.get(), now)?;
                    }
                    diesel::update(the_user)
                        .set((
                            users::login.eq(login.as_str()),
                            users::login_key.eq(login.key()),
                            users::email.eq(email.as_str()),
                            users::updated_at.eq(now),
                            users::version.eq(users::version + 1),
                        ))
                        .execute(c)?;
                }
                upsert_settings!(c, t, cu, &edit.settings)?;
                Ok(true)
            })
        })
        .await
    }

    async fn send_link(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        link: LinkMail,
        valid_until: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (t, cu, now) = (tenant.get(), customer.get(), db_time(at));
        let (until, not_since) = (db_time(valid_until), db_time(link.not_since));
        self.run("send account link", move |conn| {
            write_tx!(conn, |c| {
                // An invitation activates the user: the customer row is locked first.
                lock_customer!(c, t, user = link.user.get())?;
                // A row to note the link in (and to lock: concurrent sends wait here).
                diesel::insert_into(account_settings::table)
                    .values((account_settings::customer_id.eq(cu), account_settings::tenant_id.eq(t)))
                    .on_conflict_do_nothing()
                    .execute(c)?;
                let the_row = account_settings::table
                    .filter(account_settings::tenant_id.eq(t))
                    .filter(account_settings::customer_id.eq(cu));
                let by = link.by.map(|b| b.get());
                let noted = match link.kind {
                    LinkKind::Invitation => diesel::update(
                        the_row.filter(
                            account_settings::invited_at
                                .is_null()
                                .or(account_settings::invited_at.le(not_since)),
                        ),
                    )
                    .set((
                        account_settings::invited_at.eq(now),
                        account_settings::invitation_until.eq(until),
                        account_settings::invitation_clicked_at.eq(None::<NaiveDateTime>),
                        account_settings::invited_by.eq(by),
                    ))
                    .execute(c)?,
                    LinkKind::PasswordReset => diesel::update(
                        the_row.filter(
                            account_settings::reset_asked_at
                                .is_null()
                                .or(account_settings::reset_asked_at.le(not_since)),
                        ),
                    )
                    .set((
                        account_settings::reset_asked_at.eq(now),
                        account_settings::reset_until.eq(until),
                        account_settings::invited_by.eq(by),
                    ))
                    .execute(c)?,
                };
                if noted == 0 {
                    return Ok(false);
                }
                if link.kind == LinkKind::Invitation {
                    // Activating: the user may log in once they chose a password.
                    diesel::update(
                        users::table
                            .filter(users::tenant_id.eq(t))
                            .filter(users::id.eq(link.user.get())),
                    )
                    .set(users::active.eq(true))
                    .execute(c)?;
                }
                c.insert_code(tenant, link.user.get(), &link.code, now)?;
                enqueue_in_tx(c, tenant, &link.mail, at)?;
                Ok(true)
            })
        })
        .await
    }

    async fn create_login_link(
        &self,
        tenant: TenantId,
        user: UserId,
        digest: TokenDigest,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let expires = db_time(expires_at);
        self.run("create login link", move |conn| {
            with_conn!(conn, |c| diesel::insert_into(login_links::table)
                .values((
                    login_links::tenant_id.eq(tenant.get()),
                    login_links::user_id.eq(user.get()),
                    login_links::key_digest.eq(digest.as_str()),
                    login_links::expires_at.eq(expires),
                ))
                .execute(c))?;
            Ok(())
        })
        .await
    }

    async fn spend_login_link(
        &self,
        tenant: TenantId,
        digest: TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>, StoreError> {
        let now = db_time(now);
        self.run("spend login link", move |conn| {
            // One statement: of two concurrent uses, exactly one sees the link unused.
            let user: Option<i64> = with_conn!(conn, |c| diesel::update(
                login_links::table
                    .filter(login_links::tenant_id.eq(tenant.get()))
                    .filter(login_links::key_digest.eq(digest.as_str()))
                    .filter(login_links::used_at.is_null())
                    .filter(login_links::expires_at.gt(now)),
            )
            .set(login_links::used_at.eq(now))
            .returning(login_links::user_id)
            .get_result(c)
            .optional())?;
            Ok(user.map(UserId::new))
        })
        .await
    }

    async fn last_orders(
        &self,
        tenant: TenantId,
        customers: Vec<CustomerId>,
    ) -> Result<HashMap<CustomerId, DateTime<Utc>>, StoreError> {
        self.run("last orders", move |conn| {
            let ids: Vec<i64> = customers.iter().map(|c| c.get()).collect();
            let rows: Vec<(i64, Option<NaiveDateTime>)> = with_conn!(conn, |c| orders::table
                .filter(orders::tenant_id.eq(tenant.get()))
                .filter(orders::customer_id.eq_any(&ids))
                .group_by(orders::customer_id)
                .select((orders::customer_id, diesel::dsl::max(orders::placed_at)))
                .load(c))?;
            Ok(rows
                .into_iter()
                .filter_map(|(c, at)| at.map(|at| (CustomerId::new(c), utc(at))))
                .collect())
        })
        .await
    }

    async fn address_owner(&self, tenant: TenantId, address: AddressId) -> Result<Option<CustomerId>, StoreError> {
        self.run("address owner", move |conn| {
            let owner: Option<i64> = with_conn!(conn, |c| addresses::table
                .filter(addresses::tenant_id.eq(tenant.get()))
                .filter(addresses::id.eq(address.get()))
                .select(addresses::customer_id)
                .first(c)
                .optional())?;
            Ok(owner.map(CustomerId::new))
        })
        .await
    }

    async fn deleted(&self, tenant: TenantId, query: DeletedQuery) -> Result<(Vec<Deleted>, u64), StoreError> {
        let t = tenant.get();
        self.run("deleted records", move |conn| {
            list_snapshot(conn, |conn| {
                let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
                let kinds: Vec<&'static str> = query.kinds.iter().map(|k| k.code()).collect();
                macro_rules! base {
                    () => {{
                        let mut q = deleted_records::table
                            .filter(deleted_records::tenant_id.eq(t))
                            .filter(deleted_records::kind.eq_any(kinds.clone()))
                            .into_boxed();
                        for f in &query.filters {
                            q = match f {
                                DeletedFilter::Account(cmp, v) => compare!(q, deleted_records::customer_id, cmp, *v),
                                DeletedFilter::Kind(ks) => q.filter(
                                    deleted_records::kind.eq_any(ks.iter().map(|k| k.code()).collect::<Vec<_>>()),
                                ),
                                DeletedFilter::DeletedAt(cmp, at) => {
                                    compare!(q, deleted_records::deleted_at, cmp, db_time(*at))
                                }
                            };
                        }
                        q
                    }};
                }
                let total: i64 = with_conn!(conn, |c| base!().count().get_result(c))?;
                let desc = query.descending;
                let id = deleted_records::id;
                let rows: Vec<(i64, String, i64, NaiveDateTime)> = with_conn!(conn, |c| {
                    let mut q = base!().select((
                        deleted_records::id,
                        deleted_records::kind,
                        deleted_records::customer_id,
                        deleted_records::deleted_at,
                    ));
                    if let Some(after) = &query.after {
                        let k = after.id;
                        q = match (query.sort, &after.key) {
                            (DeletedSort::Account, SortKey::Int(v)) => {
                                keyset!(q, deleted_records::customer_id, id, *v, k, desc)
                            }
                            (DeletedSort::Kind, SortKey::Text(v)) => {
                                keyset!(q, deleted_records::kind, id, v.clone(), k, desc)
                            }
                            (DeletedSort::DeletedAt, SortKey::Time(v)) => {
                                keyset!(q, deleted_records::deleted_at, id, db_time(*v), k, desc)
                            }
                            _ => return Err(wrong_key()),
                        };
                    }
                    q = match query.sort {
                        DeletedSort::Account => ordered!(q, deleted_records::customer_id, id, desc),
                        DeletedSort::Kind => ordered!(q, deleted_records::kind, id, desc),
                        DeletedSort::DeletedAt => ordered!(q, deleted_records::deleted_at, id, desc),
                    };
                    q.limit(limit).load(c).map_err(DbError::from)
                })?;
                let items = rows
                    .into_iter()
                    .filter_map(|(seq, kind, account, at)| {
                        Some(Deleted {
                            seq,
                            account: CustomerId::new(account),
                            kind: DeletedKind::from_code(&kind)?,
                            deleted_at: utc(at),
                        })
                    })
                    .collect();
                Ok((items, u64::try_from(total).unwrap_or(0)))
            })
        })
        .await
    }
}
