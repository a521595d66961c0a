//! Saved payment instruments: displayable parameters as JSON, every parameter sealed
//! (base64 of the domain's AEAD ciphertext; the store never sees an IBAN or a token).

use std::collections::BTreeMap;

use async_trait::async_trait;
use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, Utc};
use clientele_domain::cipher::Sealed;
use clientele_domain::ids::{CustomerId, PaymentInstrumentId, PublicId, TenantId, UserId};
use clientele_domain::payments::{NewInstrument, PaymentInstrument, PaymentInstrumentRepository};
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::encoding::{db_time, utc};
use crate::errors::{DbError, RowCheck};
use crate::schema::{orders, payment_instruments};
use crate::Store;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

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
    key_id: Option<String>,
    sealed: Option<String>,
    gift_card_id: Option<i64>,
}

impl TryFrom<PaymentInstrumentRow> for PaymentInstrument {
    type Error = DbError;

    fn try_from(row: PaymentInstrumentRow) -> Result<Self, DbError> {
        let check = RowCheck {
            table: "payment_instruments",
            id: row.id,
        };
        let sealed = match (row.key_id, row.sealed) {
            (Some(key_id), Some(text)) => Some(Sealed {
                key_id,
                bytes: check.field("sealed", B64.decode(&text))?,
            }),
            _ => None,
        };
        Ok(PaymentInstrument {
            id: PaymentInstrumentId::new(row.id),
            public_id: check.field("public_id", PublicId::parse(&row.public_id).ok_or("malformed"))?,
            tenant_id: TenantId::new(row.tenant_id),
            customer_id: CustomerId::new(row.customer_id),
            user_id: row.user_id.map(UserId::new),
            method: row.method,
            display: check.field(
                "display",
                serde_json::from_str::<BTreeMap<String, String>>(&row.display),
            )?,
            sealed,
            gift_card: row.gift_card_id,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: row.version,
        })
    }
}

fn display_text(display: &BTreeMap<String, String>) -> String {
    serde_json::to_string(display).expect("a string map serialises")
}

#[async_trait]
impl PaymentInstrumentRepository for Store {
    async fn list_instruments(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: Option<UserId>,
    ) -> Result<Vec<PaymentInstrument>, StoreError> {
        self.run("list payment instruments", move |conn| {
            let rows: Vec<PaymentInstrumentRow> = with_conn!(conn, |c| {
                let mut q = payment_instruments::table
                    .filter(payment_instruments::tenant_id.eq(tenant.get()))
                    .filter(payment_instruments::customer_id.eq(customer.get()))
                    .into_boxed();
                if let Some(user) = user {
                    q = q.filter(payment_instruments::user_id.eq(user.get()));
                }
                q.order(payment_instruments::id)
                    .select(PaymentInstrumentRow::as_select())
                    .load(c)
            })?;
            rows.into_iter().map(PaymentInstrument::try_from).collect()
        })
        .await
    }

    async fn get_instrument(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        id: PublicId,
    ) -> Result<Option<PaymentInstrument>, StoreError> {
        self.run("get payment instrument", move |conn| {
            let row: Option<PaymentInstrumentRow> = with_conn!(conn, |c| payment_instruments::table
                .filter(payment_instruments::tenant_id.eq(tenant.get()))
                .filter(payment_instruments::customer_id.eq(customer.get()))
                .filter(payment_instruments::public_id.eq(id.as_str()))
                .select(PaymentInstrumentRow::as_select())
                .first(c)
                .optional())?;
            row.map(PaymentInstrument::try_from).transpose()
        })
        .await
    }

    async fn insert_instrument(&self, new: NewInstrument) -> Result<PaymentInstrument, StoreError> {
        self.run("add payment instrument", move |conn| {
            let now = db_time(new.now);
            let row: PaymentInstrumentRow = with_conn!(conn, |c| diesel::insert_into(payment_instruments::table)
                .values((
                    payment_instruments::public_id.eq(new.public_id.as_str()),
                    payment_instruments::tenant_id.eq(new.tenant.get()),
                    payment_instruments::customer_id.eq(new.customer.get()),
                    payment_instruments::user_id.eq(new.user.get()),
                    payment_instruments::method.eq(&new.method),
                    payment_instruments::display.eq(display_text(&new.display)),
                    payment_instruments::key_id.eq(new.sealed.as_ref().map(|s| s.key_id.clone())),
                    payment_instruments::sealed.eq(new.sealed.as_ref().map(|s| B64.encode(&s.bytes))),
                    payment_instruments::gift_card_id.eq(new.gift_card),
                    payment_instruments::created_at.eq(now),
                    payment_instruments::updated_at.eq(now),
                ))
                .returning(PaymentInstrumentRow::as_returning())
                .get_result(c))?;
            PaymentInstrument::try_from(row)
        })
        .await
    }

    async fn replace_instrument(
        &self,
        tenant: TenantId,
        id: PaymentInstrumentId,
        version: i64,
        display: BTreeMap<String, String>,
        sealed: Option<Sealed>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.run("replace payment instrument", move |conn| {
            let n = with_conn!(conn, |c| diesel::update(
                payment_instruments::table
                    .filter(payment_instruments::tenant_id.eq(tenant.get()))
                    .filter(payment_instruments::id.eq(id.get()))
                    .filter(payment_instruments::version.eq(version))
            )
            .set((
                payment_instruments::display.eq(display_text(&display)),
                payment_instruments::key_id.eq(sealed.as_ref().map(|s| s.key_id.clone())),
                payment_instruments::sealed.eq(sealed.as_ref().map(|s| B64.encode(&s.bytes))),
                payment_instruments::updated_at.eq(db_time(now)),
                payment_instruments::version.eq(version + 1),
            ))
            .execute(c))?;
            Ok(n == 1)
        })
        .await
    }

    async fn delete_instrument(&self, tenant: TenantId, id: PaymentInstrumentId) -> Result<bool, StoreError> {
        self.run("delete payment instrument", move |conn| {
            let n = with_conn!(conn, |c| diesel::delete(
                payment_instruments::table
                    .filter(payment_instruments::tenant_id.eq(tenant.get()))
                    .filter(payment_instruments::id.eq(id.get()))
            )
            .execute(c))?;
            Ok(n == 1)
        })
        .await
    }

    async fn sealed_under_other_keys(&self, key_id: String, limit: u64) -> Result<Vec<PaymentInstrument>, StoreError> {
        self.run("payment instruments to re-seal", move |conn| {
            let rows: Vec<PaymentInstrumentRow> = with_conn!(conn, |c| payment_instruments::table
                .filter(payment_instruments::key_id.is_not_null())
                .filter(payment_instruments::key_id.ne(&key_id))
                .order(payment_instruments::id)
                .limit(limit as i64)
                .select(PaymentInstrumentRow::as_select())
                .load(c))?;
            rows.into_iter().map(PaymentInstrument::try_from).collect()
        })
        .await
    }

    async fn reseal_instrument(
        &self,
        id: PaymentInstrumentId,
        old_key: String,
        sealed: Sealed,
    ) -> Result<bool, StoreError> {
        self.run("re-seal payment instrument", move |conn| {
            let n = with_conn!(conn, |c| diesel::update(
                payment_instruments::table
                    .filter(payment_instruments::id.eq(id.get()))
                    .filter(payment_instruments::key_id.eq(&old_key))
            )
            .set((
                payment_instruments::key_id.eq(&sealed.key_id),
                payment_instruments::sealed.eq(B64.encode(&sealed.bytes)),
            ))
            .execute(c))?;
            Ok(n == 1)
        })
        .await
    }

    async fn count_orders(&self, tenant: TenantId, customer: CustomerId) -> Result<u64, StoreError> {
        self.run("count orders", move |conn| {
            // Every order of the history, cancelled ones too (they were placed).
            let n: i64 = with_conn!(conn, |c| orders::table
                .filter(orders::tenant_id.eq(tenant.get()))
                .filter(orders::customer_id.eq(customer.get()))
                .count()
                .get_result(c))?;
            Ok(n as u64)
        })
        .await
    }
}
