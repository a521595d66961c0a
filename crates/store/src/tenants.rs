//! Tenants and their customer-number sequence.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use clientele_domain::ids::TenantId;
use clientele_domain::tenants::{NewTenant, Tenant, TenantChange, TenantName, TenantRepository};
use clientele_domain::values::CustomerNumberPattern;
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::encoding::{db_time, utc};
use crate::errors::{DbError, RowCheck};
use crate::schema::tenants;
use crate::Store;

#[derive(Queryable, Selectable)]
#[diesel(table_name = tenants, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct TenantRow {
    id: i64,
    name: String,
    customer_number_pattern: String,
    double_opt_in: bool,
    time_zone: String,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = tenants)]
struct NewTenantRow<'a> {
    name: &'a str,
    customer_number_pattern: String,
    double_opt_in: bool,
    time_zone: &'a str,
    created_at: NaiveDateTime,
}

#[derive(AsChangeset)]
#[diesel(table_name = tenants)]
struct TenantChangeRow<'a> {
    double_opt_in: Option<bool>,
    time_zone: Option<&'a str>,
}

impl TryFrom<TenantRow> for Tenant {
    type Error = DbError;

    fn try_from(row: TenantRow) -> Result<Self, DbError> {
        let check = RowCheck {
            table: "tenants",
            id: row.id,
        };
        Ok(Tenant {
            id: TenantId::new(row.id),
            name: check.field("name", TenantName::parse(&row.name))?,
            customer_number_pattern: check.field(
                "customer_number_pattern",
                CustomerNumberPattern::parse(&row.customer_number_pattern),
            )?,
            double_opt_in: row.double_opt_in,
            time_zone: check.field("time_zone", row.time_zone.parse().map_err(|_| "unknown time zone"))?,
            created_at: utc(row.created_at),
        })
    }
}

#[async_trait]
impl TenantRepository for Store {
    async fn insert(&self, new: NewTenant, now: DateTime<Utc>) -> Result<Tenant, StoreError> {
        self.run("insert tenant", move |conn| {
            let row = NewTenantRow {
                name: new.name.as_str(),
                customer_number_pattern: new.customer_number_pattern.as_string(),
                double_opt_in: new.double_opt_in,
                time_zone: new.time_zone.name(),
                created_at: db_time(now),
            };
            let stored: TenantRow = with_conn!(conn, |c| diesel::insert_into(tenants::table)
                .values(&row)
                .returning(TenantRow::as_returning())
                .get_result(c))?;
            stored.try_into()
        })
        .await
    }

    async fn by_name(&self, name: &TenantName) -> Result<Option<Tenant>, StoreError> {
        let name = name.as_str().to_owned();
        self.run("tenant by name", move |conn| {
            let row: Option<TenantRow> = with_conn!(conn, |c| tenants::table
                .filter(tenants::name.eq(&name))
                .select(TenantRow::as_select())
                .get_result(c)
                .optional())?;
            row.map(Tenant::try_from).transpose()
        })
        .await
    }

    async fn list(&self) -> Result<Vec<Tenant>, StoreError> {
        self.run("list tenants", |conn| {
            let rows: Vec<TenantRow> = with_conn!(conn, |c| tenants::table
                .order(tenants::name)
                .select(TenantRow::as_select())
                .load(c))?;
            rows.into_iter().map(Tenant::try_from).collect()
        })
        .await
    }

    async fn change(&self, name: &TenantName, change: TenantChange) -> Result<Option<Tenant>, StoreError> {
        if change == TenantChange::default() {
            return self.by_name(name).await;
        }
        let name = name.as_str().to_owned();
        self.run("change tenant settings", move |conn| {
            let set = TenantChangeRow {
                double_opt_in: change.double_opt_in,
                time_zone: change.time_zone.map(|z| z.name()),
            };
            let row: Option<TenantRow> = with_conn!(conn, |c| diesel::update(tenants::table)
                .filter(tenants::name.eq(&name))
                .set(&set)
                .returning(TenantRow::as_returning())
                .get_result(c)
                .optional())?;
            row.map(Tenant::try_from).transpose()
        })
        .await
    }

    async fn next_customer_seqs(&self, tenant: TenantId, count: i64) -> Result<i64, StoreError> {
        self.run("next customer number", move |conn| {
            // One statement: the row lock makes concurrent draws return distinct values.
            let last: Option<i64> = with_conn!(conn, |c| diesel::update(tenants::table.find(tenant.get()))
                .set(tenants::customer_seq.eq(tenants::customer_seq + count))
                .returning(tenants::customer_seq)
                .get_result(c)
                .optional())?;
            last.map(|last| last - count + 1).ok_or(DbError::Missing("tenant"))
        })
        .await
    }
}
