//! Throw-away databases for tests of this crate and of the crates that use it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

const POSTGRES_URL_VAR: &str = "CLIENTELE_TEST_POSTGRES_URL";
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// An empty database that is removed when dropped. Drop the `Store` first.
#[derive(Debug)]
pub struct TestDatabase {
    /// The URL to give to `StoreConfig`.
    pub url: String,
    guard: Guard,
}

#[derive(Debug)]
enum Guard {
    SqliteFile(PathBuf),
    PostgresSchema { admin_url: String, schema: String },
}

impl TestDatabase {
    /// A fresh SQLite file under the system's temp directory.
    pub fn sqlite() -> TestDatabase {
        let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
        TestDatabase {
            url: format!("sqlite://{}", path.display()),
            guard: Guard::SqliteFile(path),
        }
    }

    /// A fresh schema in the database `CLIENTELE_TEST_POSTGRES_URL` names (default
    /// `postgres://postgres@127.0.0.1:5432/test`); `None` if it cannot be reached.
    ///
    /// # Panics
    /// If PostgreSQL cannot be reached while `CI` or `CLIENTELE_REQUIRE_POSTGRES` is
    /// set, so a CI run cannot pass by silently skipping PostgreSQL.
    pub fn postgres() -> Option<TestDatabase> {
        let mut admin_url = std::env::var(POSTGRES_URL_VAR)
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_owned());
        // No TLS to the local test server unless the URL asks for it: libpq's OpenSSL
        // cleans up at process exit while pool threads may still hold connections, which
        // can crash a test binary after all its tests passed.
        if !admin_url.contains("sslmode=") {
            admin_url = with_param(&admin_url, "sslmode=disable");
        }
        let mut admin = match PgConnection::establish(&with_param(&admin_url, "connect_timeout=3")) {
            Ok(conn) => conn,
            Err(e) if postgres_required() => panic!(
                "PostgreSQL is required (CI or CLIENTELE_REQUIRE_POSTGRES is set) but {POSTGRES_URL_VAR} is unreachable: {}",
                e.to_string().trim()
            ),
            Err(_) => return None,
        };
        // Extensions are per database: create them once, before tests migrate their
        // schemas in parallel (concurrent CREATE EXTENSION calls collide).
        static EXTENSIONS: std::sync::Once = std::sync::Once::new();
        EXTENSIONS.call_once(|| {
            let _ = admin.batch_execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public");
        });
        let schema = unique_name();
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .unwrap_or_else(|e| panic!("creating test schema {schema}: {e}"));
        let url = with_param(&admin_url, &format!("options=-csearch_path%3D{schema}"));
        Some(TestDatabase {
            url,
            guard: Guard::PostgresSchema { admin_url, schema },
        })
    }

    /// SQLite, and PostgreSQL when it is reachable, each with its backend's name.
    pub fn all() -> Vec<(&'static str, TestDatabase)> {
        let mut all = vec![("sqlite", TestDatabase::sqlite())];
        all.extend(TestDatabase::postgres().map(|db| ("postgres", db)));
        all
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.guard {
            Guard::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Guard::PostgresSchema { admin_url, schema } => {
                // Best effort: a leftover schema is harmless and a panic in drop is not.
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            }
        }
    }
}

/// The text values a query's column `v` holds, read over a connection of its own (tests
/// check what is stored raw, e.g. that bank data is ciphertext).
pub fn column_texts(url: &str, sql: &str) -> Vec<String> {
    use diesel::{QueryableByName, RunQueryDsl, SqliteConnection};
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let rows: Vec<Row> = if let Some(path) = url.strip_prefix("sqlite://") {
        let mut conn = SqliteConnection::establish(path).expect("test database opens");
        diesel::sql_query(sql).load(&mut conn).expect("test query runs")
    } else {
        let mut conn = PgConnection::establish(url).expect("test database opens");
        diesel::sql_query(sql).load(&mut conn).expect("test query runs")
    };
    rows.into_iter().map(|r| r.v).collect()
}

/// Unique across the threads of this process (counter) and across processes (pid,
/// time), usable as a file name and as an unquoted SQL identifier.
fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("clientele_test_{}_{n}_{nanos}", std::process::id())
}

fn with_param(url: &str, param: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{param}")
}

fn postgres_required() -> bool {
    ["CI", "CLIENTELE_REQUIRE_POSTGRES"]
        .iter()
        .any(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()))
}
