//! Sessions: issued token pairs, looked up by the digest of their access or refresh token.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use clientele_domain::addresses::Address;
use clientele_domain::customers::{Customer, CustomerStatus};
use clientele_domain::identity::{
    AccountParts, CurrentLogin, NewSession, Rotation, Session, SessionRepository, Subject, TokenDigest, TokenDigests,
};
use clientele_domain::ids::{CustomerId, PublicId, SessionId, TenantId, UserId};
use clientele_domain::users::User;
use clientele_domain::StoreError;
use diesel::expression::functions::declare_sql_function;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Nullable, SingleValue, Text, Timestamp};

use crate::addresses::AddressRow;
use crate::connection::{DbConnection, Prepared};
use crate::customers::CustomerRow;
use crate::encoding::{db_time, utc, MaybeStamp, Stamp};
use crate::errors::{DbError, RowCheck};
use crate::schema::{addresses, customers, sessions, users};
use crate::users::UserRow;
use crate::Store;

#[declare_sql_function]
extern "SQL" {
    fn coalesce<T: SingleValue>(first: Nullable<T>, second: Nullable<T>) -> Nullable<T>;
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct SessionRow {
    id: i64,
    tenant_id: i64,
    family: String,
    customer_id: Option<i64>,
    user_id: Option<i64>,
    #[diesel(deserialize_as = Stamp)]
    access_expires_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    refresh_expires_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    created_at: NaiveDateTime,
    #[diesel(deserialize_as = MaybeStamp)]
    rotated_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = MaybeStamp)]
    revoked_at: Option<NaiveDateTime>,
}

/// `None` binds NULL (not `DEFAULT`), so the insert is one statement text that Diesel
/// keeps prepared.
#[derive(Insertable)]
#[diesel(table_name = sessions, treat_none_as_default_value = false)]
struct NewSessionRow<'a> {
    tenant_id: i64,
    family: &'a str,
    customer_id: Option<i64>,
    user_id: Option<i64>,
    access_digest: &'a str,
    access_expires_at: NaiveDateTime,
    refresh_digest: &'a str,
    refresh_expires_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

impl<'a> NewSessionRow<'a> {
    fn new(tenant: TenantId, family: &'a str, subject: Subject, new: &'a TokenDigests, now: NaiveDateTime) -> Self {
        let (customer_id, user_id) = match subject {
            Subject::User { customer, user } => (Some(customer.get()), Some(user.get())),
            Subject::Anonymous => (None, None),
        };
        Self {
            tenant_id: tenant.get(),
            family,
            customer_id,
            user_id,
            access_digest: new.access.as_str(),
            access_expires_at: db_time(new.access_expires_at),
            refresh_digest: new.refresh.as_str(),
            refresh_expires_at: db_time(new.refresh_expires_at),
            created_at: now,
        }
    }
}

impl TryFrom<SessionRow> for Session {
    type Error = DbError;

    fn try_from(row: SessionRow) -> Result<Self, DbError> {
        let check = RowCheck {
            table: "sessions",
            id: row.id,
        };
        let subject = match (row.customer_id, row.user_id) {
            (Some(customer), Some(user)) => Subject::User {
                customer: CustomerId::new(customer),
                user: UserId::new(user),
            },
            _ => Subject::Anonymous,
        };
        Ok(Session {
            id: SessionId::new(row.id),
            tenant_id: TenantId::new(row.tenant_id),
            family: check.field("family", PublicId::parse(&row.family).ok_or("malformed"))?,
            subject,
            access_expires_at: utc(row.access_expires_at),
            refresh_expires_at: utc(row.refresh_expires_at),
            created_at: utc(row.created_at),
        })
    }
}

/// The live sessions (not revoked, not rotated, not expired at `$now`) of the tenant
/// with this access-token digest: at most one.
macro_rules! live_session {
    ($tenant:expr, $digest:expr, $now:expr) => {
        sessions::table
            .filter(sessions::access_digest.eq($digest))
            .filter(sessions::tenant_id.eq($tenant.get()))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::rotated_at.is_null())
            .filter(sessions::access_expires_at.gt($now))
    };
}

/// [`live_session!`] joined with its user and the user's customer (none for anonymous
/// sessions).
macro_rules! session_owner {
    ($tenant:expr, $digest:expr, $now:expr) => {
        live_session!($tenant, $digest, $now)
            .left_join(
                users::table.on(users::id
                    .nullable()
                    .eq(sessions::user_id)
                    .and(users::tenant_id.eq(sessions::tenant_id))),
            )
            .left_join(
                customers::table.on(customers::id
                    .eq(users::customer_id)
                    .and(customers::tenant_id.eq(users::tenant_id))),
            )
    };
}

/// The live session of an access token with its user's customer, user and addresses, in
/// one statement: this runs on token-authenticated requests whose account is not cached
/// at its current row versions, and each statement is a round trip to PostgreSQL.
/// One row per address (at least one row), each repeating session, user, customer.
macro_rules! session_with_account {
    ($c:expr, $tenant:expr, $digest:expr, $now:expr) => {{
        let rows: Vec<Joined> = session_owner!($tenant, $digest, $now)
            .left_join(
                addresses::table.on(addresses::customer_id
                    .eq(customers::id)
                    .and(addresses::tenant_id.eq(customers::tenant_id))),
            )
            .select((
                SessionRow::as_select(),
                Option::<UserRow>::as_select(),
                Option::<CustomerRow>::as_select(),
                Option::<AddressRow>::as_select(),
            ))
            .load($c)?;
        account_of_rows(rows)
    }};
}

type Joined = (SessionRow, Option<UserRow>, Option<CustomerRow>, Option<AddressRow>);

/// The session and, for a user's session, the account of [`session_with_account!`]'s rows.
fn account_of_rows(rows: Vec<Joined>) -> Result<Option<(Session, Option<AccountParts>)>, DbError> {
    let mut rows = rows.into_iter();
    let Some((session, user, customer, first_address)) = rows.next() else {
        return Ok(None);
    };
    let session = Session::try_from(session)?;
    let (Subject::User { .. }, Some(user), Some(customer)) = (session.subject, user, customer) else {
        return Ok(Some((session, None)));
    };
    // Sorted here, not by ORDER BY: a sort node in PostgreSQL's plan costs more to set up
    // for these wide rows than the whole lookup.
    let mut rows: Vec<AddressRow> = first_address
        .into_iter()
        .chain(rows.filter_map(|(_, _, _, a)| a))
        .collect();
    rows.sort_unstable_by_key(|a| a.id);
    let addresses = rows.into_iter().map(Address::try_from).collect::<Result<Vec<_>, _>>()?;
    let parts = (Customer::try_from(customer)?, User::try_from(user)?, addresses);
    Ok(Some((session, Some(parts))))
}

/// A user's new session is a login: on PostgreSQL the user's login fields and the
/// session are written by this one statement (atomic without a transaction, and kept
/// prepared, which Diesel's `UPDATE` never is: a login's database work is a third of
/// what the update, insert, `BEGIN` and `COMMIT` cost as four statements parsed anew).
/// Not an edit of the user: `version` and `updated_at` stay, so a login never fails a
/// concurrent profile update's version check. No row when the user is gone.
///
/// Its commit does not wait for the disk (`synchronous_commit` off for this statement's
/// transaction only): it is visible to every connection at once, and a database crash
/// within a fraction of a second can lose it, as SQLite's `synchronous = NORMAL` can lose
/// any last commit; the client then logs in again. Revocations, password and account
/// changes keep waiting for the disk.
///
/// With `current` (a login that verified a remembered hash, see
/// `clientele_domain::identity::RecentLogins`) the row is written only while the user
/// still has that login key and password hash, is active and not locked, and its
/// customer is active; one statement text either way (`$n IS NULL OR …`), so one
/// prepared statement.
struct UserLogin<'a> {
    user: i64,
    row: &'a NewSessionRow<'a>,
    /// The remembered login key and password hash, if any.
    current: (Option<&'a str>, Option<&'a str>),
    active: &'static str,
    returning: diesel::dsl::AsSelect<SessionRow, Pg>,
}

/// [`UserLogin`]'s statement text never changes: one prepared statement for all.
struct UserLoginId;

impl QueryId for UserLogin<'_> {
    type QueryId = UserLoginId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for UserLogin<'_> {
    type SqlType = diesel::dsl::AsSelect<SessionRow, Pg>;
}

impl RunQueryDsl<PgConnection> for UserLogin<'_> {}

impl QueryFragment<Pg> for UserLogin<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let r = self.row;
        // A new session needs no disk flush before it is answered: see the type's doc.
        out.push_sql("WITH a AS (SELECT set_config('synchronous_commit', 'off', true)), ");
        out.push_sql("u AS (UPDATE users SET first_login_at = coalesce(first_login_at, ");
        out.push_bind_param::<Timestamp, _>(&r.created_at)?;
        out.push_sql("), last_login_at = ");
        out.push_bind_param::<Timestamp, _>(&r.created_at)?;
        out.push_sql(", failed_logins = 0, locked_until = NULL WHERE tenant_id = ");
        out.push_bind_param::<BigInt, _>(&r.tenant_id)?;
        out.push_sql(" AND id = ");
        out.push_bind_param::<BigInt, _>(&self.user)?;
        let (login_key, password_hash) = &self.current;
        out.push_sql(" AND (");
        out.push_bind_param::<Nullable<Text>, _>(login_key)?;
        out.push_sql("::text IS NULL OR (login_key = ");
        out.push_bind_param::<Nullable<Text>, _>(login_key)?;
        out.push_sql(" AND password_hash = ");
        out.push_bind_param::<Nullable<Text>, _>(password_hash)?;
        out.push_sql(" AND active AND (locked_until IS NULL OR locked_until <= ");
        out.push_bind_param::<Timestamp, _>(&r.created_at)?;
        out.push_sql(") AND EXISTS (SELECT 1 FROM customers c WHERE c.id = users.customer_id AND c.status = ");
        out.push_bind_param::<Text, _>(&self.active)?;
        out.push_sql(
            "))) \
             RETURNING tenant_id, customer_id, id) \
             INSERT INTO sessions (tenant_id, family, customer_id, user_id, access_digest, access_expires_at, \
             refresh_digest, refresh_expires_at, created_at) SELECT u.tenant_id, ",
        );
        out.push_bind_param::<Text, _>(r.family)?;
        out.push_sql(", u.customer_id, u.id, ");
        out.push_bind_param::<Text, _>(r.access_digest)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&r.access_expires_at)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(r.refresh_digest)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&r.refresh_expires_at)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&r.created_at)?;
        out.push_sql(" FROM u, a RETURNING ");
        self.returning.walk_ast(out.reborrow())
    }
}

/// Stores `new`; for a user, the login fields too (see [`UserLogin`]). With `current`,
/// only while the user is still as it says (`None` otherwise).
fn insert_session(
    conn: &mut DbConnection,
    tenant: TenantId,
    new: &NewSession,
    current: Option<&CurrentLogin>,
    now: DateTime<Utc>,
) -> Result<Option<SessionRow>, DbError> {
    let at = db_time(now);
    let row = NewSessionRow::new(tenant, new.family.as_str(), new.subject, &new.tokens, at);
    Ok(match (conn, new.subject) {
        (DbConnection::Pg(pg), Subject::User { user, .. }) => UserLogin {
            user: user.get(),
            row: &row,
            current: (
                current.map(|c| c.login_key.as_str()),
                current.map(|c| c.password_hash.as_str()),
            ),
            active: CustomerStatus::Active.code(),
            returning: SessionRow::as_select(),
        }
        .get_result(pg)
        .optional()?,
        // SQLite, and anonymous sessions: the same as two statements (three with `current`).
        (conn, subject) => write_tx!(conn, |c| {
            if let Subject::User { user, .. } = subject {
                if let Some(current) = current {
                    let still = users::table
                        .inner_join(customers::table)
                        .filter(users::tenant_id.eq(tenant.get()))
                        .filter(users::id.eq(user.get()))
                        .filter(users::login_key.eq(&current.login_key))
                        .filter(users::password_hash.eq(current.password_hash.as_str()))
                        .filter(users::active)
                        .filter(users::locked_until.is_null().or(users::locked_until.le(at)))
                        .filter(customers::status.eq(CustomerStatus::Active.code()));
                    if !diesel::select(diesel::dsl::exists(still)).get_result::<bool>(c)? {
                        return Ok(None);
                    }
                }
                let found = diesel::update(users::table)
                    .filter(users::tenant_id.eq(tenant.get()))
                    .filter(users::id.eq(user.get()))
                    .set((
                        users::first_login_at.eq(coalesce(users::first_login_at, Some(at))),
                        users::last_login_at.eq(Some(at)),
                        users::failed_logins.eq(0),
                        users::locked_until.eq(None::<NaiveDateTime>),
                    ))
                    .execute(c)?;
                if found != 1 {
                    return Ok(None);
                }
            }
            Ok(Some(
                diesel::insert_into(sessions::table)
                    .values(&row)
                    .returning(SessionRow::as_returning())
                    .get_result(c)?,
            ))
        })?,
    })
}

#[async_trait]
impl SessionRepository for Store {
    async fn insert(&self, tenant: TenantId, new: NewSession, now: DateTime<Utc>) -> Result<Session, StoreError> {
        self.run("insert session", move |conn| {
            insert_session(conn, tenant, &new, None, now)?
                .ok_or(DbError::Missing("user"))?
                .try_into()
        })
        .await
    }

    async fn insert_if_current(
        &self,
        tenant: TenantId,
        new: NewSession,
        current: CurrentLogin,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, StoreError> {
        self.run("insert session of a remembered login", move |conn| {
            insert_session(conn, tenant, &new, Some(&current), now)?
                .map(Session::try_from)
                .transpose()
        })
        .await
    }

    async fn by_access(
        &self,
        tenant: TenantId,
        access: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, StoreError> {
        let digest = access.as_str().to_owned();
        self.run("session by access token", move |conn| {
            let row: Option<SessionRow> = with_conn!(conn, |c| live_session!(tenant, &digest, db_time(now))
                .select(SessionRow::as_select())
                .get_result(c)
                .optional())?;
            row.map(Session::try_from).transpose()
        })
        .await
    }

    async fn by_access_with_account(
        &self,
        tenant: TenantId,
        access: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, Option<AccountParts>)>, StoreError> {
        let digest = access.as_str().to_owned();
        let cache = std::sync::Arc::clone(&self.accounts);
        self.run("session with account", move |conn| {
            let now = db_time(now);
            // The session and the revision of its account: the row versions of its user
            // and customer (an address write through the store rewrites the customer row
            // too). The account comes from the cache when it was read at that revision
            // (see `crate::account_cache`).
            let checked: Option<(SessionRow, Option<i64>, Option<i64>)> =
                with_conn!(conn, |c| session_owner!(tenant, &digest, now)
                    .select((
                        SessionRow::as_select(),
                        users::row_version.nullable(),
                        customers::row_version.nullable()
                    ))
                    .get_result(c)
                    .optional())?;
            let Some((row, user_version, customer_version)) = checked else {
                return Ok(None);
            };
            let session = Session::try_from(row)?;
            let (Subject::User { user, .. }, Some(u), Some(c)) = (session.subject, user_version, customer_version)
            else {
                return Ok(Some((session, None)));
            };
            let revision = (u, c);
            if let Some(parts) = cache.get(tenant.get(), user.get(), revision) {
                return Ok(Some((session, Some(parts))));
            }
            let read = with_conn!(conn, |c| session_with_account!(c, tenant, &digest, now))?;
            if let Some((_, Some(parts))) = &read {
                cache.put(tenant.get(), user.get(), revision, parts);
            }
            Ok(read)
        })
        .await
    }

    async fn rotate(
        &self,
        tenant: TenantId,
        refresh: &TokenDigest,
        next: TokenDigests,
        now: DateTime<Utc>,
    ) -> Result<Rotation, StoreError> {
        let digest = refresh.as_str().to_owned();
        self.run("rotate refresh token", move |conn| {
            let now = db_time(now);
            write_tx!(conn, |c| {
                let spent: Option<SessionRow> = sessions::table
                    .filter(sessions::refresh_digest.eq(&digest))
                    .filter(sessions::tenant_id.eq(tenant.get()))
                    .select(SessionRow::as_select())
                    .get_result(c)
                    .optional()?;
                let Some(spent) = spent else {
                    return Ok(Rotation::Unknown);
                };
                let family = spent.family.clone();
                if spent.revoked_at.is_some() || spent.rotated_at.is_some() {
                    return Ok(Rotation::Replayed {
                        family: Session::try_from(spent)?.family,
                    });
                }
                if spent.refresh_expires_at <= now {
                    return Ok(Rotation::Unknown);
                }
                // Guarded by `rotated_at IS NULL`: of two concurrent refreshes one wins,
                // the other sees a replay.
                let spent_now = Prepared(
                    diesel::update(sessions::table.find(spent.id).filter(sessions::rotated_at.is_null()))
                        .set(sessions::rotated_at.eq(now))
                        .returning(sessions::id),
                )
                .load::<i64>(c)?
                .len();
                let session = Session::try_from(spent)?;
                if spent_now == 0 {
                    return Ok(Rotation::Replayed { family: session.family });
                }
                let row = NewSessionRow::new(tenant, &family, session.subject, &next, now);
                let stored: SessionRow = diesel::insert_into(sessions::table)
                    .values(&row)
                    .returning(SessionRow::as_returning())
                    .get_result(c)?;
                Ok(Rotation::Rotated(stored.try_into()?))
            })
        })
        .await
    }

    async fn revoke_family(&self, tenant: TenantId, family: &PublicId, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let family = family.as_str().to_owned();
        self.run("revoke session family", move |conn| {
            let n = with_conn!(conn, |c| end_sessions!(c, tenant.get(), family = &family, db_time(now)))?;
            Ok(n as u64)
        })
        .await
    }

    async fn revoke_user(&self, tenant: TenantId, user: UserId, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.run("revoke user sessions", move |conn| {
            let n = with_conn!(conn, |c| end_sessions!(
                c,
                tenant.get(),
                user = user.get(),
                db_time(now)
            ))?;
            Ok(n as u64)
        })
        .await
    }
}
