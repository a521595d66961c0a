//! The tenants' password-migration windows for imported legacy hashes.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use clientele_domain::identity::{PasswordMigration, PasswordMigrationRepository};
use clientele_domain::ids::TenantId;
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::encoding::db_time;
use crate::schema::{password_migrations, users};
use crate::Store;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = password_migrations, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct MigrationRow {
    tenant_id: i64,
    retention_end: NaiveDate,
    reminder_date: NaiveDate,
    notifications: bool,
    updated_at: NaiveDateTime,
}

#[async_trait]
impl PasswordMigrationRepository for Store {
    async fn password_migration(&self, tenant: TenantId) -> Result<Option<PasswordMigration>, StoreError> {
        self.run("password migration", move |conn| {
            let row: Option<MigrationRow> = with_conn!(conn, |c| password_migrations::table
                .filter(password_migrations::tenant_id.eq(tenant.get()))
                .select(MigrationRow::as_select())
                .get_result(c)
                .optional())?;
            Ok(row.map(|r| PasswordMigration {
                retention_end: r.retention_end,
                reminder_date: r.reminder_date,
                notifications: r.notifications,
            }))
        })
        .await
    }

    async fn set_password_migration(
        &self,
        tenant: TenantId,
        m: PasswordMigration,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let row = MigrationRow {
            tenant_id: tenant.get(),
            retention_end: m.retention_end,
            reminder_date: m.reminder_date,
            notifications: m.notifications,
            updated_at: db_time(now),
        };
        self.run("set password migration", move |conn| {
            with_conn!(conn, |c| diesel::insert_into(password_migrations::table)
                .values(&row)
                .on_conflict(password_migrations::tenant_id)
                .do_update()
                .set(&row)
                .execute(c))?;
            Ok(())
        })
        .await
    }

    async fn end_password_migration(&self, tenant: TenantId) -> Result<u64, StoreError> {
        self.run("end password migration", move |conn| {
            write_tx!(conn, |c| {
                diesel::delete(password_migrations::table.filter(password_migrations::tenant_id.eq(tenant.get())))
                    .execute(c)?;
                let cleared = diesel::update(
                    users::table
                        .filter(users::tenant_id.eq(tenant.get()))
                        .filter(users::legacy_auth.is_not_null()),
                )
                .set(users::legacy_auth.eq(None::<String>))
                .execute(c)?;
                Ok(cleared as u64)
            })
        })
        .await
    }
}
