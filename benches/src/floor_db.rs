//! The floor's own table, `floor_items`, behind a plain r2d2 pool of Diesel connections.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sqlite::SqliteConnection;
use serde::Serialize;

use crate::BoxError;

const SEED_ROWS: i64 = 1000;

diesel::table! {
    floor_items (id) {
        id -> BigInt,
        name -> Text,
        email -> Text,
    }
}

/// One row, rendered as the JSON answer of `GET /pk/{id}`.
#[derive(Debug, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = floor_items)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct FloorItem {
    id: i64,
    name: String,
    email: String,
}

/// A pool over one of the two backends the product supports.
pub enum FloorDb {
    Pg(Pool<ConnectionManager<PgConnection>>),
    Sqlite(Pool<ConnectionManager<SqliteConnection>>),
}

/// WAL, synchronous=NORMAL and a busy timeout on every SQLite connection, as a
/// production SQLite setup would have.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl FloorDb {
    /// Opens a pool of `size` connections to `url` (`postgres://…` or `sqlite://PATH`).
    pub fn connect(url: &str, size: usize) -> Result<Self, BoxError> {
        let size = u32::try_from(size)?;
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = Pool::builder()
                .max_size(size)
                .test_on_check_out(false)
                .build(ConnectionManager::<PgConnection>::new(url))?;
            Ok(Self::Pg(pool))
        } else if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let pool = Pool::builder()
                .max_size(size)
                .test_on_check_out(false)
                .connection_customizer(Box::new(SqlitePragmas))
                .build(ConnectionManager::<SqliteConnection>::new(path))?;
            Ok(Self::Sqlite(pool))
        } else {
            Err(format!("unsupported database URL {url:?}: expected postgres://… or sqlite://PATH").into())
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Self::Pg(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }

    /// Creates `floor_items` if missing and makes sure rows 1..=1000 exist.
    pub fn prepare(&self) -> Result<(), BoxError> {
        let rows: Vec<FloorItem> = (1..=SEED_ROWS)
            .map(|id| FloorItem {
                id,
                name: format!("Item {id}"),
                email: format!("item{id}@example.com"),
            })
            .collect();
        match self {
            Self::Pg(pool) => {
                let conn = &mut pool.get()?;
                conn.batch_execute(
                    "CREATE TABLE IF NOT EXISTS floor_items \
                     (id BIGINT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL)",
                )?;
                diesel::insert_into(floor_items::table)
                    .values(&rows)
                    .on_conflict_do_nothing()
                    .execute(conn)?;
            }
            Self::Sqlite(pool) => {
                let conn = &mut pool.get()?;
                // INTEGER PRIMARY KEY makes the id the rowid: the fastest lookup SQLite
                // has (a "BIGINT PRIMARY KEY" would add a separate index), which is what
                // a floor should measure. It still holds 64-bit values.
                conn.batch_execute(
                    "CREATE TABLE IF NOT EXISTS floor_items \
                     (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL)",
                )?;
                // Diesel has no multi-row upsert for SQLite; one transaction keeps the
                // row-by-row inserts quick.
                conn.transaction(|conn| {
                    rows.iter().try_for_each(|row| {
                        diesel::insert_into(floor_items::table)
                            .values(row)
                            .on_conflict_do_nothing()
                            .execute(conn)
                            .map(drop)
                    })
                })?;
            }
        }
        Ok(())
    }

    /// Reads one row by primary key (blocking: call it from `web::block`).
    pub fn item(&self, id: i64) -> Result<Option<FloorItem>, BoxError> {
        // The same query twice: Diesel's typed queries are per backend, and the generic
        // bounds to write it once would be longer than the query. `get_result`, not
        // `first`: on SQLite a bound `LIMIT ?` re-parses the statement on every run (see
        // clientele-store), and the floor must be the fastest read, not a handicapped one.
        Ok(match self {
            Self::Pg(pool) => floor_items::table
                .find(id)
                .select(FloorItem::as_select())
                .get_result(&mut pool.get()?)
                .optional()?,
            Self::Sqlite(pool) => floor_items::table
                .find(id)
                .select(FloorItem::as_select())
                .get_result(&mut pool.get()?)
                .optional()?,
        })
    }
}
