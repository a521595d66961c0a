//! Customer searches of back offices: live customers of a tenant, filtered on their own
//! fields and on the copy of their primary (first) user's fields that each customer row
//! carries (`search_*`, kept by triggers), sorted with the customer key as the last
//! tie-breaker, counted and paged, in one snapshot. Text matches ignore case.

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
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

use crate::connection::{list_snapshot, DbConnection};
use crate::customers::CustomerRow;
use crate::encoding::db_time;
use crate::errors::DbError;
use crate::schema::{customers, users};
use crate::search_memo::{Anchor, SearchMemo, Stamp};
use crate::users::{contains_pattern, lower, UserRow};
use crate::Store;

/// Live customers, written as the partial search indexes are (migration 000022): a
/// literal, so both backends see that those indexes apply.
const LIVE: &str = "customers.status <> 'deleted'";

/// The `LIKE` pattern (escape character `\`) of a substring filter: searches ignore case, so
/// the piece is lowered as the search columns are. Name tallies match with it too.
pub(crate) fn piece_pattern(piece: &str) -> String {
    contains_pattern(&piece.to_lowercase())
}

/// Text filters ignore case: the search columns hold lower case, values are lowered.
macro_rules! text_filter {
    ($q:ident, $m:expr, $col:expr) => {
        match $m {
            TextMatch::Exact(v) => $q.filter($col.eq(v.to_lowercase())),
            TextMatch::Contains(v) => $q.filter($col.like(piece_pattern(v)).escape('\\')),
            TextMatch::AnyOf(vs) => $q.filter($col.eq_any(vs.iter().map(|v| v.to_lowercase()).collect::<Vec<_>>())),
        }
    };
}

/// Applies one filter to a boxed query over customers.
macro_rules! filtered {
    ($q:ident, $f:expr) => {
        match $f {
            // Numbers are compared as stored.
            Filter::Text(SearchField::Number, m) => match m {
                TextMatch::Exact(v) => $q.filter(customers::number.eq(v.clone())),
                // LIKE folds ASCII case on SQLite only: lower both sides on both backends.
                TextMatch::Contains(v) => {
                    $q.filter(lower(customers::number.nullable()).like(piece_pattern(v)).escape('\\'))
                }
                TextMatch::AnyOf(vs) => $q.filter(customers::number.eq_any(vs.clone())),
            },
            Filter::Text(SearchField::Company, m) => text_filter!($q, m, lower(customers::company_name)),
            Filter::Text(SearchField::Login, m) => text_filter!($q, m, customers::search_login),
            Filter::Text(SearchField::Email, m) => text_filter!($q, m, customers::search_email),
            Filter::Text(SearchField::FirstName, m) => text_filter!($q, m, customers::search_first_name),
            Filter::Text(SearchField::LastName, m) => text_filter!($q, m, customers::search_last_name),
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
            Filter::Flag(SearchField::Active, v) => $q.filter(customers::user_active.eq(*v)),
            _ => $q,
        }
    };
}

/// The tenant's live customers matching every filter, boxed for the backend of the
/// surrounding `with_conn!` arm.
macro_rules! matching {
    ($tenant:expr, $filters:expr) => {{
        let mut q = customers::table
            .filter(customers::tenant_id.eq($tenant.get()))
            .filter(sql::<Bool>(LIVE))
            .into_boxed();
        for f in $filters {
            q = filtered!(q, f);
        }
        q
    }};
}

/// The SQL of a sort field's value: what `sorted!` orders by and seeks past anchors
/// compare. Lower case where the field is searched ignoring case.
fn sort_expr(field: SearchField) -> &'static str {
    match field {
        SearchField::Number => "customers.number",
        SearchField::Company => "lower(customers.company_name)",
        SearchField::CreatedAt => "customers.created_at",
        SearchField::ModifiedAt => "customers.updated_at",
        SearchField::OnHold => "customers.status",
        SearchField::Business => "customers.kind",
        SearchField::Login => "customers.search_login",
        SearchField::Email => "customers.search_email",
        SearchField::FirstName => "customers.search_first_name",
        SearchField::LastName => "customers.search_last_name",
        SearchField::Active => "customers.user_active",
    }
}

/// Orders `$q` by the query's fields, then by the customer key in the direction of the
/// last field (so a one-field sort is one index walked either way); `$reverse` turns
/// the whole order around (exactly: NULLs move to the other end on both backends too).
macro_rules! sorted {
    ($q:ident, $sort:expr, $reverse:expr) => {{
        let key_desc = $sort.last().is_some_and(|(_, desc)| *desc) != $reverse;
        for (field, desc) in $sort {
            // Written as the seeks past anchors compare it (`sort_expr`).
            let value = sql::<diesel::sql_types::Text>(sort_expr(*field));
            $q = if *desc != $reverse {
                $q.then_order_by(value.desc())
            } else {
                $q.then_order_by(value.asc())
            };
        }
        if key_desc {
            $q.then_order_by(customers::id.desc())
        } else {
            $q.then_order_by(customers::id.asc())
        }
    }};
}

/// Where a page lies: `offset` rows skipped in the query's order, or, when fewer rows
/// lie behind it than before it, skipped from the other end in the reverse order (a
/// deep page costs what the page as far from the end does). `None` past the end.
fn window(total: i64, offset: i64, limit: i64) -> Option<(bool, i64, i64)> {
    let left = total.checked_sub(offset).filter(|l| *l > 0)?;
    let limit = limit.min(left);
    let from_end = left - limit;
    Some(if from_end < offset {
        (true, from_end, limit)
    } else {
        (false, offset, limit)
    })
}

/// The matches of a filtered search: remembered for the state `stamp` (PostgreSQL, see
/// `search_memo`), or counted (one name substring on PostgreSQL from `name_tallies`).
fn filtered_total(
    conn: &mut DbConnection,
    memo: &SearchMemo,
    stamp: Option<Stamp>,
    tenant: TenantId,
    filters: &[Filter],
) -> Result<i64, DbError> {
    let search = format!("{}|{filters:?}", tenant.get());
    if let Some(total) = stamp.and_then(|s| memo.total(&search, s)) {
        return Ok(total);
    }
    let tallied = match conn {
        DbConnection::Pg(pg) => crate::name_tallies::count(pg, tenant.get(), filters)?,
        DbConnection::Sqlite(_) => None,
    };
    let total = match tallied {
        Some(total) => total,
        None => with_conn!(conn, |c| matching!(tenant, filters).count().get_result(c))?,
    };
    if let Some(s) = stamp {
        memo.put_total(search, s, total);
    }
    Ok(total)
}

/// The keys of a deep page (PostgreSQL, searches sorted on at most one field; see
/// `search_memo`): read on from the nearest anchor before it or back from the nearest
/// after it, whichever is closer, when one is known for the state `stamp`, else walked
/// to on the index as before. Either way the rows just before and at the end of the
/// page become anchors, so the same page and those near it seek instead of walking.
/// `None`: a shallow page, walked.
fn anchored_keys(
    conn: &mut DbConnection,
    memo: &SearchMemo,
    stamp: Stamp,
    tenant: TenantId,
    query: &CustomerQuery,
    (reverse, offset, limit): (bool, i64, i64),
) -> Result<Option<Vec<i64>>, DbError> {
    let DbConnection::Pg(pg) = conn else { return Ok(None) };
    if offset < memo.deep() || query.sort.len() > 1 {
        return Ok(None);
    }
    // The order as walked: a reversed ascending page shares the descending one's anchors.
    let desc = query.sort.first().is_some_and(|(_, d)| *d) != reverse;
    let field = query.sort.first().map(|(f, _)| f);
    let search = format!("{}|{:?}|{field:?}|{desc}", tenant.get(), query.filters);
    // The page with the row before it, when that is not the anchor itself: read on
    // from the nearest anchor before the page, or back from the nearest after it (the
    // next page in the reversed half of a list lies before the last one walked).
    let ahead = offset + limit + 1;
    let (before, after) = memo.anchors_around(&search, stamp, offset, ahead);
    let after = after.filter(|(at, _)| before.is_none_or(|(b, _)| at - ahead < offset - b));
    let (rows, before) = match (before, after) {
        (_, Some((at, anchor))) => {
            let mut rows = seek(pg, tenant, query, !reverse, anchor, at - ahead, limit + 1)?;
            rows.reverse();
            (rows, true)
        }
        (Some((at, anchor)), None) if at == offset => (seek(pg, tenant, query, reverse, anchor, 0, limit)?, false),
        (Some((at, anchor)), None) => (
            seek(pg, tenant, query, reverse, anchor, offset - at - 1, limit + 1)?,
            true,
        ),
        (None, None) => {
            let null = query
                .sort
                .first()
                .map_or_else(|| "false".to_owned(), |(f, _)| format!("{} IS NULL", sort_expr(*f)));
            let mut rows = matching!(tenant, &query.filters).select((customers::id, sql::<Bool>(&null)));
            let rows: Vec<(i64, bool)> = sorted!(rows, &query.sort, reverse)
                .offset(offset - 1)
                .limit(limit + 1)
                .load(pg)?;
            (rows.into_iter().map(|(id, null)| Anchor { id, null }).collect(), true)
        }
    };
    let page = &rows[usize::from(before)..];
    let mut found = Vec::new();
    if before {
        found.extend(rows.first().map(|a| (offset, *a)));
    }
    found.extend(
        page.last()
            .map(|a| (offset + i64::try_from(page.len()).unwrap_or(0), *a)),
    );
    memo.put_anchors(search, stamp, found);
    Ok(Some(page.iter().map(|a| a.id).collect()))
}

/// `take` rows of the search's order after `after`, `skip` rows skipped, with whether
/// their sort value is NULL.
/// PostgreSQL sorts NULLs after the values ascending and before them descending; the
/// two parts are read apart, each on the index (a row comparison past the anchor, or
/// the NULLs by key).
fn seek(
    pg: &mut PgConnection,
    tenant: TenantId,
    query: &CustomerQuery,
    reverse: bool,
    after: Anchor,
    mut skip: i64,
    take: i64,
) -> Result<Vec<Anchor>, DbError> {
    let field = query.sort.first();
    let expr = field.map(|(f, _)| sort_expr(*f));
    let desc = field.is_some_and(|(_, d)| *d) != reverse;
    // Each part: whether it holds the NULLs.
    let parts: &[bool] = match (expr, desc) {
        (None, _) => &[false],
        (Some(_), false) => &[false, true],
        (Some(_), true) => &[true, false],
    };
    let first = parts.iter().position(|n| *n == after.null).unwrap_or(0);
    let op = if desc { "<" } else { ">" };
    let mut out = Vec::new();
    for (i, &null) in parts.iter().enumerate().skip(first) {
        let from = Some(after).filter(|_| i == first);
        let part = || {
            let q = matching!(tenant, &query.filters);
            match (expr, from) {
                (None, None) => q,
                (None, Some(a)) => q.filter(sql::<Bool>(&format!("customers.id {op} ")).bind::<BigInt, _>(a.id)),
                (Some(e), None) if null => q.filter(sql::<Bool>(&format!("{e} IS NULL"))),
                (Some(e), None) => q.filter(sql::<Bool>(&format!("{e} IS NOT NULL"))),
                (Some(e), Some(a)) if null => {
                    q.filter(sql::<Bool>(&format!("{e} IS NULL AND customers.id {op} ")).bind::<BigInt, _>(a.id))
                }
                (Some(e), Some(a)) => q.filter(
                    sql::<Bool>(&format!(
                        "({e}, customers.id) {op} ((SELECT {e} FROM customers WHERE customers.id = "
                    ))
                    .bind::<BigInt, _>(a.id)
                    .sql("), ")
                    .bind::<BigInt, _>(a.id)
                    .sql(")"),
                ),
            }
        };
        let want = take - i64::try_from(out.len()).unwrap_or(i64::MAX);
        let mut keys = part().select(customers::id);
        let keys: Vec<i64> = sorted!(keys, &query.sort, reverse).offset(skip).limit(want).load(pg)?;
        let got = i64::try_from(keys.len()).unwrap_or(i64::MAX);
        out.extend(keys.into_iter().map(|id| Anchor { id, null }));
        if got == want {
            break;
        }
        // This part ended within the page: the next one starts at its beginning, or as
        // many rows into it as the skip reached past this part's end.
        skip = if got > 0 {
            0
        } else {
            skip - part().count().get_result::<i64>(pg)?
        };
    }
    Ok(out)
}

#[async_trait]
impl CustomerSearchRepository for Store {
    async fn search_customers(
        &self,
        tenant: TenantId,
        query: CustomerQuery,
    ) -> Result<(Vec<CustomerHit>, u64), StoreError> {
        let memo = self.searches.clone();
        self.run("search customers", move |conn| {
            list_snapshot(conn, |conn| {
                let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
                let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
                // The state remembered totals and anchors hold for, when either may serve.
                let deep = query.offset >= u64::try_from(memo.deep()).unwrap_or(u64::MAX);
                let stamped = match conn {
                    DbConnection::Pg(_) if deep || !query.filters.is_empty() => {
                        Some(crate::counts::stamp(conn, tenant.get())?)
                    }
                    _ => None,
                };
                let stamp = stamped.map(|(stamp, _)| stamp);
                let total = match stamped {
                    _ if !query.filters.is_empty() => filtered_total(conn, &memo, stamp, tenant, &query.filters)?,
                    Some((_, live)) => live,
                    None => crate::counts::count(conn, tenant.get(), &[])?,
                };
                let Some((reverse, offset, limit)) = window(total, offset, limit) else {
                    return Ok((Vec::new(), u64::try_from(total).unwrap_or(0)));
                };
                // The page's keys, from its anchor or on the index alone, then only its rows.
                let keys = match stamp {
                    Some(stamp) => anchored_keys(conn, &memo, stamp, tenant, &query, (reverse, offset, limit))?,
                    None => None,
                };
                let rows: Vec<(CustomerRow, Option<i64>)> = with_conn!(conn, |c| {
                    let mut q = customers::table
                        .select((CustomerRow::as_select(), customers::primary_user_id))
                        .into_boxed();
                    q = match &keys {
                        Some(keys) => q.filter(customers::id.eq_any(keys)),
                        None => {
                            let mut page = matching!(tenant, &query.filters).select(customers::id);
                            let page = sorted!(page, &query.sort, reverse).offset(offset).limit(limit);
                            q.filter(customers::id.eq_any(page))
                        }
                    };
                    sorted!(q, &query.sort, false).load(c)
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
                    .collect::<Result<Vec<_>, DbError>>()?;
                Ok((hits, u64::try_from(total).unwrap_or(0)))
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::{window, CustomerStatus, LIVE};

    #[test]
    fn live_means_not_deleted() {
        assert_eq!(
            LIVE,
            format!("customers.status <> '{}'", CustomerStatus::Deleted.code())
        );
    }

    #[test]
    fn a_page_is_read_from_the_nearer_end() {
        // 100 rows, pages of 10.
        assert_eq!(window(100, 0, 10), Some((false, 0, 10)));
        assert_eq!(window(100, 40, 10), Some((false, 40, 10)));
        assert_eq!(window(100, 50, 10), Some((true, 40, 10)));
        assert_eq!(window(100, 90, 10), Some((true, 0, 10)));
        // A short last page: only the rows that are there.
        assert_eq!(window(95, 90, 10), Some((true, 0, 5)));
        assert_eq!(window(100, 100, 10), None);
        assert_eq!(window(0, 0, 10), None);
        assert_eq!(window(5, i64::MAX, 10), None);
    }
}
