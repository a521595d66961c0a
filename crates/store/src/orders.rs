//! Order history: orders, invoices and balances as JSON documents under their number
//! (balances under the customer's currency). A document of another customer under the
//! same number is left alone. An order row also holds what budgets, last-order times and
//! order counts derive from (placed at, total, status, buyer, cost center); the spending
//! reports of order systems create or attribute orders here, their keys in order_reports.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use clientele_domain::cost_centers::{NewSpending, Spending, SpendingRepository};
use clientele_domain::error::UniqueRule;
use clientele_domain::ids::{CostCenterId, CustomerId, TenantId, UserId};
use clientele_domain::orders::{BalanceDocument, InvoiceDocument, OrderDocument};
use clientele_domain::orders::{History, Order, OrderHistoryRepository, Put};
use clientele_domain::values::Money;
use clientele_domain::StoreError;
use diesel::prelude::*;

use crate::cost_centers::money;
use crate::encoding::{db_time, utc};
use crate::errors::{DbError, RowCheck};
use crate::schema::{customer_balances, invoices, order_reports, orders, users};
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
        let facts = order.facts();
        let text = serde_json::to_string(&order).expect("a document serialises");
        let (t, cu, number, now) = (tenant.get(), customer.get(), order.shop_order_number, db_time(now));
        self.run("record order", move |conn| {
            write_tx!(conn, |c| {
                let the_order = orders::table
                    .filter(orders::tenant_id.eq(t))
                    .filter(orders::number.eq(&number));
                let found: Option<(i64, NaiveDateTime, Option<i64>, Option<String>)> = the_order
                    .select((orders::customer_id, orders::placed_at, orders::amount, orders::currency))
                    .first(c)
                    .optional()?;
                let placed_at = facts.placed_at.map(db_time);
                let (amount, currency) = match facts.total {
                    Some(m) => (Some(m.minor), Some(m.currency.as_str().to_owned())),
                    None => (None, None),
                };
                match found {
                    Some((owner, ..)) if owner != cu => Ok(Put::OtherCustomer),
                    // What the document does not state stays as recorded.
                    Some((_, was_placed, was_amount, was_currency)) => {
                        diesel::update(the_order)
                            .set((
                                orders::document.eq(&text),
                                orders::updated_at.eq(now),
                                orders::placed_at.eq(placed_at.unwrap_or(was_placed)),
                                orders::amount.eq(amount.or(was_amount)),
                                orders::currency.eq(currency.or(was_currency)),
                            ))
                            .execute(c)?;
                        Ok(Put::Replaced)
                    }
                    None => {
                        diesel::insert_into(orders::table)
                            .values((
                                orders::tenant_id.eq(t),
                                orders::customer_id.eq(cu),
                                orders::number.eq(&number),
                                orders::document.eq(&text),
                                orders::created_at.eq(now),
                                orders::updated_at.eq(now),
                                orders::placed_at.eq(placed_at.unwrap_or(now)),
                                orders::amount.eq(amount),
                                orders::currency.eq(currency),
                            ))
                            .execute(c)?;
                        Ok(Put::Created)
                    }
                }
            })
        })
        .await
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

/// An order's columns a spending is built from.
type OrderCols = (
    i64,
    i64,
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

macro_rules! order_cols {
    () => {
        (
            orders::id,
            orders::customer_id,
            orders::number,
            orders::placed_at,
            orders::created_at,
            orders::amount,
            orders::currency,
            orders::buyer_id,
            orders::cost_center_id,
            orders::cost_center_code,
            users::login.nullable(),
        )
    };
}

/// The order as a spending event recorded at `recorded` (`None` without a total: such an
/// order counts against no budget). A cancellation's amount is negative.
fn spending(o: OrderCols, event: &'static str, recorded: Option<NaiveDateTime>) -> Result<Option<Spending>, DbError> {
    let (id, customer, number, placed_at, created_at, amount, currency, buyer, center, center_code, login) = o;
    let (Some(minor), Some(currency)) = (amount, currency) else {
        return Ok(None);
    };
    let amount = money(&check("orders", id), minor, &currency)?;
    Ok(Some(Spending {
        customer: CustomerId::new(customer),
        order_no: number,
        event,
        user: buyer.map(UserId::new),
        user_login: login,
        cost_center: center.map(CostCenterId::new),
        cost_center_code: center_code,
        amount: match event {
            "cancelled" => Money {
                minor: -amount.minor,
                ..amount
            },
            _ => amount,
        },
        placed_at: utc(placed_at),
        recorded_at: utc(recorded.unwrap_or(created_at)),
    }))
}

fn event(check: RowCheck, code: &str) -> Result<&'static str, DbError> {
    match code {
        "placed" => Ok("placed"),
        "cancelled" => Ok("cancelled"),
        _ => check.field("event", Err("unknown event")),
    }
}

#[async_trait]
impl SpendingRepository for Store {
    async fn spending_by_key(&self, tenant: TenantId, key: String) -> Result<Option<(Spending, String)>, StoreError> {
        self.run("spending by key", move |conn| {
            type Row = (i64, String, String, NaiveDateTime, OrderCols);
            let row: Option<Row> = with_conn!(conn, |c| order_reports::table
                .inner_join(orders::table.left_join(users::table))
                .filter(order_reports::tenant_id.eq(tenant.get()))
                .filter(order_reports::idempotency_key.eq(&key))
                .select((
                    order_reports::id,
                    order_reports::event,
                    order_reports::request,
                    order_reports::created_at,
                    order_cols!(),
                ))
                .get_result(c)
                .optional())?;
            let Some((id, code, request, at, order)) = row else {
                return Ok(None);
            };
            let event = event(check("order_reports", id), &code)?;
            let order_id = order.0;
            let done = spending(order, event, Some(at))?.ok_or(DbError::Corrupt {
                table: "orders",
                id: order_id,
                field: "amount",
                reason: "a reported order without a total".into(),
            })?;
            Ok(Some((done, request)))
        })
        .await
    }

    async fn placed_order(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        order_no: String,
    ) -> Result<Option<Spending>, StoreError> {
        self.run("placed order", move |conn| {
            let row: Option<OrderCols> = with_conn!(conn, |c| orders::table
                .left_join(users::table)
                .filter(orders::tenant_id.eq(tenant.get()))
                .filter(orders::customer_id.eq(customer.get()))
                .filter(orders::number.eq(&order_no))
                .select(order_cols!())
                .get_result(c)
                .optional())?;
            Ok(match row {
                Some(order) => spending(order, "placed", None)?,
                None => None,
            })
        })
        .await
    }

    async fn insert_spending(&self, tenant: TenantId, new: NewSpending) -> Result<Spending, StoreError> {
        let recorded = self
            .run("record spending", move |conn| {
                let s = &new.spending;
                let (t, now) = (tenant.get(), db_time(s.recorded_at));
                write_tx!(conn, |c| {
                    let the_order = orders::table
                        .filter(orders::tenant_id.eq(t))
                        .filter(orders::number.eq(&s.order_no));
                    let found: Option<(i64, i64)> = the_order
                        .select((orders::id, orders::customer_id))
                        .first(c)
                        .optional()?;
                    let order_id = match (s.event, found) {
                        (_, Some((_, owner))) if owner != s.customer.get() => return Ok(None),
                        ("placed", Some((id, _))) => {
                            diesel::update(orders::table.find(id))
                                .set((
                                    orders::placed_at.eq(db_time(s.placed_at)),
                                    orders::amount.eq(s.amount.minor),
                                    orders::currency.eq(s.amount.currency.as_str()),
                                    orders::buyer_id.eq(s.user.map(|u| u.get())),
                                    orders::cost_center_id.eq(s.cost_center.map(|c| c.get())),
                                    orders::cost_center_code.eq(&s.cost_center_code),
                                    orders::updated_at.eq(now),
                                ))
                                .execute(c)?;
                            id
                        }
                        ("placed", None) => {
                            // The order as far as the report tells it, until the order
                            // system sends the whole document.
                            let document = OrderDocument {
                                shop_order_number: s.order_no.clone(),
                                shop_order_creation_date: Some(s.placed_at),
                                shop_total_gross: s.amount.decimal().parse().ok(),
                                currency: Some(s.amount.currency.as_str().to_owned()),
                                ..Default::default()
                            };
                            diesel::insert_into(orders::table)
                                .values((
                                    orders::tenant_id.eq(t),
                                    orders::customer_id.eq(s.customer.get()),
                                    orders::number.eq(&s.order_no),
                                    orders::document
                                        .eq(serde_json::to_string(&document).expect("a document serialises")),
                                    orders::created_at.eq(now),
                                    orders::updated_at.eq(now),
                                    orders::placed_at.eq(db_time(s.placed_at)),
                                    orders::amount.eq(s.amount.minor),
                                    orders::currency.eq(s.amount.currency.as_str()),
                                    orders::buyer_id.eq(s.user.map(|u| u.get())),
                                    orders::cost_center_id.eq(s.cost_center.map(|c| c.get())),
                                    orders::cost_center_code.eq(&s.cost_center_code),
                                ))
                                .returning(orders::id)
                                .get_result(c)?
                        }
                        (_, Some((id, _))) => {
                            diesel::update(orders::table.find(id))
                                .set((
                                    orders::status.eq("cancelled"),
                                    orders::cancelled_at.eq(now),
                                    orders::updated_at.eq(now),
                                ))
                                .execute(c)?;
                            id
                        }
                        (_, None) => return Err(DbError::Missing("order")),
                    };
                    diesel::insert_into(order_reports::table)
                        .values((
                            order_reports::tenant_id.eq(t),
                            order_reports::idempotency_key.eq(&new.idempotency_key),
                            order_reports::request.eq(&new.request),
                            order_reports::order_id.eq(order_id),
                            order_reports::event.eq(s.event),
                            order_reports::created_at.eq(now),
                        ))
                        .execute(c)?;
                    // As a read would return it (times at the store's precision).
                    Ok(Some(Spending {
                        placed_at: utc(db_time(s.placed_at)),
                        recorded_at: utc(now),
                        ..s.clone()
                    }))
                })
            })
            .await?;
        recorded.ok_or(StoreError::Duplicate(UniqueRule::SpendingOrder))
    }
}
