//! Connections: which backend a URL names, how a new connection is set up, the pool,
//! and the macros that run one query body on whichever backend a connection is.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::{Connection, ConnectionError, PgConnection, SqliteConnection};

/// A connection to either backend. Queries go through [`with_conn!`] / [`write_tx!`]
/// to the concrete connection, so each backend's full SQL (RETURNING, ON CONFLICT,
/// `BEGIN IMMEDIATE`) is available.
#[derive(diesel::MultiConnection)]
pub(crate) enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// A statement kept prepared under its SQL text: Diesel parses and plans every `UPDATE`
/// anew on each execution (it cannot know that a changeset writes the same columns each
/// time), which on PostgreSQL costs about as much as running a small one. Keyed by the
/// text, so only for statements of one shape on hot paths (locks, session revocations,
/// login counters, bulk inserts in pieces of fixed sizes): every distinct text stays
/// prepared on each connection, and a changeset of optional fields has many. Run it
/// with a loading method (`load`, `get_result`): `execute` asks a reference to the
/// statement whether it may be cached, which sees the inner statement's answer; so a
/// statement without a result returns keys and counts them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prepared<Q>(pub(crate) Q);

impl<Q> diesel::query_builder::QueryId for Prepared<Q> {
    type QueryId = ();
    // No static id: the statement cache keys it by its SQL text and bind types.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, DB> diesel::query_builder::QueryFragment<DB> for Prepared<Q>
where
    Q: diesel::query_builder::QueryFragment<DB>,
    DB: diesel::backend::Backend,
{
    fn walk_ast<'b>(&'b self, pass: diesel::query_builder::AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> diesel::QueryResult<bool> {
        Ok(true)
    }
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, C> diesel::RunQueryDsl<C> for Prepared<Q> {}

/// Runs `$body` with `$c` bound to the concrete connection of either backend; the body
/// is compiled once per backend.
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::connection::DbConnection::Pg($c) => $body,
            $crate::connection::DbConnection::Sqlite($c) => $body,
        }
    };
}

/// Like [`with_conn!`], inside a write transaction. On SQLite it is `BEGIN IMMEDIATE`:
/// a deferred transaction that reads first and then writes cannot wait for the write
/// lock and fails with "database is locked" under concurrent writers.
macro_rules! write_tx {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::connection::DbConnection::Pg(pg) => {
                diesel::Connection::transaction(pg, |$c| -> Result<_, $crate::errors::DbError> { $body })
            }
            $crate::connection::DbConnection::Sqlite(lite) => {
                lite.immediate_transaction(|$c| -> Result<_, $crate::errors::DbError> { $body })
            }
        }
    };
}

/// Takes customer `$customer`'s row lock (or that of user `$user`'s customer, with
/// `user = $user`) by rewriting the row unchanged, inside the caller's write
/// transaction. Every write to a customer, its users or its addresses
/// locks the customer row first:
/// - so two writes never deadlock on PostgreSQL: editing a primary user's searched
///   fields (login, e-mail, names, active) also writes the customer row through
///   migration 000022's trigger, and profile updates and erasures write the customer
///   and then its users and addresses;
/// - so checks across a customer's rows (at most N addresses, keep the last one) see no
///   concurrent change;
/// - so the customer row's version changes with every address write, which the cache
///   of token-read accounts relies on (`crate::account_cache`).
///
/// SQLite writes one transaction at a time anyway.
macro_rules! lock_customer {
    ($c:expr, $tenant:expr, user = $user:expr) => {{
        use $crate::schema::{customers, users};
        let customer = users::table
            .filter(users::tenant_id.eq($tenant))
            .filter(users::id.eq($user))
            .select(users::customer_id);
        lock_customer!(@rewrite $c, customers::id.eq_any(customer))
    }};
    ($c:expr, $tenant:expr, $customer:expr) => {{
        use $crate::schema::customers;
        lock_customer!(@rewrite $c, customers::tenant_id.eq($tenant).and(customers::id.eq($customer)))
    }};
    (@rewrite $c:expr, $which:expr) => {
        $crate::connection::Prepared(
            diesel::update(customers::table.filter($which))
                .set(customers::version.eq(customers::version))
                .returning(customers::id),
        )
        .load::<i64>($c)
        .map(|locked| locked.len())
    };
}

/// Ends (revokes) the live sessions of customer `$customer`'s users, of one user
/// (`user = $user`) or of one session family (`family = $family`, a stolen refresh
/// token), inside the caller's transaction: blocking a customer, deactivating a user or
/// a new password takes effect together with the sessions it ends. Returns how many.
macro_rules! end_sessions {
    ($c:expr, $tenant:expr, user = $user:expr, $now:expr) => {{
        use $crate::schema::sessions;
        end_sessions!(@revoke $c, $tenant, sessions::user_id.eq($user), $now)
    }};
    ($c:expr, $tenant:expr, family = $family:expr, $now:expr) => {{
        use $crate::schema::sessions;
        end_sessions!(@revoke $c, $tenant, sessions::family.eq($family), $now)
    }};
    ($c:expr, $tenant:expr, $customer:expr, $now:expr) => {{
        use $crate::schema::sessions;
        end_sessions!(@revoke $c, $tenant, sessions::customer_id.eq($customer), $now)
    }};
    (@revoke $c:expr, $tenant:expr, $whose:expr, $now:expr) => {
        $crate::connection::Prepared(
            diesel::update(
                sessions::table
                    .filter(sessions::tenant_id.eq($tenant))
                    .filter($whose)
                    .filter(sessions::revoked_at.is_null()),
            )
            .set(sessions::revoked_at.eq($now))
            .returning(sessions::id),
        )
        .load::<i64>($c)
        .map(|ended| ended.len())
    };
}

/// Sets live customer `$customer`'s status (`CustomerStatus`) inside the caller's
/// transaction. Blocking one that was not blocked records since when (`blocked_at`)
/// and ends its users' sessions with it.
macro_rules! set_status {
    ($c:expr, $tenant:expr, $customer:expr, $status:expr, $now:expr) => {{
        use clientele_domain::customers::CustomerStatus;
        use $crate::schema::customers;
        let status: CustomerStatus = $status;
        let live = customers::table
            .filter(customers::tenant_id.eq($tenant))
            .filter(customers::id.eq($customer))
            .filter(customers::status.ne(CustomerStatus::Deleted.code()));
        let changed = diesel::update(live.filter(customers::status.ne(status.code())));
        if status == CustomerStatus::LoginBlocked {
            let blocked_now = changed
                .set((customers::status.eq(status.code()), customers::blocked_at.eq($now)))
                .execute($c)?;
            if blocked_now > 0 {
                end_sessions!($c, $tenant, $customer, $now)?;
            }
        } else {
            changed.set(customers::status.eq(status.code())).execute($c)?;
        }
    }};
}

/// Removes the erased users' mail (queued, sent or given up: it holds their address and
/// name) and writes the audit record of the erasure: who asked, in which request, how
/// many rows of which table (sessions counted before they went with their users); no
/// personal data. Inside the caller's transaction.
macro_rules! audit_erasure {
    ($c:expr, $t:expr, $cu:expr, $user:expr, $emails:expr, $sessions:expr, $counts:expr, $actor:expr, $now:expr) => {{
        let mut counts: Vec<(&'static str, usize)> = $counts;
        counts.push(("sessions", $sessions as usize));
        counts.push((
            "mail_outbox",
            diesel::delete(
                $crate::schema::mail_outbox::table
                    .filter($crate::schema::mail_outbox::tenant_id.eq($t))
                    .filter($crate::schema::mail_outbox::recipient.eq_any(&$emails)),
            )
            .execute($c)?,
        ));
        let counts: serde_json::Map<String, serde_json::Value> = counts
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(table, n)| (table.to_owned(), n.into()))
            .collect();
        diesel::insert_into($crate::schema::erasures::table)
            .values((
                $crate::schema::erasures::tenant_id.eq($t),
                $crate::schema::erasures::customer_id.eq($cu),
                $crate::schema::erasures::user_id.eq($user),
                $crate::schema::erasures::actor.eq(&$actor.by),
                $crate::schema::erasures::request_id.eq($actor.request_id.as_deref()),
                $crate::schema::erasures::counts.eq($crate::encoding::object_text(&counts)),
                $crate::schema::erasures::created_at.eq($now),
            ))
            .execute($c)?;
    }};
}

/// Runs the statements of one list (its count and its page) in one snapshot, so the
/// total and the page agree: a transaction, `REPEATABLE READ` on PostgreSQL (SQLite's
/// are snapshots in WAL mode anyway). PostgreSQL also plans each statement for its
/// actual parameters there (`SET LOCAL plan_cache_mode = auto`). The connection
/// default, generic plans ([`PG_SETUP`]), suits the key lookups that make most of the
/// traffic; list queries need custom plans: with a generic plan PostgreSQL cannot see
/// that `LIMIT 101` under an `ORDER BY` that an index provides means walking that index,
/// and sorts the whole table instead (450 ms instead of 0.1 ms on a million customers).
pub(crate) fn list_snapshot<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, crate::errors::DbError>,
) -> Result<T, crate::errors::DbError> {
    conn.transaction(|c| {
        if let DbConnection::Pg(pg) = c {
            pg.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; SET LOCAL plan_cache_mode = auto")?;
        }
        f(c)
    })
}

/// Set on every SQLite connection (these settings are per connection, except WAL).
/// `busy_timeout` comes first so that switching to WAL, which needs a lock, waits
/// for the other connections the pool opens at the same time.
const SQLITE_SETUP: &str = "PRAGMA busy_timeout = 5000; \
                            PRAGMA foreign_keys = ON; \
                            PRAGMA journal_mode = WAL; \
                            PRAGMA synchronous = NORMAL;";

/// Set on every PostgreSQL connection. Diesel prepares each query once per connection;
/// by default PostgreSQL still re-plans it for every execution while it compares custom
/// with generic plans, and planning the account join costs several times executing it.
/// Every query of the store looks rows up by key, so the generic plan is always right.
/// No parallel workers: starting them costs milliseconds (a page of a substring search
/// on a million customers took 8 ms with two workers and 1.3 ms without), and a service
/// answering many small requests has no idle cores to give them.
const PG_SETUP: &str = "SET plan_cache_mode = force_generic_plan; SET max_parallel_workers_per_gather = 0";

const MEMORY: &str = ":memory:";

/// The database a URL names.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Postgres {
        url: String,
    },
    /// A file path, or `:memory:`.
    Sqlite {
        path: String,
    },
}

/// Why a URL names no database we can open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UrlError {
    Empty,
    UnsupportedScheme(String),
}

impl Target {
    /// `postgres://…` / `postgresql://…` is PostgreSQL; `sqlite://path`, `sqlite:path`,
    /// a plain path or `:memory:` is SQLite.
    pub(crate) fn parse(url: &str) -> Result<Self, UrlError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target::Postgres { url: url.to_owned() });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if let Some((scheme, _)) = path.split_once("://") {
            return Err(UrlError::UnsupportedScheme(scheme.to_owned()));
        }
        if path.is_empty() {
            return Err(UrlError::Empty);
        }
        Ok(Target::Sqlite { path: path.to_owned() })
    }

    /// An in-memory SQLite database lives and dies with its one connection.
    pub(crate) fn is_memory(&self) -> bool {
        matches!(self, Target::Sqlite { path } if path == MEMORY)
    }

    /// Bounds how long libpq tries to reach the server, so a dead host cannot hold a
    /// pool thread longer than the configured connect timeout.
    pub(crate) fn with_connect_timeout(self, timeout: Duration) -> Self {
        match self {
            Target::Postgres { url } if !url.contains("connect_timeout=") => {
                // libpq takes whole seconds and treats 1 as 2; never round down to 0 (= wait forever).
                let secs = timeout.as_secs().max(2);
                let sep = if url.contains('?') { '&' } else { '?' };
                Target::Postgres {
                    url: format!("{url}{sep}connect_timeout={secs}"),
                }
            }
            other => other,
        }
    }

    /// The URL without user, password or query, for messages and logs.
    pub(crate) fn describe(&self) -> String {
        match self {
            Target::Postgres { url } => {
                let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
                // Everything up to the last `@` is user info, even if a password holds `/` or `?`.
                let host_and_db = rest.rsplit_once('@').map_or(rest, |(_, after)| after);
                let host_and_db = host_and_db.split('?').next().unwrap_or_default();
                format!("PostgreSQL database {scheme}://{host_and_db}")
            }
            Target::Sqlite { path } if path == MEMORY => "in-memory SQLite database".to_owned(),
            Target::Sqlite { path } => format!("SQLite database {path}"),
        }
    }

    /// Removes the password from a driver message, should the driver echo it.
    pub(crate) fn scrub(&self, message: &str) -> String {
        let one_line = message.trim().replace('\n', "; ");
        match self.password() {
            Some(secret) => one_line.replace(secret, "***"),
            None => one_line,
        }
    }

    fn password(&self) -> Option<&str> {
        let Target::Postgres { url } = self else { return None };
        let rest = url.split_once("://")?.1;
        let (user_info, _) = rest.rsplit_once('@')?;
        user_info
            .split_once(':')
            .map(|(_, password)| password)
            .filter(|p| !p.is_empty())
    }
}

// The URL may hold a password; r2d2 and log lines only ever see the description.
impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Opens connections for the pool.
#[derive(Debug)]
pub(crate) struct Manager {
    target: Target,
}

/// A pooled connection and when it last went back to the pool.
pub(crate) struct Pooled {
    conn: DbConnection,
    returned: Instant,
}

impl std::ops::Deref for Pooled {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// A connection idle for this long is tested before it is handed out; one used more
/// recently is handed out as it is.
const TEST_AFTER_IDLE: Duration = Duration::from_secs(1);

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = ConnectionError;

    fn connect(&self) -> Result<Pooled, ConnectionError> {
        let conn = match &self.target {
            Target::Postgres { url } => {
                let mut conn = PgConnection::establish(url)?;
                conn.batch_execute(PG_SETUP)
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                DbConnection::Pg(conn)
            }
            Target::Sqlite { path } => {
                let mut conn = SqliteConnection::establish(path)?;
                conn.batch_execute(SQLITE_SETUP)
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                DbConnection::Sqlite(conn)
            }
        };
        Ok(Pooled {
            conn,
            returned: Instant::now(),
        })
    }

    // Called on each checkout. Testing every connection costs a round trip per
    // request (~40 % of PostgreSQL read throughput); under load connections come back
    // within milliseconds and are handed out untested. One that sat idle (when a
    // database restart or an idle-session timeout most likely closed it) is tested
    // first, and r2d2 replaces it if the test fails, so the request never sees it.
    // SQLite has no server to close a connection (and an in-memory database must keep
    // its only one).
    fn is_valid(&self, conn: &mut Pooled) -> Result<(), ConnectionError> {
        if matches!(conn.conn, DbConnection::Sqlite(_)) || conn.returned.elapsed() < TEST_AFTER_IDLE {
            return Ok(());
        }
        conn.conn.ping().map_err(ConnectionError::CouldntSetupConfiguration)
    }

    // Called on each return. Diesel counts a connection as broken when a transaction
    // was left unfinished and when libpq lost the server (its transaction status turns
    // unknown); either way the connection is closed instead of going back to the pool.
    fn has_broken(&self, conn: &mut Pooled) -> bool {
        conn.returned = Instant::now();
        std::thread::panicking() || conn.conn.is_broken()
    }
}

/// Sends r2d2's connection errors to the log (r2d2 would use the `log` crate).
#[derive(Debug)]
struct LogConnectErrors {
    target: Target,
}

impl r2d2::HandleError<ConnectionError> for LogConnectErrors {
    fn handle_error(&self, error: ConnectionError) {
        let error = self.target.scrub(&error.to_string());
        tracing::error!(database = %self.target.describe(), %error, "database connection failed");
    }
}

pub(crate) type DbPool = r2d2::Pool<Manager>;

/// Opens `size` connections up front and keeps them open (min_idle = max_size), so a
/// request never pays for connecting. Checkout tests only connections that sat idle
/// (see `Manager::is_valid`); a connection whose server went away while it was in use
/// fails its query and is then replaced (see `has_broken`).
pub(crate) fn build_pool(target: Target, size: u32, timeout: Duration) -> Result<DbPool, r2d2::PoolError> {
    let memory = target.is_memory();
    let size = if memory { 1 } else { size };
    // Switching a new SQLite file to WAL takes the only lock on it, and SQLite refuses
    // (without waiting) the other connections r2d2 opens at the same moment: they
    // failed with "database is locked", logged as errors, in about one start of eight
    // on a new file. One connection switches the file first, alone; the mode stays in
    // the file, so the pool's connections find it set. Best effort: if this one fails,
    // the pool's own attempts report why.
    if matches!(target, Target::Sqlite { .. }) && !memory {
        drop(Manager { target: target.clone() }.connect());
    }
    let builder = r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(size))
        .connection_timeout(timeout)
        .test_on_check_out(true)
        .error_handler(Box::new(LogConnectErrors { target: target.clone() }));
    // Recycling the only connection of an in-memory database would empty it.
    let builder = if memory {
        builder.max_lifetime(None).idle_timeout(None)
    } else {
        builder
    };
    builder.build(Manager { target })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_the_backend() {
        let pg = |u: &str| Target::Postgres { url: u.to_owned() };
        let lite = |p: &str| Target::Sqlite { path: p.to_owned() };
        assert_eq!(Target::parse("postgres://u@h/db"), Ok(pg("postgres://u@h/db")));
        assert_eq!(Target::parse("postgresql://h/db"), Ok(pg("postgresql://h/db")));
        assert_eq!(Target::parse("sqlite:///var/lib/c.db"), Ok(lite("/var/lib/c.db")));
        assert_eq!(Target::parse("sqlite://data/c.db"), Ok(lite("data/c.db")));
        assert_eq!(Target::parse("sqlite:c.db"), Ok(lite("c.db")));
        assert_eq!(Target::parse("./c.db"), Ok(lite("./c.db")));
        assert_eq!(Target::parse(":memory:"), Ok(lite(":memory:")));
        assert_eq!(Target::parse("sqlite::memory:"), Ok(lite(":memory:")));
        assert_eq!(
            Target::parse("mysql://u:pw@h/db"),
            Err(UrlError::UnsupportedScheme("mysql".into()))
        );
        assert_eq!(Target::parse(" "), Err(UrlError::Empty));
        assert_eq!(Target::parse("sqlite://"), Err(UrlError::Empty));
    }

    #[test]
    fn descriptions_never_show_credentials_or_options() {
        let t = Target::parse("postgres://app:s3cr/t?x@db.example:5432/main?password=other").unwrap();
        assert_eq!(t.describe(), "PostgreSQL database postgres://db.example:5432/main");
        assert_eq!(t.scrub("bad token s3cr/t?x\n"), "bad token ***");
        assert_eq!(
            Target::parse(":memory:").unwrap().describe(),
            "in-memory SQLite database"
        );
    }

    #[test]
    fn connect_timeout_is_added_once() {
        let t = Target::parse("postgres://h/db?options=x")
            .unwrap()
            .with_connect_timeout(Duration::from_secs(5));
        assert_eq!(
            t,
            Target::Postgres {
                url: "postgres://h/db?options=x&connect_timeout=5".into()
            }
        );
        assert_eq!(t.clone().with_connect_timeout(Duration::from_secs(9)), t);
    }

    #[test]
    fn a_prepared_update_may_be_cached_and_renders_unchanged() {
        use crate::schema::sessions;
        use diesel::pg::Pg;
        use diesel::prelude::*;
        use diesel::query_builder::QueryFragment;
        let revoke = || {
            diesel::update(sessions::table.filter(sessions::id.eq(1)))
                .set(sessions::revoked_at.eq(chrono::NaiveDateTime::MIN))
                .returning(sessions::id)
        };
        // Diesel's own answer for any UPDATE, and ours.
        assert!(!revoke().is_safe_to_cache_prepared(&Pg).unwrap());
        assert!(super::Prepared(revoke()).is_safe_to_cache_prepared(&Pg).unwrap());
        assert_eq!(
            diesel::debug_query::<Pg, _>(&super::Prepared(revoke())).to_string(),
            diesel::debug_query::<Pg, _>(&revoke()).to_string()
        );
    }

    #[test]
    fn postgres_connections_plan_generically_and_start_no_parallel_workers() {
        let Some(db) = crate::testing::TestDatabase::postgres() else {
            return; // PostgreSQL unreachable and not required here
        };
        let manager = Manager {
            target: Target::parse(&db.url).unwrap(),
        };
        let Ok(Pooled {
            conn: DbConnection::Pg(mut pg),
            ..
        }) = manager.connect()
        else {
            panic!("a PostgreSQL connection");
        };
        #[derive(diesel::QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Text)]
            v: String,
        }
        let show = |pg: &mut PgConnection, name: &str| {
            diesel::RunQueryDsl::get_result::<Setting>(
                diesel::sql_query(format!("SELECT current_setting('{name}') AS v")),
                pg,
            )
            .unwrap()
            .v
        };
        assert_eq!(show(&mut pg, "plan_cache_mode"), "force_generic_plan");
        assert_eq!(show(&mut pg, "max_parallel_workers_per_gather"), "0");
    }
}
