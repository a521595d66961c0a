//! How many live customers of a tenant match a name substring, read from
//! `customer_name_tallies` (kept by triggers, migration 000026; PostgreSQL only): a
//! back-office search whose one filter is a substring of the first, last or company
//! name counts its matches per distinct name instead of visiting every matching
//! customer (a trigram index only finds candidates; each must be read to recheck it).
//! Exact, as the customer rows are: the change rows commit with the changes they count.

use clientele_domain::administration::{Filter, SearchField, TextMatch};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use crate::errors::DbError;
use crate::schema::customer_name_tallies;
use crate::search::piece_pattern;

/// Past this many change rows beyond one per name, a count folds the names it read.
const FOLD_SLACK: i64 = 64;

/// The tenant's live customers matching `filters`, when they are one name substring;
/// `None` for any other search (counted on the customers).
pub(crate) fn count(pg: &mut PgConnection, tenant: i64, filters: &[Filter]) -> Result<Option<i64>, DbError> {
    let [Filter::Text(field, TextMatch::Contains(piece))] = filters else {
        return Ok(None);
    };
    let field = match field {
        SearchField::FirstName => "first",
        SearchField::LastName => "last",
        SearchField::Company => "company",
        _ => return Ok(None),
    };
    // As the customers' filter compares.
    let pattern = piece_pattern(piece);
    let (total, rows, names): (i64, i64, i64) = customer_name_tallies::table
        .filter(customer_name_tallies::tenant_id.eq(tenant))
        .filter(customer_name_tallies::field.eq(field))
        .filter(customer_name_tallies::name.like(&pattern).escape('\\'))
        .select((
            sql::<BigInt>("CAST(COALESCE(SUM(n), 0) AS BIGINT)"),
            sql::<BigInt>("COUNT(*)"),
            sql::<BigInt>("COUNT(DISTINCT name)"),
        ))
        .get_result(pg)?;
    if rows > names + FOLD_SLACK {
        fold(pg, tenant, field, &pattern);
    }
    Ok(Some(total))
}

/// Folds the change rows of the names matching `pattern` into one per name, dropping
/// names no live customer carries. The rows it deletes are the rows it sums, in one
/// statement, under the tenant's tally lock (migration 000026), so neither a concurrent
/// write nor another deletion of tally rows loses a change. When the lock is taken, or
/// the fold fails, nothing changes and a later count tries again.
fn fold(pg: &mut PgConnection, tenant: i64, field: &str, pattern: &str) {
    // A savepoint inside the caller's transaction: a failure must not abort the search.
    let folded = pg.transaction(|c| {
        let locked: bool = diesel::select(
            sql::<Bool>("customer_name_tallies_try_lock(")
                .bind::<BigInt, _>(tenant)
                .sql(")"),
        )
        .get_result(c)?;
        if !locked {
            return Ok(0);
        }
        diesel::sql_query(
            "WITH gone AS (DELETE FROM customer_name_tallies \
                            WHERE tenant_id = $1 AND field = $2 AND name LIKE $3 ESCAPE '\\' \
                            RETURNING name, n) \
             INSERT INTO customer_name_tallies (tenant_id, field, name, n) \
             SELECT $1, $2, name, SUM(n) FROM gone GROUP BY name HAVING SUM(n) <> 0",
        )
        .bind::<BigInt, _>(tenant)
        .bind::<Text, _>(field)
        .bind::<Text, _>(pattern)
        .execute(c)
    });
    if let Err(e) = folded {
        tracing::warn!(error = %e, tenant, field, "name tallies not folded");
    }
}
