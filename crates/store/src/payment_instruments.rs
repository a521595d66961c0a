//! Saved payment instruments (read side only until the payments issue).

use async_trait::async_trait;
use chrono::NaiveDateTime;
use clientele_domain::ids::{CustomerId, PaymentInstrumentId, PublicId, TenantId, UserId};
use clientele_domain::payments::{PaymentInstrument, PaymentInstrumentRepository};
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::encoding::{parse_object, utc};
use crate::errors::{DbError, RowCheck};
use crate::schema::payment_instruments;
use crate::Store;

#[derive(Queryable, Selectable)]
#[diesel(table_name = payment_instruments, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct PaymentInstrumentRow {
    id: i64,
    public_id: String,
    tenant_id: i64,
    customer_id: i64,
    user_id: Option<i64>,
    method: String,
    display: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
}

impl TryFrom<PaymentInstrumentRow> for PaymentInstrument {
    type Error = DbError;

    fn try_from(row: PaymentInstrumentRow) -> Result<Self, DbError> {
        let check = RowCheck {
            table: "payment_instruments",
            id: row.id,
        };
        Ok(PaymentInstrument {
            id: PaymentInstrumentId::new(row.id),
            public_id: check.field("public_id", PublicId::parse(&row.public_id).ok_or("malformed"))?,
            tenant_id: TenantId::new(row.tenant_id),
            customer_id: CustomerId::new(row.customer_id),
            user_id: row.user_id.map(UserId::new),
            method: row.method,
            display: check.field("display", parse_object(&row.display))?,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
        })
    }
}

#[async_trait]
impl PaymentInstrumentRepository for Store {
    async fn list_for_customer(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<PaymentInstrument>, StoreError> {
        self.run("list payment instruments", move |conn| {
            let rows: Vec<PaymentInstrumentRow> = with_conn!(conn, |c| payment_instruments::table
                .filter(payment_instruments::tenant_id.eq(tenant.get()))
                .filter(payment_instruments::customer_id.eq(customer.get()))
                .order(payment_instruments::id)
                .select(PaymentInstrumentRow::as_select())
                .load(c))?;
            rows.into_iter().map(PaymentInstrument::try_from).collect()
        })
        .await
    }
}
