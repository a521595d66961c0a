//! The store adapter: every repository port of the domain on PostgreSQL or SQLite,
//! through one Diesel `MultiConnection`, with the SQL migrations embedded.
//!
//! Diesel is blocking, so every query runs on the store's own bounded thread pool
//! (one thread per pooled connection), never on the async executor.
//!
//! Single-row reads by a unique key use `get_result`, never `first`/`limit`: SQLite
//! (3.46) marks a bound `LIMIT ?` as plan-relevant, so every execution of a cached
//! statement with it re-binds, expires and re-parses the statement — on the wide
//! account selects that cost about three quarters of a token-authenticated read.

#[macro_use]
mod connection;
mod account_cache;
mod account_settings;
mod accounts;
mod addresses;
mod api_clients;
mod bank_accounts;
mod codes;
mod cost_centers;
mod counts;
mod custom_attributes;
mod customers;
mod encoding;
mod errors;
mod gift_cards;
mod housekeeping;
mod migrations;
mod name_tallies;
mod orders;
mod outbox;
mod password_migrations;
mod payment_instruments;
pub mod privacy;
mod profile;
mod schema;
mod search;
mod search_memo;
mod sessions;
mod tenants;
pub mod testing;
mod users;

use std::path::Path;
use std::time::Duration;

use clientele_blocking::BlockingPool;
use clientele_domain::StoreError;
use diesel::connection::SimpleConnection;

use crate::connection::{build_pool, DbConnection, DbPool, Target, UrlError};
use crate::errors::DbError;
pub use crate::errors::OpenError;

/// How to reach the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// `postgres://…`, `postgresql://…`, `sqlite://path`, `sqlite:path`, a file path or `:memory:`.
    pub url: String,
    /// Connections kept open (and threads running queries); 0 means the default.
    /// An in-memory SQLite database always uses one.
    pub pool_size: u32,
    /// How long opening the pool, or waiting for a free connection, may take.
    pub connect_timeout: Duration,
}

impl StoreConfig {
    /// Default connect timeout.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

    /// The defaults for `url`: [`StoreConfig::default_pool_size`] connections, 5 s timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            pool_size: Self::default_pool_size(),
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// Two connections per available core, at least two.
    pub fn default_pool_size() -> u32 {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        u32::try_from(cores * 2).unwrap_or(u32::MAX).max(2)
    }
}

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// `postgres` or `sqlite`, for logs and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// A snapshot of the connection pool and the query threads, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// Open connections.
    pub connections: u32,
    /// Open connections not in use.
    pub idle: u32,
    pub max_size: u32,
    /// Queries running or waiting for a thread.
    pub busy_jobs: usize,
}

/// The database behind every repository port. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct Store {
    pool: DbPool,
    jobs: BlockingPool,
    backend: Backend,
    /// Accounts of token-authenticated requests, checked against the database's row
    /// versions on every use (see `account_cache`).
    accounts: std::sync::Arc<account_cache::AccountCache>,
    /// Anchors of deep pages and totals of back-office searches (see `search_memo`).
    searches: std::sync::Arc<search_memo::SearchMemo>,
}

/// Jobs that may wait for a query thread beyond those running; further callers wait
/// asynchronously for a place, so this only bounds the channel, not the callers.
const QUEUED_JOBS_PER_CONNECTION: usize = 8;

impl Store {
    /// Opens the pool and all its connections. Blocks for up to `connect_timeout`,
    /// so call it at start-up, not from request handlers.
    pub fn open(config: &StoreConfig) -> Result<Store, OpenError> {
        let target = Target::parse(&config.url)
            .map_err(|e| match e {
                UrlError::Empty => OpenError::EmptyUrl,
                UrlError::UnsupportedScheme(scheme) => OpenError::UnsupportedScheme(scheme),
            })?
            .with_connect_timeout(config.connect_timeout);
        let backend = match &target {
            Target::Postgres { .. } => Backend::Postgres,
            Target::Sqlite { path } => {
                create_parent_dir(path).map_err(|e| OpenError::Directory {
                    database: target.describe(),
                    reason: e.to_string(),
                })?;
                Backend::Sqlite
            }
        };
        let size = match config.pool_size {
            0 => StoreConfig::default_pool_size(),
            n => n,
        };
        let pool = build_pool(target.clone(), size, config.connect_timeout).map_err(|e| OpenError::Connect {
            database: target.describe(),
            reason: target.scrub(&e.to_string()),
        })?;
        let threads = pool.max_size() as usize;
        let jobs = BlockingPool::new("db", threads, threads * QUEUED_JOBS_PER_CONNECTION);
        tracing::info!(database = %target.describe(), connections = threads, "store opened");
        Ok(Store {
            pool,
            jobs,
            backend,
            accounts: Default::default(),
            searches: Default::default(),
        })
    }

    /// Back-office search pages starting `rows` or more into their order remember
    /// where they lie (PostgreSQL), so that pages there seek instead of walking the
    /// index from the start; 4 096 unless set.
    pub fn with_deep_pages_from(mut self, rows: i64) -> Self {
        self.searches = std::sync::Arc::new(search_memo::SearchMemo::new(rows));
        self
    }

    /// Applies the embedded migrations not yet applied; returns their versions.
    pub async fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let applied = self.run("migrate", migrations::run_pending).await?;
        if !applied.is_empty() {
            tracing::info!(?applied, "migrations applied");
        }
        Ok(applied)
    }

    /// One round trip to the database, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.run("ping", |conn| Ok(conn.batch_execute("SELECT 1")?)).await
    }

    /// Connections and query threads right now.
    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            connections: state.connections,
            idle: state.idle_connections,
            max_size: self.pool.max_size(),
            busy_jobs: self.jobs.busy(),
        }
    }

    /// The database kind behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `f` with a pooled connection on a query thread and maps its error for the
    /// domain (`operation` names it in the log).
    pub(crate) async fn run<T, F>(&self, operation: &'static str, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let outcome = self
            .jobs
            .run(move || {
                let mut conn = pool.get().map_err(DbError::Pool)?;
                f(&mut conn)
            })
            .await;
        outcome
            .map_err(DbError::Blocking)
            .and_then(|r| r)
            .map_err(|e| e.into_store_error(operation))
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("pool", &self.pool_state())
            .finish()
    }
}

/// SQLite creates the file but not its directory.
fn create_parent_dir(path: &str) -> std::io::Result<()> {
    if path == ":memory:" || path.starts_with("file:") {
        return Ok(());
    }
    match Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir),
        _ => Ok(()),
    }
}
