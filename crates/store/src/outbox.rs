//! The mail outbox (`mail_outbox`): mail waiting for the dispatcher, shared by every
//! instance of the service.
//!
//! # Queuing mail with a change
//!
//! A store write that causes a mail queues it inside its own transaction with
//! [`enqueue_in_tx`], so the mail exists exactly when the change committed:
//!
//! ```text
//! write_tx!(conn, |c| {
//!     diesel::update(users::table.find(id)).set(...).execute(c)?;
//!     crate::outbox::enqueue_in_tx(c, tenant, &mail, now)?;
//!     Ok(())
//! })
//! ```
//!
//! `c` is the concrete connection of either backend, as inside `with_conn!` and
//! `write_tx!`. [`MailOutbox::enqueue`] queues a mail on its own.
//!
//! # Claiming
//!
//! The outbox is the one port that spans tenants: the dispatcher serves all of them and
//! each row carries its tenant. A claim moves `next_attempt_at` forward by a lease and
//! counts an attempt, in one transaction, so concurrent dispatchers (threads or
//! instances) never take the same mail: on PostgreSQL the due rows are selected
//! `FOR UPDATE SKIP LOCKED` (a second claimer takes the next rows instead of waiting),
//! on SQLite the `BEGIN IMMEDIATE` of `write_tx!` runs claims one after the other.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use clientele_domain::ids::{MailId, TenantId};
use clientele_domain::mail::{MailKind, MailOutbox, OutgoingMail, QueuedMail};
use clientele_domain::values::{Email, LanguageTag};
use clientele_domain::StoreError;
use diesel::prelude::*;
use diesel::{PgConnection, QueryResult, SqliteConnection};

use crate::connection::DbConnection;
use crate::encoding::{db_time, utc};
use crate::errors::{DbError, RowCheck};
use crate::schema::{mail_outbox, tenants};
use crate::Store;

/// Longest error text kept per mail; servers can answer with whole paragraphs.
const MAX_ERROR_CHARS: usize = 2000;

#[derive(Queryable, Selectable)]
#[diesel(table_name = mail_outbox, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct OutboxRow {
    id: i64,
    tenant_id: i64,
    kind: String,
    recipient: String,
    language: Option<String>,
    params: String,
    attempts: i32,
    created_at: NaiveDateTime,
}

/// A mail row to insert.
#[derive(Insertable)]
#[diesel(table_name = mail_outbox)]
pub(crate) struct NewOutboxRow<'a> {
    tenant_id: i64,
    kind: &'static str,
    recipient: &'a str,
    language: Option<&'a str>,
    params: String,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

impl<'a> NewOutboxRow<'a> {
    fn new(tenant: TenantId, mail: &'a OutgoingMail, now: DateTime<Utc>) -> Self {
        let now = db_time(now);
        Self {
            tenant_id: tenant.get(),
            kind: mail.kind.code(),
            recipient: mail.to.as_str(),
            language: mail.language.as_ref().map(LanguageTag::as_str),
            // A map of strings always serialises; the fallback only satisfies the types.
            params: serde_json::to_string(&mail.params).unwrap_or_else(|_| "{}".to_owned()),
            next_attempt_at: now,
            created_at: now,
        }
    }
}

/// The concrete connections of both backends, so [`enqueue_in_tx`] can be called with
/// the `c` of `with_conn!` / `write_tx!` bodies.
pub(crate) trait OutboxConnection {
    fn insert_mail(&mut self, row: &NewOutboxRow<'_>) -> QueryResult<i64>;
}

macro_rules! outbox_connection {
    ($($conn:ty),*) => {$(
        impl OutboxConnection for $conn {
            fn insert_mail(&mut self, row: &NewOutboxRow<'_>) -> QueryResult<i64> {
                diesel::insert_into(mail_outbox::table)
                    .values(row)
                    .returning(mail_outbox::id)
                    .get_result(self)
            }
        }
    )*};
}

outbox_connection!(PgConnection, SqliteConnection);

/// Queues `mail` for `tenant`, due at once, on the connection (and so in the transaction)
/// of the caller's write.
pub(crate) fn enqueue_in_tx<C: OutboxConnection>(
    c: &mut C,
    tenant: TenantId,
    mail: &OutgoingMail,
    now: DateTime<Utc>,
) -> Result<MailId, DbError> {
    let id = c.insert_mail(&NewOutboxRow::new(tenant, mail, now))?;
    Ok(MailId::new(id))
}

/// The ids of pending mail due at `$now`, oldest first. A macro because the PostgreSQL
/// arm adds `FOR UPDATE SKIP LOCKED`, which SQLite's query type does not offer.
macro_rules! due_ids {
    ($now:expr, $limit:expr) => {
        mail_outbox::table
            .filter(mail_outbox::sent_at.is_null())
            .filter(mail_outbox::failed_at.is_null())
            .filter(mail_outbox::next_attempt_at.le($now))
            .order((mail_outbox::next_attempt_at, mail_outbox::id))
            .limit($limit)
            .select(mail_outbox::id)
    };
}

/// Claims the rows `$ids` until `$lease_end` and reads them with their tenant's name.
macro_rules! claim_ids {
    ($c:expr, $ids:expr, $lease_end:expr) => {{
        let ids: &[i64] = $ids;
        if ids.is_empty() {
            Ok(Vec::new())
        } else {
            diesel::update(mail_outbox::table.filter(mail_outbox::id.eq_any(ids)))
                .set((
                    mail_outbox::attempts.eq(mail_outbox::attempts + 1),
                    mail_outbox::next_attempt_at.eq($lease_end),
                ))
                .execute($c)?;
            mail_outbox::table
                .inner_join(tenants::table)
                .filter(mail_outbox::id.eq_any(ids))
                .order((mail_outbox::created_at, mail_outbox::id))
                .select((OutboxRow::as_select(), tenants::name))
                .load::<(OutboxRow, String)>($c)
        }
    }};
}

fn queued(row: OutboxRow, tenant_name: String) -> Result<QueuedMail, DbError> {
    let check = RowCheck {
        table: "mail_outbox",
        id: row.id,
    };
    let kind = check.field("kind", MailKind::from_code(&row.kind).ok_or("unknown mail kind"))?;
    let to = check.field("recipient", Email::parse(&row.recipient))?;
    let language = row
        .language
        .as_deref()
        .map(|l| check.field("language", LanguageTag::parse(l)))
        .transpose()?;
    // serde_json's message would quote the offending value, which may be a secret link.
    let params: BTreeMap<String, String> = check.field(
        "params",
        serde_json::from_str(&row.params).map_err(|_| "not a JSON object of strings"),
    )?;
    Ok(QueuedMail {
        id: MailId::new(row.id),
        tenant_id: TenantId::new(row.tenant_id),
        tenant_name,
        mail: OutgoingMail {
            kind,
            to,
            language,
            params,
        },
        attempts: row.attempts,
        created_at: utc(row.created_at),
    })
}

fn clipped(error: &str) -> String {
    error.chars().take(MAX_ERROR_CHARS).collect()
}

#[async_trait]
impl MailOutbox for Store {
    async fn enqueue(&self, tenant: TenantId, mail: OutgoingMail, now: DateTime<Utc>) -> Result<MailId, StoreError> {
        self.run("enqueue mail", move |conn| {
            with_conn!(conn, |c| enqueue_in_tx(c, tenant, &mail, now))
        })
        .await
    }

    async fn claim_due(
        &self,
        limit: usize,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Vec<QueuedMail>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let lease_end = db_time(now + lease);
        let now = db_time(now);
        self.run("claim due mail", move |conn| {
            let rows = match conn {
                DbConnection::Pg(pg) => pg.transaction(|c| -> Result<_, DbError> {
                    let ids: Vec<i64> = due_ids!(now, limit).for_update().skip_locked().load(c)?;
                    Ok(claim_ids!(c, &ids, lease_end)?)
                })?,
                DbConnection::Sqlite(lite) => {
                    // Most rounds find nothing due; a plain read first spares them the
                    // database-wide write lock of `BEGIN IMMEDIATE`.
                    if due_ids!(now, 1).load::<i64>(lite)?.is_empty() {
                        return Ok(Vec::new());
                    }
                    lite.immediate_transaction(|c| -> Result<_, DbError> {
                        let ids: Vec<i64> = due_ids!(now, limit).load(c)?;
                        Ok(claim_ids!(c, &ids, lease_end)?)
                    })?
                }
            };
            let mut claimed = Vec::with_capacity(rows.len());
            for (row, tenant_name) in rows {
                let id = row.id;
                match queued(row, tenant_name) {
                    Ok(mail) => claimed.push(mail),
                    // Give the row up rather than fail every later claim on it.
                    Err(corrupt) => {
                        tracing::error!(mail = id, error = %corrupt, "stored mail is unreadable; given up");
                        with_conn!(conn, |c| diesel::update(mail_outbox::table.find(id))
                            .set((
                                mail_outbox::failed_at.eq(now),
                                mail_outbox::last_error.eq(clipped(&corrupt.to_string())),
                            ))
                            .execute(c))?;
                    }
                }
            }
            Ok(claimed)
        })
        .await
    }

    async fn mark_sent(&self, id: MailId, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.run("mark mail sent", move |conn| {
            with_conn!(conn, |c| diesel::update(
                mail_outbox::table.find(id.get()).filter(mail_outbox::sent_at.is_null())
            )
            .set(mail_outbox::sent_at.eq(db_time(now)))
            .execute(c))?;
            Ok(())
        })
        .await
    }

    async fn mark_failed(
        &self,
        id: MailId,
        error: String,
        next_attempt_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.run("mark mail failed", move |conn| {
            let error = clipped(&error);
            // Unless another dispatcher delivered it after this one's lease ran out.
            let pending = mail_outbox::table.find(id.get()).filter(mail_outbox::sent_at.is_null());
            with_conn!(conn, |c| match next_attempt_at {
                Some(at) => diesel::update(pending)
                    .set((
                        mail_outbox::next_attempt_at.eq(db_time(at)),
                        mail_outbox::last_error.eq(&error),
                    ))
                    .execute(c),
                None => diesel::update(pending)
                    .set((
                        mail_outbox::failed_at.eq(db_time(now)),
                        mail_outbox::last_error.eq(&error),
                    ))
                    .execute(c),
            })?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use clientele_domain::tenants::{NewTenant, TenantName, TenantRepository};
    use clientele_domain::values::CustomerNumberPattern;

    use super::*;
    use crate::testing::TestDatabase;
    use crate::StoreConfig;

    /// A migrated store on `db` with tenant `demo`, and the test's fixed time.
    async fn store_with_tenant(db: &TestDatabase) -> (Store, TenantId, DateTime<Utc>) {
        let store = Store::open(&StoreConfig::new(db.url.clone())).unwrap();
        store.migrate().await.unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let new = NewTenant {
            name: TenantName::parse("demo").unwrap(),
            customer_number_pattern: CustomerNumberPattern::parse("{seq}").unwrap(),
            double_opt_in: false,
            time_zone: clientele_domain::tenants::Tz::UTC,
        };
        let tenant = store.insert(new, now).await.unwrap().id;
        (store, tenant, now)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn mail_queued_in_a_transaction_that_rolls_back_is_gone_with_it() {
        for (name, db) in TestDatabase::all() {
            let (store, tenant, now) = store_with_tenant(&db).await;
            let mail = OutgoingMail::new(MailKind::SignupOptIn, Email::parse("anna@example.com").unwrap());

            let (rolled_back, committed) = (mail.clone(), mail.clone());
            let outcome = store
                .run("test", move |conn| {
                    write_tx!(conn, |c| {
                        enqueue_in_tx(c, tenant, &rolled_back, now)?;
                        // The change that caused the mail fails after the mail was written.
                        Err::<(), _>(DbError::Missing("the changed row"))
                    })
                })
                .await;
            assert!(outcome.is_err(), "{name}");
            assert!(
                store.claim_due(10, now, Duration::minutes(1)).await.unwrap().is_empty(),
                "{name}"
            );

            let id = store
                .run("test", move |conn| {
                    write_tx!(conn, |c| enqueue_in_tx(c, tenant, &committed, now))
                })
                .await
                .unwrap();
            let claimed = store.claim_due(10, now, Duration::minutes(1)).await.unwrap();
            assert_eq!(claimed.iter().map(|m| m.id).collect::<Vec<_>>(), [id], "{name}");
            drop(store);
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_unreadable_row_is_given_up_instead_of_blocking_the_outbox() {
        for (name, db) in TestDatabase::all() {
            let (store, tenant, now) = store_with_tenant(&db).await;
            let good = OutgoingMail::new(MailKind::SignupOptIn, Email::parse("anna@example.com").unwrap());
            let bad = store.enqueue(tenant, good.clone(), now).await.unwrap();
            let good = store.enqueue(tenant, good, now).await.unwrap();
            // A kind this version does not know, e.g. written by a newer one.
            store
                .run("test", move |conn| {
                    with_conn!(conn, |c| diesel::update(mail_outbox::table.find(bad.get()))
                        .set(mail_outbox::kind.eq("newsletter"))
                        .execute(c))?;
                    Ok(())
                })
                .await
                .unwrap();

            let claimed = store.claim_due(10, now, Duration::minutes(1)).await.unwrap();
            assert_eq!(claimed.iter().map(|m| m.id).collect::<Vec<_>>(), [good], "{name}");
            let (failed_at, error) = store
                .run("test", move |conn| {
                    Ok(with_conn!(conn, |c| mail_outbox::table
                        .find(bad.get())
                        .select((mail_outbox::failed_at, mail_outbox::last_error))
                        .first::<(Option<NaiveDateTime>, Option<String>)>(c))?)
                })
                .await
                .unwrap();
            assert_eq!(failed_at, Some(db_time(now)), "{name}");
            assert!(error.unwrap().contains("invalid kind: unknown mail kind"), "{name}");
            // The good mail comes back after its lease; the given-up one never does.
            let later = now + Duration::days(1);
            let again = store.claim_due(10, later, Duration::minutes(1)).await.unwrap();
            assert_eq!(again.iter().map(|m| m.id).collect::<Vec<_>>(), [good], "{name}");
            drop(store);
        }
    }
}
