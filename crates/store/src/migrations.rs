//! The SQL migrations of both backends, embedded in the binary.

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationVersion;
use diesel::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::connection::DbConnection;
use crate::errors::DbError;

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Any fixed number shared by all instances of the service.
const POSTGRES_MIGRATION_LOCK: i64 = 0x636c_6965_6e74;

/// Runs the pending migrations; instances starting together take turns, so none of
/// them applies a migration another is applying.
pub(crate) fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    match conn {
        DbConnection::Pg(pg) => {
            // Session-level lock: the harness commits each migration on its own.
            pg.batch_execute(&format!("SELECT pg_advisory_lock({POSTGRES_MIGRATION_LOCK})"))?;
            let applied = pg.run_pending_migrations(POSTGRES).map(versions);
            pg.batch_execute(&format!("SELECT pg_advisory_unlock({POSTGRES_MIGRATION_LOCK})"))?;
            applied.map_err(|e| DbError::Migration(e.to_string()))
        }
        DbConnection::Sqlite(lite) => lite.immediate_transaction(|lite: &mut SqliteConnection| {
            lite.run_pending_migrations(SQLITE)
                .map(versions)
                .map_err(|e| DbError::Migration(e.to_string()))
        }),
    }
}

fn versions(applied: Vec<MigrationVersion<'_>>) -> Vec<String> {
    applied.iter().map(ToString::to_string).collect()
}
