//! Order history: orders, invoices and balances as JSON documents under their number
//! (balances under the customer's currency). A document of another customer under the
//! same number is left alone.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use clientele_domain::ids::{CustomerId, TenantId};
use clientele_domain::orders::{BalanceDocument, InvoiceDocument, OrderDocument};
use clientele_domain::orders::{History, Order, OrderHistoryRepository, Put};
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::encoding::{db_time, utc};
use crate::errors::{DbError, RowCheck};
use crate::schema::{customer_balances, invoices, orders};
use crate::Store;

/// Inserts or replaces the document of `$table` whose `$key` column is `$value`, in one
/// transaction; `Put::OtherCustomer` when the key is taken by another customer.
macro_rules! put_document {
    ($store:expr, $what:literal, $table:ident, $key:ident, $tenant:expr, $customer:expr, $value:expr, $doc:expr, $now:expr) => {{
        let text = serde_json::to_string(&$doc).expect("a document serialises");
        let (tenant, customer, value, now) = ($tenant.get(), $customer.get(), $value, db_time($now));
        $store
            .run($what, move |conn| {
                write_tx!(conn, |c| {
                    let owner: Option<i64> = $table::table
                        .filter($table::tenant_id.eq(tenant))
                        .filter($table::$key.eq(&value))
                        .select($table::customer_id)
                        .first(c)
                        .optional()?;
                    match owner {
                        Some(o) if o != customer => Ok(Put::OtherCustomer),
                        Some(_) => {
                            diesel::update(
                                $table::table
                                    .filter($table::tenant_id.eq(tenant))
                                    .filter($table::customer_id.eq(customer))
                                    .filter($table::$key.eq(&value)),
                            )
                            .set(($table::document.eq(&text), $table::updated_at.eq(now)))
                            .execute(c)?;
                            Ok(Put::Replaced)
                        }
                        None => {
                            diesel::insert_into($table::table)
                                .values((
                                    $table::tenant_id.eq(tenant),
                                    $table::customer_id.eq(customer),
                                    $table::$key.eq(&value),
                                    $table::document.eq(&text),
                                    $table::created_at.eq(now),
                                    $table::updated_at.eq(now),
                                ))
                                .execute(c)?;
                            Ok(Put::Created)
                        }
                    }
                })
            })
            .await
    }};
}

fn check(table: &'static str, id: i64) -> RowCheck {
    RowCheck { table, id }
}

#[async_trait]
impl OrderHistoryRepository for Store {
    async fn put_order(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        order: OrderDocument,
        now: DateTime<Utc>,
    ) -> Result<Put, StoreError> {
        let number = order.shop_order_number.clone();
        put_document!(
            self,
            "record order",
            orders,
            number,
            tenant,
            customer,
            number,
            order,
            now
        )
    }

    async fn put_invoice(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        invoice: InvoiceDocument,
        now: DateTime<Utc>,
    ) -> Result<Put, StoreError> {
        let number = invoice.invoice_number.clone();
        put_document!(
            self,
            "record invoice",
            invoices,
            number,
            tenant,
            customer,
            number,
            invoice,
            now
        )
    }

    async fn put_balance(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        balance: BalanceDocument,
        now: DateTime<Utc>,
    ) -> Result<Put, StoreError> {
        let currency = balance.currency.clone();
        put_document!(
            self,
            "record balance",
            customer_balances,
            currency,
            tenant,
            customer,
            currency,
            balance,
            now
        )
    }

    async fn history(&self, tenant: TenantId, customer: CustomerId) -> Result<History, StoreError> {
        self.run("order history", move |conn| {
            let (t, cu) = (tenant.get(), customer.get());
            type Row = (i64, String, NaiveDateTime);
            let (o, i, b): (Vec<Row>, Vec<Row>, Vec<Row>) = with_conn!(conn, |c| {
                let o = orders::table
                    .filter(orders::tenant_id.eq(t))
                    .filter(orders::customer_id.eq(cu))
                    .order(orders::id)
                    .select((orders::id, orders::document, orders::created_at))
                    .load(c)?;
                let i = invoices::table
                    .filter(invoices::tenant_id.eq(t))
                    .filter(invoices::customer_id.eq(cu))
                    .order(invoices::id)
                    .select((invoices::id, invoices::document, invoices::created_at))
                    .load(c)?;
                let b = customer_balances::table
                    .filter(customer_balances::tenant_id.eq(t))
                    .filter(customer_balances::customer_id.eq(cu))
                    .order(customer_balances::id)
                    .select((
                        customer_balances::id,
                        customer_balances::document,
                        customer_balances::created_at,
                    ))
                    .load(c)?;
                Ok::<_, diesel::result::Error>((o, i, b))
            })?;
            Ok(History {
                orders: o
                    .into_iter()
                    .map(|(id, text, at)| {
                        Ok(Order {
                            id,
                            customer,
                            document: check("orders", id).field("document", serde_json::from_str(&text))?,
                            recorded_at: utc(at),
                        })
                    })
                    .collect::<Result<_, DbError>>()?,
                invoices: i
                    .into_iter()
                    .map(|(id, text, _)| check("invoices", id).field("document", serde_json::from_str(&text)))
                    .collect::<Result<_, DbError>>()?,
                balances: b
                    .into_iter()
                    .map(|(id, text, _)| check("customer_balances", id).field("document", serde_json::from_str(&text)))
                    .collect::<Result<_, DbError>>()?,
            })
        })
        .await
    }
}
