//! Cost centers of business customers (read side only until the B2B issue).

use async_trait::async_trait;
use chrono::NaiveDateTime;
use clientele_domain::cost_centers::{CostCenter, CostCenterRepository};
use clientele_domain::ids::{CostCenterId, CustomerId, PublicId, TenantId, UserId};
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::encoding::utc;
use crate::errors::{DbError, RowCheck};
use crate::schema::cost_centers;
use crate::Store;

#[derive(Queryable, Selectable)]
#[diesel(table_name = cost_centers, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct CostCenterRow {
    id: i64,
    public_id: String,
    tenant_id: i64,
    customer_id: i64,
    code: String,
    name: String,
    owner_user_id: Option<i64>,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
}

impl TryFrom<CostCenterRow> for CostCenter {
    type Error = DbError;

    fn try_from(row: CostCenterRow) -> Result<Self, DbError> {
        let check = RowCheck {
            table: "cost_centers",
            id: row.id,
        };
        Ok(CostCenter {
            id: CostCenterId::new(row.id),
            public_id: check.field("public_id", PublicId::parse(&row.public_id).ok_or("malformed"))?,
            tenant_id: TenantId::new(row.tenant_id),
            customer_id: CustomerId::new(row.customer_id),
            code: row.code,
            name: row.name,
            owner: row.owner_user_id.map(UserId::new),
            active: row.active,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
        })
    }
}

#[async_trait]
impl CostCenterRepository for Store {
    async fn list_for_customer(&self, tenant: TenantId, customer: CustomerId) -> Result<Vec<CostCenter>, StoreError> {
        self.run("list cost centers", move |conn| {
            let rows: Vec<CostCenterRow> = with_conn!(conn, |c| cost_centers::table
                .filter(cost_centers::tenant_id.eq(tenant.get()))
                .filter(cost_centers::customer_id.eq(customer.get()))
                .order((cost_centers::code, cost_centers::id))
                .select(CostCenterRow::as_select())
                .load(c))?;
            rows.into_iter().map(CostCenter::try_from).collect()
        })
        .await
    }
}
