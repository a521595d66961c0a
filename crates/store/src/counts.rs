//! How many customers a tenant has in given statuses, read from `customer_counts`
//! (kept by triggers, migration 000021) instead of counting the customers: list totals
//! (WEBSALE `totalCount`, Emporix `Count`) cost the same for ten customers and for a
//! million, and stay exact (the change rows commit with the customers they count).

use clientele_domain::customers::CustomerStatus;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::connection::DbConnection;
use crate::errors::DbError;
use crate::schema::customer_counts;
use crate::search_memo::Stamp;

/// On PostgreSQL every writing statement appends a change row; past this many rows for
/// a tenant a read folds them into one per status.
const FOLD_ABOVE: i64 = 256;

/// A filter on the status alone.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StatusFilter {
    Blocked(bool),
    Deleted(bool),
}

/// The statuses all of `filters` leave. Deleted customers count only when a filter
/// names them, as in the lists.
fn statuses(filters: &[StatusFilter]) -> Vec<&'static str> {
    let named = filters.iter().any(|f| matches!(f, StatusFilter::Deleted(_)));
    [
        CustomerStatus::Active,
        CustomerStatus::LoginBlocked,
        CustomerStatus::Deleted,
    ]
    .into_iter()
    .filter(|s| named || *s != CustomerStatus::Deleted)
    .filter(|s| {
        filters.iter().all(|f| match f {
            StatusFilter::Blocked(b) => (*s == CustomerStatus::LoginBlocked) == *b,
            StatusFilter::Deleted(d) => (*s == CustomerStatus::Deleted) == *d,
        })
    })
    .map(CustomerStatus::code)
    .collect()
}

/// The tenant's customers that all of `filters` leave.
pub(crate) fn count(conn: &mut DbConnection, tenant: i64, filters: &[StatusFilter]) -> Result<i64, DbError> {
    let statuses = statuses(filters);
    let (total, rows): (i64, i64) = with_conn!(conn, |c| customer_counts::table
        .filter(customer_counts::tenant_id.eq(tenant))
        .filter(customer_counts::status.eq_any(&statuses))
        .select((
            sql::<BigInt>("CAST(COALESCE(SUM(n), 0) AS BIGINT)"),
            sql::<BigInt>("COUNT(*)"),
        ))
        .get_result(c))?;
    if rows > FOLD_ABOVE {
        fold(conn, tenant);
    }
    Ok(total)
}

/// The state of the tenant's customers that remembered searches hold for (PostgreSQL;
/// see `search_memo`), read in the caller's snapshot, with the tenant's customers that
/// no filter leaves (what [`count`] gives without filters: an unfiltered search needs
/// both, from one read). Folds the change rows when they pile up, as counting does, and
/// then reads the state the fold leaves, which is what later searches see (a fold
/// changes no count).
pub(crate) fn stamp(conn: &mut DbConnection, tenant: i64) -> Result<(Stamp, i64), DbError> {
    let live = statuses(&[]);
    let read = |conn: &mut DbConnection| -> Result<(Stamp, i64), DbError> {
        let by_status: Vec<(String, i64, i64, i64, i64)> = with_conn!(conn, |c| customer_counts::table
            .filter(customer_counts::tenant_id.eq(tenant))
            .group_by(customer_counts::status)
            .select((
                customer_counts::status,
                sql::<BigInt>("CAST(SUM(n) AS BIGINT)"),
                sql::<BigInt>("COUNT(*)"),
                sql::<BigInt>("MAX(id)"),
                sql::<BigInt>("CAST(SUM(id) AS BIGINT)"),
            ))
            .load(c))?;
        let mut stamp = Stamp {
            rows: 0,
            greatest: 0,
            sum: 0,
        };
        let mut total = 0;
        for (status, n, rows, greatest, sum) in by_status {
            stamp.rows += rows;
            stamp.greatest = stamp.greatest.max(greatest);
            stamp.sum += sum;
            if live.contains(&status.as_str()) {
                total += n;
            }
        }
        Ok((stamp, total))
    };
    let read_now = read(conn)?;
    if read_now.0.rows <= FOLD_ABOVE {
        return Ok(read_now);
    }
    fold(conn, tenant);
    read(conn)
}

/// Folds the tenant's change rows into one per status (PostgreSQL; SQLite keeps one
/// row anyway). The rows a fold deletes are the rows it sums, in one statement, so a
/// concurrent write or fold never loses a change. A failed fold changes nothing and
/// is tried again by a later read.
fn fold(conn: &mut DbConnection, tenant: i64) {
    let DbConnection::Pg(pg) = conn else { return };
    // Its own transaction, or a savepoint inside the caller's: a failure must not
    // abort the read around it.
    let folded = pg.transaction(|c| {
        diesel::sql_query(
            "WITH gone AS (DELETE FROM customer_counts WHERE tenant_id = $1 RETURNING status, n) \
             INSERT INTO customer_counts (tenant_id, status, n) \
             SELECT $1, status, SUM(n) FROM gone GROUP BY status",
        )
        .bind::<BigInt, _>(tenant)
        .execute(c)
    });
    if let Err(e) = folded {
        tracing::warn!(error = %e, tenant, "customer counts not folded");
    }
}

#[cfg(test)]
mod tests {
    use super::{statuses, StatusFilter};

    #[test]
    fn filters_leave_statuses() {
        use StatusFilter::{Blocked, Deleted};
        assert_eq!(statuses(&[]), ["active", "login_blocked"]);
        assert_eq!(statuses(&[Blocked(true)]), ["login_blocked"]);
        assert_eq!(statuses(&[Blocked(false)]), ["active"]);
        assert_eq!(statuses(&[Deleted(true)]), ["deleted"]);
        assert_eq!(statuses(&[Deleted(false)]), ["active", "login_blocked"]);
        assert_eq!(statuses(&[Blocked(false), Deleted(true)]), ["deleted"]);
        assert!(statuses(&[Blocked(true), Deleted(true)]).is_empty());
        assert!(statuses(&[Blocked(true), Blocked(false)]).is_empty());
    }
}
