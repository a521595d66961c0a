//! Order history as the order system reports it: orders with their positions (and the
//! shipping addresses as they were), invoices and credit notes with positions, and
//! customer balances. Each document is kept under its number (per tenant; balances per
//! customer and currency): reporting it again replaces it, so a report can be retried
//! and status changes are sent as the whole document. The shapes are IOM's (GDPR API
//! 2.10), which shows them to the person they belong to. Erasing a customer keeps these
//! records, as IOM documents ("does not affect data referenced by orders and invoices").

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::customers::{CustomerRepository, CustomerStatus};
use crate::error::StoreError;
use crate::ids::{CustomerId, TenantId};
use crate::tenants::Tenant;
use crate::values::{CurrencyCode, CustomerNumber, Money};

/// An address as it was on an order (IOM `Address`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DocumentAddress {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub company_name: Option<String>,
    pub street: Option<String>,
    pub house_number: Option<String>,
    pub address_addition1: Option<String>,
    pub address_addition2: Option<String>,
    pub address_addition3: Option<String>,
    pub address_addition4: Option<String>,
    pub address_type: Option<String>,
    pub post_code: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub country: Option<String>,
    pub email: Option<String>,
    pub fax: Option<String>,
    pub mobile_phone: Option<String>,
    pub phone1: Option<String>,
    pub phone2: Option<String>,
    pub is_container_freight_station: Option<bool>,
    pub is_default: Option<bool>,
    pub gender: Option<String>,
    pub salutation: Option<String>,
    pub po_box: Option<String>,
    pub night_shipping: Option<bool>,
}

/// An order position (IOM `CustomerOrderPosition`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderPosition {
    #[serde(alias = "shopArticleNo")]
    pub shop_article_number: Option<String>,
    pub shop_article_name: Option<String>,
    #[serde(alias = "orderPosNo")]
    pub order_pos_number: Option<i32>,
    pub quantity_canceled: Option<i32>,
    pub quantity_ordered: Option<i32>,
    pub quantity_returned: Option<i32>,
    pub quantity_refunded: Option<i32>,
    pub return_date: Option<DateTime<Utc>>,
    pub shop_item_gross: Option<f64>,
    pub shop_item_net: Option<f64>,
    pub shop_item_tax: Option<f64>,
    pub shop_pos_gross: Option<f64>,
    pub shop_pos_net: Option<f64>,
    pub shop_pos_tax: Option<f64>,
    pub shop_pos_net_discounted: Option<f64>,
    pub shop_pos_gross_discounted: Option<f64>,
    pub shop_unit: Option<String>,
    pub shop_item_net_discounted: Option<f64>,
    pub shop_item_gross_discounted: Option<f64>,
    pub shipping_address: Option<DocumentAddress>,
}

/// An order (IOM `CustomerOrder`; `shopOrderNumber` is the key).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderDocument {
    #[serde(alias = "shopOrderNo", default)]
    pub shop_order_number: String,
    #[serde(alias = "shopCustomerOrderNo")]
    pub shop_customer_order_number: Option<String>,
    #[serde(alias = "paymentProviderOrderNo")]
    pub payment_provider_order_number: Option<String>,
    pub shop_order_creation_date: Option<DateTime<Utc>>,
    pub payment_method: Option<String>,
    pub shop_sub_total_gross: Option<f64>,
    pub shop_sub_total_net: Option<f64>,
    pub shop_total_gross: Option<f64>,
    pub shop_total_net: Option<f64>,
    pub carrier: Option<String>,
    pub shop_sub_total_gross_discounted: Option<f64>,
    pub shop_sub_total_net_discounted: Option<f64>,
    pub recalculated_shop_sub_total_gross_discounted: Option<f64>,
    pub recalculated_shop_sub_total_net_discounted: Option<f64>,
    pub currency: Option<String>,
    #[serde(default)]
    pub order_positions: Vec<OrderPosition>,
}

/// An invoice position (IOM `CustomerInvoicePosition`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InvoicePosition {
    #[serde(alias = "shopOrderNo")]
    pub shop_order_number: Option<String>,
    #[serde(alias = "shopArticleNo")]
    pub shop_article_number: Option<String>,
    pub quantity: Option<i32>,
    pub sales_item_net: Option<f64>,
    pub sales_item_gross: Option<f64>,
    pub charge_net: Option<f64>,
    pub charge_gross: Option<f64>,
}

/// An invoice or credit note (IOM `CustomerInvoiceAndCreditNote`; `invoiceNumber` is the key).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InvoiceDocument {
    /// `invoice` or `creditnote`.
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(alias = "relatedShopOrderNos", default)]
    pub related_shop_order_numbers: Vec<String>,
    #[serde(alias = "invoiceNo", default)]
    pub invoice_number: String,
    #[serde(alias = "referenceInvoiceNo")]
    pub reference_invoice_number: Option<String>,
    pub invoicing_date: Option<DateTime<Utc>>,
    pub currency: Option<String>,
    pub payment_method: Option<String>,
    pub payment_due_date: Option<DateTime<Utc>>,
    #[serde(default)]
    pub invoice_positions: Vec<InvoicePosition>,
}

/// A customer's balance in one currency (IOM `CustomerBalance`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BalanceDocument {
    #[serde(default)]
    pub currency: String,
    pub open_invoice_amount: Option<f64>,
    pub open_invoice_amount_calculation_date: Option<DateTime<Utc>>,
    pub booked_credit_sum: Option<f64>,
    pub booked_debit_sum: Option<f64>,
    pub charged_credit_sum: Option<f64>,
    pub charged_debit_sum: Option<f64>,
    pub charged_open_sum: Option<f64>,
    pub invoicing_credit_sum: Option<f64>,
    pub invoicing_debit_sum: Option<f64>,
    pub negative_booked_open_sum: Option<f64>,
    pub positive_booked_open_sum: Option<f64>,
}

/// What counts of an order besides its document: when it was placed (`None` keeps what
/// was recorded, or the time of recording for a new order) and the total charged
/// (`shopTotalGross` in `currency`, rounded to the currency's minor units; `None` keeps
/// what was recorded). Spending against budgets, the last-order time and order counts
/// are derived from these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderFacts {
    pub placed_at: Option<DateTime<Utc>>,
    pub total: Option<Money>,
}

impl OrderDocument {
    /// The facts this document states (see [`OrderFacts`]).
    pub fn facts(&self) -> OrderFacts {
        let total = match (self.shop_total_gross, self.currency.as_deref().map(CurrencyCode::parse)) {
            (Some(gross), Some(Ok(currency))) if gross.is_finite() => {
                let minor = gross * 10f64.powi(currency.minor_units() as i32);
                // Beyond ±2^53 minor units a float total is no exact amount anyway.
                (minor.abs() < 9.0e15).then(|| Money {
                    minor: minor.round() as i64,
                    currency,
                })
            }
            _ => None,
        };
        OrderFacts {
            placed_at: self.shop_order_creation_date,
            total,
        }
    }
}

/// A stored order: the store's id is IOM's integer `id`.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: i64,
    pub customer: CustomerId,
    pub document: OrderDocument,
    pub recorded_at: DateTime<Utc>,
}

/// Everything recorded for one customer, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub orders: Vec<Order>,
    pub invoices: Vec<InvoiceDocument>,
    pub balances: Vec<BalanceDocument>,
}

/// Takes the customer's number out of a reported document's JSON object: the order system
/// names the customer beside the IOM document as `shopCustomerNumber` (or IOM's older
/// `shopCustomerNo`), which is not part of the document itself.
pub fn take_customer_number(object: &mut serde_json::Map<String, serde_json::Value>) -> Option<String> {
    let given = object.remove("shopCustomerNumber");
    let older = object.remove("shopCustomerNo");
    given.or(older).and_then(|v| v.as_str().map(str::to_owned))
}

/// One document to record.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    Order(OrderDocument),
    Invoice(InvoiceDocument),
    Balance(BalanceDocument),
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    Created,
    Replaced,
    /// The number is another customer's document; nothing changed.
    OtherCustomer,
}

/// Order-history persistence: documents upsert by number (balances by currency).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait OrderHistoryRepository: Send + Sync {
    async fn put_order(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        order: OrderDocument,
        now: DateTime<Utc>,
    ) -> Result<Put, StoreError>;
    async fn put_invoice(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        invoice: InvoiceDocument,
        now: DateTime<Utc>,
    ) -> Result<Put, StoreError>;
    async fn put_balance(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        balance: BalanceDocument,
        now: DateTime<Utc>,
    ) -> Result<Put, StoreError>;
    async fn history(&self, tenant: TenantId, customer: CustomerId) -> Result<History, StoreError>;
}

/// Why a document was refused.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    #[error("no customer with this number")]
    CustomerNotFound,
    /// A field that cannot be recorded: its path and why.
    #[error("the field '{field}' {reason}")]
    Invalid { field: String, reason: String },
    /// The number belongs to another customer's document.
    #[error("document {0} belongs to another customer")]
    OtherCustomer(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> OrderError {
    OrderError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// A document number: 1 to 64 visible characters.
fn check_number(field: &str, n: &str) -> Result<(), OrderError> {
    if n.is_empty() || n.chars().count() > 64 || n.chars().any(char::is_control) {
        return Err(invalid(field, "must have 1 to 64 characters"));
    }
    Ok(())
}

fn check_currency(field: &str, c: Option<&str>) -> Result<(), OrderError> {
    match c {
        Some(c) => CurrencyCode::parse(c)
            .map(|_| ())
            .map_err(|e| invalid(field, e.to_string())),
        None => Ok(()),
    }
}

fn check_amounts<'a>(field: &str, amounts: impl IntoIterator<Item = &'a Option<f64>>) -> Result<(), OrderError> {
    if amounts.into_iter().flatten().any(|a| !a.is_finite()) {
        return Err(invalid(field, "holds an amount that is not a number"));
    }
    Ok(())
}

fn check_quantities<'a>(field: &str, quantities: impl IntoIterator<Item = &'a Option<i32>>) -> Result<(), OrderError> {
    if quantities.into_iter().flatten().any(|q| *q < 0) {
        return Err(invalid(field, "holds a negative quantity"));
    }
    Ok(())
}

impl Document {
    /// Checks what the store relies on; everything else is kept as reported.
    pub fn check(&self) -> Result<(), OrderError> {
        match self {
            Document::Order(o) => {
                check_number("shopOrderNumber", &o.shop_order_number)?;
                check_currency("currency", o.currency.as_deref())?;
                check_amounts(
                    "order",
                    [
                        &o.shop_sub_total_gross,
                        &o.shop_sub_total_net,
                        &o.shop_total_gross,
                        &o.shop_total_net,
                        &o.shop_sub_total_gross_discounted,
                        &o.shop_sub_total_net_discounted,
                        &o.recalculated_shop_sub_total_gross_discounted,
                        &o.recalculated_shop_sub_total_net_discounted,
                    ],
                )?;
                for (i, p) in o.order_positions.iter().enumerate() {
                    let field = format!("orderPositions[{i}]");
                    check_quantities(
                        &field,
                        [
                            &p.quantity_canceled,
                            &p.quantity_ordered,
                            &p.quantity_returned,
                            &p.quantity_refunded,
                        ],
                    )?;
                    check_amounts(
                        &field,
                        [
                            &p.shop_item_gross,
                            &p.shop_item_net,
                            &p.shop_item_tax,
                            &p.shop_pos_gross,
                            &p.shop_pos_net,
                            &p.shop_pos_tax,
                            &p.shop_pos_net_discounted,
                            &p.shop_pos_gross_discounted,
                            &p.shop_item_net_discounted,
                            &p.shop_item_gross_discounted,
                        ],
                    )?;
                }
                Ok(())
            }
            Document::Invoice(i) => {
                check_number("invoiceNumber", &i.invoice_number)?;
                if i.kind != "invoice" && i.kind != "creditnote" {
                    return Err(invalid("type", "must be invoice or creditnote"));
                }
                check_currency("currency", i.currency.as_deref())?;
                for (n, p) in i.invoice_positions.iter().enumerate() {
                    let field = format!("invoicePositions[{n}]");
                    check_quantities(&field, [&p.quantity])?;
                    check_amounts(
                        &field,
                        [&p.sales_item_net, &p.sales_item_gross, &p.charge_net, &p.charge_gross],
                    )?;
                }
                Ok(())
            }
            Document::Balance(b) => {
                check_currency("currency", Some(&b.currency))?;
                check_amounts(
                    "balance",
                    [
                        &b.open_invoice_amount,
                        &b.booked_credit_sum,
                        &b.booked_debit_sum,
                        &b.charged_credit_sum,
                        &b.charged_debit_sum,
                        &b.charged_open_sum,
                        &b.invoicing_credit_sum,
                        &b.invoicing_debit_sum,
                        &b.negative_booked_open_sum,
                        &b.positive_booked_open_sum,
                    ],
                )
            }
        }
    }
}

/// Order-history use cases: the order system records, the GDPR export reads.
#[derive(Clone)]
pub struct OrderHistory {
    pub customers: Arc<dyn CustomerRepository>,
    pub repo: Arc<dyn OrderHistoryRepository>,
    pub clock: Arc<dyn Clock>,
}

impl OrderHistory {
    /// Records (or replaces) a document of the customer with this number; `true` when it
    /// is new. Deleted customers still get their documents (orders outlive accounts).
    pub async fn record(&self, tenant: &Tenant, customer_number: &str, document: Document) -> Result<bool, OrderError> {
        let number = CustomerNumber::parse(customer_number).map_err(|_| OrderError::CustomerNotFound)?;
        let customer = self
            .customers
            .by_number(tenant.id, &number)
            .await?
            .ok_or(OrderError::CustomerNotFound)?;
        document.check()?;
        let now = self.clock.now();
        let key = match &document {
            Document::Order(o) => o.shop_order_number.clone(),
            Document::Invoice(i) => i.invoice_number.clone(),
            Document::Balance(b) => b.currency.clone(),
        };
        let put = match document {
            Document::Order(o) => self.repo.put_order(tenant.id, customer.id, o, now).await?,
            Document::Invoice(i) => self.repo.put_invoice(tenant.id, customer.id, i, now).await?,
            Document::Balance(b) => self.repo.put_balance(tenant.id, customer.id, b, now).await?,
        };
        let created = match put {
            Put::Created => true,
            Put::Replaced => false,
            Put::OtherCustomer => return Err(OrderError::OtherCustomer(key)),
        };
        tracing::info!(
            event = "order_document_recorded",
            tenant = tenant.id.get(),
            customer = customer.id.get(),
            deleted_customer = customer.status == CustomerStatus::Deleted,
            created,
            "order document recorded"
        );
        Ok(created)
    }

    /// Everything recorded for a customer.
    pub async fn of_customer(&self, tenant: &Tenant, customer: CustomerId) -> Result<History, StoreError> {
        self.repo.history(tenant.id, customer).await
    }
}
