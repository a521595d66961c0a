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

/// Joins a customer's first user only.
const PRIMARY_USER: &str =
    "users.id = (SELECT min(u2.id) FROM users u2 WHERE u2.tenant_id = customers.tenant_id AND u2.customer_id = customers.id)";

/// The tenant's live customers with their primary user, filtered by `$filters`, boxed
/// for the backend of the surrounding `with_conn!` arm.
macro_rules! searched {
    ($tenant:expr, $filters:expr) => {{
        let mut q = customers::table
            .left_join(users::table.on(sql::<Bool>(PRIMARY_USER)))
            .filter(customers::tenant_id.eq($tenant.get()))
            .filter(customers::status.ne(CustomerStatus::Deleted.code()))
            .into_boxed();
        for f in $filters {
            q = match f {
                Filter::Text(field, m) => {
                    macro_rules! text {
                        ($col:expr) => {
                            match m {
                                TextMatch::Exact(v) => q.filter(lower($col).eq(v.to_lowercase())),
                                TextMatch::Contains(v) => q.filter(
                                    lower($col)
                                        .like(contains_pattern(&v.to_lowercase()))
                                        .escape('\\'),
                                ),
                                TextMatch::AnyOf(vs) => q.filter(
                                    lower($col).eq_any(vs.iter().map(|v| v.to_lowercase()).collect::<Vec<_>>()),
                                ),
                            }
                        };
                    }
                    match field {
                        // Numbers and logins are stored as typed; logins keyed in lower case.
                        SearchField::Number => match m {
                            TextMatch::Exact(v) => q.filter(customers::number.eq(v.clone())),
                            TextMatch::Contains(v) => {
                                q.filter(customers::number.like(contains_pattern(v)).escape('\\'))
                            }
                            TextMatch::AnyOf(vs) => q.filter(customers::number.eq_any(vs.clone())),
                        },
                        SearchField::Login => match m {
                            TextMatch::Exact(v) => q.filter(users::login_key.eq(v.to_lowercase())),
                            TextMatch::Contains(v) => {
                                q.filter(users::login_key.like(contains_pattern(&v.to_lowercase())).escape('\\'))
                            }
                            TextMatch::AnyOf(vs) => q.filter(
                                users::login_key.eq_any(vs.iter().map(|v| v.to_lowercase()).collect::<Vec<_>>()),
                            ),
                        },
                        SearchField::Email => text!(users::email.nullable()),
                        SearchField::FirstName => text!(users::first_name),
                        SearchField::LastName => text!(users::last_name),
                        SearchField::Company => text!(customers::company_name),
                        _ => q,
                    }
                }
                Filter::Time(field, cmp, at) => {
                    let at = db_time(*at);
                    macro_rules! time {
                        ($col:expr) => {
                            match cmp {
                                Compare::Before => q.filter($col.lt(at)),
                                Compare::AtOrBefore => q.filter($col.le(at)),
                                Compare::After => q.filter($col.gt(at)),
                                Compare::AtOrAfter => q.filter($col.ge(at)),
                                Compare::At => q.filter($col.eq(at)),
                            }
                        };
                    }
                    match field {
                        SearchField::CreatedAt => time!(customers::created_at),
                        SearchField::ModifiedAt => time!(customers::updated_at),
                        _ => q,
                    }
                }
                Filter::Flag(field, v) => match (field, v) {
                    (SearchField::Active, v) => q.filter(users::active.eq(*v)),
                    (SearchField::OnHold, true) => q.filter(customers::status.eq(CustomerStatus::LoginBlocked.code())),
                    (SearchField::OnHold, false) => q.filter(customers::status.eq(CustomerStatus::Active.code())),
                    (SearchField::Business, true) => q.filter(customers::kind.eq("business")),
                    (SearchField::Business, false) => q.filter(customers::kind.eq("private")),
                    _ => q,
                },
            };
        }
        q
    }};
}

#[async_trait]
impl CustomerSearchRepository for Store {
    async fn search_customers(
        &self,
        tenant: TenantId,
        query: CustomerQuery,
    ) -> Result<(Vec<CustomerHit>, u64), StoreError> {
        self.run("search customers", move |conn| {
            let total: i64 = with_conn!(conn, |c| searched!(tenant, &query.filters).count().get_result(c))?;
            let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
            let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
            let rows: Vec<(CustomerRow, Option<i64>)> = with_conn!(conn, |c| {
                let mut q = searched!(tenant, &query.filters).select((CustomerRow::as_select(), users::id.nullable()));
                for (field, desc) in &query.sort {
                    macro_rules! by {
                        ($col:expr) => {
                            if *desc {
                                q.then_order_by($col.desc())
                            } else {
                                q.then_order_by($col.asc())
                            }
                        };
                    }
                    q = match field {
                        SearchField::Number => by!(customers::number),
                        SearchField::Login => by!(users::login_key),
                        SearchField::Email => by!(users::email),
                        SearchField::FirstName => by!(lower(users::first_name)),
                        SearchField::LastName => by!(lower(users::last_name)),
                        SearchField::Company => by!(lower(customers::company_name)),
                        SearchField::CreatedAt => by!(customers::created_at),
                        SearchField::ModifiedAt => by!(customers::updated_at),
                        SearchField::Active => by!(users::active),
                        SearchField::OnHold => by!(customers::status),
                        SearchField::Business => by!(customers::kind),
                    };
                }
                q.then_order_by(customers::id.asc()).offset(offset).limit(limit).load(c)
            })?;
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
        .await
    }
}
