//! Customer searches of back offices: live customers of a tenant joined with their
//! primary (first) user, filtered, sorted with the customer key as the last tie-breaker,
//! counted and paged. Text matches ignore case (`lower(…)` on both sides).

use std::collections::HashMap;

use async_trait::async_trait;
use clientele_domain::administration::{
    Compare, CustomerHit, CustomerQuery, CustomerSearchRepository, Filter, SearchField, TextMatch,
};
use clientele_domain::customers::{Customer, CustomerStatus};
use clientele_domain::ids::TenantId;
use clientele_domain::users::User;
use clientele_domain::StoreError;
use diesel::dsl::sql;
use diesel::expression::functions::declare_sql_function;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};

use crate::connection::with_custom_plans;
use crate::customers::CustomerRow;
use crate::encoding::db_time;
use crate::schema::{customers, users};
use crate::users::{contains_pattern, UserRow};
use crate::Store;

#[declare_sql_function]
extern "SQL" {
    /// `lower(x)`: ASCII case folding on SQLite, full Unicode on PostgreSQL.
    fn lower(x: Nullable<Text>) -> Nullable<Text>;
}

/// Keeps a customer's first user only. It correlates on the user's own columns, so a
/// filter on user fields can start from the users' indexes (e-mail, names) and reach
/// the customer by key, instead of checking every customer.
const PRIMARY_USER: &str =
    "users.id = (SELECT min(u2.id) FROM users u2 WHERE u2.tenant_id = users.tenant_id AND u2.customer_id = users.customer_id)";

/// Text filters ignore case: `lower(…)` on both sides.
macro_rules! text_filter {
    ($q:ident, $m:expr, $col:expr) => {
        match $m {
            TextMatch::Exact(v) => $q.filter(lower($col).eq(v.to_lowercase())),
            TextMatch::Contains(v) => $q.filter(lower($col).like(contains_pattern(&v.to_lowercase())).escape('\\')),
            TextMatch::AnyOf(vs) => {
                $q.filter(lower($col).eq_any(vs.iter().map(|v| v.to_lowercase()).collect::<Vec<_>>()))
            }
        }
    };
}

/// Applies a filter on a customer field (others leave the query as it is).
macro_rules! customer_filter {
    ($q:ident, $f:expr) => {
        match $f {
            // Numbers are compared as stored.
            Filter::Text(SearchField::Number, m) => match m {
                TextMatch::Exact(v) => $q.filter(customers::number.eq(v.clone())),
                // LIKE folds ASCII case on SQLite only: lower both sides on both backends.
                TextMatch::Contains(v) => $q.filter(
                    lower(customers::number.nullable())
                        .like(contains_pattern(&v.to_lowercase()))
                        .escape('\\'),
                ),
                TextMatch::AnyOf(vs) => $q.filter(customers::number.eq_any(vs.clone())),
            },
            Filter::Text(SearchField::Company, m) => text_filter!($q, m, customers::company_name),
            Filter::Time(field, cmp, at) => {
                let at = db_time(*at);
                macro_rules! time {
                    ($col:expr) => {
                        match cmp {
                            Compare::Before => $q.filter($col.lt(at)),
                            Compare::AtOrBefore => $q.filter($col.le(at)),
                            Compare::After => $q.filter($col.gt(at)),
                            Compare::AtOrAfter => $q.filter($col.ge(at)),
                            Compare::At => $q.filter($col.eq(at)),
                        }
                    };
                }
                match field {
                    SearchField::CreatedAt => time!(customers::created_at),
                    SearchField::ModifiedAt => time!(customers::updated_at),
                    _ => $q,
                }
            }
            Filter::Flag(SearchField::OnHold, true) => {
                $q.filter(customers::status.eq(CustomerStatus::LoginBlocked.code()))
            }
            Filter::Flag(SearchField::OnHold, false) => $q.filter(customers::status.eq(CustomerStatus::Active.code())),
            Filter::Flag(SearchField::Business, true) => $q.filter(customers::kind.eq("business")),
            Filter::Flag(SearchField::Business, false) => $q.filter(customers::kind.eq("private")),
            _ => $q,
        }
    };
}

/// Applies a filter on a field of the primary user (others leave the query as it is).
macro_rules! user_filter {
    ($q:ident, $f:expr) => {
        match $f {
            // Logins are keyed in lower case.
            Filter::Text(SearchField::Login, m) => match m {
                TextMatch::Exact(v) => $q.filter(users::login_key.eq(v.to_lowercase())),
                TextMatch::Contains(v) => {
                    $q.filter(users::login_key.like(contains_pattern(&v.to_lowercase())).escape('\\'))
                }
                TextMatch::AnyOf(vs) => {
                    $q.filter(users::login_key.eq_any(vs.iter().map(|v| v.to_lowercase()).collect::<Vec<_>>()))
                }
            },
            Filter::Text(SearchField::Email, m) => text_filter!($q, m, users::email.nullable()),
            Filter::Text(SearchField::FirstName, m) => text_filter!($q, m, users::first_name),
            Filter::Text(SearchField::LastName, m) => text_filter!($q, m, users::last_name),
            Filter::Flag(SearchField::Active, v) => $q.filter(users::active.eq(*v)),
            _ => $q,
        }
    };
}

/// Whether a field belongs to the primary user rather than the customer.
fn on_user(field: SearchField) -> bool {
    matches!(
        field,
        SearchField::Login | SearchField::Email | SearchField::FirstName | SearchField::LastName | SearchField::Active
    )
}

/// The tenant's live customers with their primary user, filtered by `$filters`, boxed
/// for the backend of the surrounding `with_conn!` arm.
macro_rules! with_users {
    ($tenant:expr, $filters:expr) => {{
        let mut q = customers::table
            .left_join(
                users::table.on(users::tenant_id
                    .eq(customers::tenant_id)
                    .and(users::customer_id.eq(customers::id))
                    .and(sql::<Bool>(PRIMARY_USER))),
            )
            .filter(customers::tenant_id.eq($tenant.get()))
            .filter(customers::status.ne(CustomerStatus::Deleted.code()))
            .into_boxed();
        for f in $filters {
            q = customer_filter!(q, f);
            q = user_filter!(q, f);
        }
        q
    }};
}

/// The tenant's live customers filtered by customer fields only: no join, so counting
/// and paging in creation (or number, date, …) order read the customers' indexes alone.
macro_rules! customers_only {
    ($tenant:expr, $filters:expr) => {{
        let mut q = customers::table
            .filter(customers::tenant_id.eq($tenant.get()))
            .filter(customers::status.ne(CustomerStatus::Deleted.code()))
            .into_boxed();
        for f in $filters {
            q = customer_filter!(q, f);
        }
        q
    }};
}

/// Orders `$q` by the query's fields, then by the customer key.
macro_rules! sorted {
    ($q:ident, $sort:expr, users: $users:tt) => {{
        for (field, desc) in $sort {
            macro_rules! by {
                ($col:expr) => {
                    if *desc {
                        $q.then_order_by($col.desc())
                    } else {
                        $q.then_order_by($col.asc())
                    }
                };
            }
            $q = match field {
                SearchField::Number => by!(customers::number),
                SearchField::Company => by!(lower(customers::company_name)),
                SearchField::CreatedAt => by!(customers::created_at),
                SearchField::ModifiedAt => by!(customers::updated_at),
                SearchField::OnHold => by!(customers::status),
                SearchField::Business => by!(customers::kind),
                other => sorted!(@user $q, other, by, $users),
            };
        }
        $q.then_order_by(customers::id.asc())
    }};
    (@user $q:ident, $field:expr, $by:ident, true) => {
        match $field {
            SearchField::Login => $by!(users::login_key),
            SearchField::Email => $by!(users::email),
            SearchField::FirstName => $by!(lower(users::first_name)),
            SearchField::LastName => $by!(lower(users::last_name)),
            SearchField::Active => $by!(users::active),
            _ => $q,
        }
    };
    (@user $q:ident, $field:expr, $by:ident, false) => {{
        let _ = $field;
        $q
    }};
}

#[async_trait]
impl CustomerSearchRepository for Store {
    async fn search_customers(
        &self,
        tenant: TenantId,
        query: CustomerQuery,
    ) -> Result<(Vec<CustomerHit>, u64), StoreError> {
        let via_users = query.filters.iter().any(|f| match f {
            Filter::Text(field, _) | Filter::Time(field, _, _) | Filter::Flag(field, _) => on_user(*field),
        }) || query.sort.iter().any(|(field, _)| on_user(*field));
        self.run("search customers", move |conn| {
            with_custom_plans(conn, |conn| {
                let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
                let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
                let (total, rows): (i64, Vec<(CustomerRow, Option<i64>)>) = if via_users {
                    let total = with_conn!(conn, |c| with_users!(tenant, &query.filters).count().get_result(c))?;
                    let rows = with_conn!(conn, |c| {
                        let mut q = with_users!(tenant, &query.filters)
                            .select((CustomerRow::as_select(), users::id.nullable()));
                        sorted!(q, &query.sort, users: true).offset(offset).limit(limit).load(c)
                    })?;
                    (total, rows)
                } else {
                    let total = if query.filters.is_empty() {
                        crate::counts::count(conn, tenant.get(), &[])?
                    } else {
                        with_conn!(conn, |c| customers_only!(tenant, &query.filters).count().get_result(c))?
                    };
                    let customers: Vec<CustomerRow> = with_conn!(conn, |c| {
                        let mut q = customers_only!(tenant, &query.filters).select(CustomerRow::as_select());
                        sorted!(q, &query.sort, users: false)
                            .offset(offset)
                            .limit(limit)
                            .load(c)
                    })?;
                    // The page's primary users: each customer's first.
                    let ids: Vec<i64> = customers.iter().map(|c| c.id).collect();
                    let firsts: Vec<(i64, i64)> = with_conn!(conn, |c| users::table
                        .filter(users::tenant_id.eq(tenant.get()))
                        .filter(users::customer_id.eq_any(&ids))
                        .group_by(users::customer_id)
                        .select((users::customer_id, diesel::dsl::min(users::id).assume_not_null()))
                        .load(c))?;
                    let firsts: HashMap<i64, i64> = firsts.into_iter().collect();
                    let rows = customers
                        .into_iter()
                        .map(|c| {
                            let user = firsts.get(&c.id).copied();
                            (c, user)
                        })
                        .collect();
                    (total, rows)
                };
                let user_ids: Vec<i64> = rows.iter().filter_map(|(_, u)| *u).collect();
                let users: Vec<UserRow> = with_conn!(conn, |c| users::table
                    .filter(users::id.eq_any(&user_ids))
                    .select(UserRow::as_select())
                    .load(c))?;
                let mut users: HashMap<i64, User> = users
                    .into_iter()
                    .map(|row| User::try_from(row).map(|u| (u.id.get(), u)))
                    .collect::<Result<_, _>>()?;
                let hits = rows
                    .into_iter()
                    .map(|(row, user)| {
                        Ok(CustomerHit {
                            customer: Customer::try_from(row)?,
                            user: user.and_then(|id| users.remove(&id)),
                        })
                    })
                    .collect::<Result<Vec<_>, crate::errors::DbError>>()?;
                Ok((hits, u64::try_from(total).unwrap_or(0)))
            })
        })
        .await
    }
}
