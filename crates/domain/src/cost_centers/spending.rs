//! Spending reported by order systems: "order placed" (buyer, cost center, amount) and
//! "order cancelled", each under the caller's idempotency key. A report records the order
//! in the order history (or attributes the order of that number recorded there before):
//! budgets, last-order times and order counts derive from that history alone. A retried
//! report is answered with what the first one recorded and counted once; the same key
//! with a different report is refused.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};

use crate::clock::Clock;
use crate::customers::CustomerRepository;
use crate::error::{StoreError, UniqueRule};
use crate::ids::{CostCenterId, CustomerId, TenantId, UserId};
use crate::tenants::Tenant;
use crate::users::UserRepository;
use crate::values::{required_text, CustomerNumber, Login, Money};

use super::CostCenterRepository;

/// Longest idempotency key and order number.
pub const MAX_KEY_LEN: usize = 128;

/// What happened to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpendingEvent {
    /// Placed by `buyer` (login or id), charged to `cost_center` (id or cost-center id)
    /// if any, at `placed_at` (now when `None`).
    Placed {
        buyer: String,
        cost_center: Option<String>,
        amount: Money,
        placed_at: Option<DateTime<Utc>>,
    },
    /// Cancelled: its amount no longer counts, in the period it was placed in.
    Cancelled,
}

/// A report from an order system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendingReport {
    pub idempotency_key: String,
    pub customer: CustomerNumber,
    pub order_no: String,
    pub event: SpendingEvent,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spending {
    pub customer: CustomerId,
    pub order_no: String,
    /// `placed` or `cancelled`.
    pub event: &'static str,
    pub user: Option<UserId>,
    /// The buyer's login (`None` once the user is removed).
    pub user_login: Option<String>,
    pub cost_center: Option<CostCenterId>,
    pub cost_center_code: Option<String>,
    /// Positive when placed, negative when cancelled.
    pub amount: Money,
    pub placed_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
}

/// An event to store, with the key and the canonical report it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSpending {
    pub idempotency_key: String,
    pub request: String,
    pub spending: Spending,
}

/// Spending persistence.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait SpendingRepository: Send + Sync {
    /// The event recorded under this key, with its canonical report.
    async fn spending_by_key(&self, tenant: TenantId, key: String) -> Result<Option<(Spending, String)>, StoreError>;
    /// The "placed" event of an order of the customer.
    async fn placed_order(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        order_no: String,
    ) -> Result<Option<Spending>, StoreError>;
    /// Stores an event in the order history: "placed" records the order (or attributes the
    /// customer's order of that number), "cancelled" cancels it. A used key is
    /// `Duplicate(IdempotencyKey)`; a second "placed" or "cancelled" of one order, or an
    /// order number of another customer, `Duplicate(SpendingOrder)`.
    async fn insert_spending(&self, tenant: TenantId, new: NewSpending) -> Result<Spending, StoreError>;
}

/// Why a report was refused. Nothing was recorded in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum SpendingError {
    #[error("{field} {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("no such customer")]
    CustomerNotFound,
    #[error("the buyer is no user of the customer")]
    BuyerNotFound,
    #[error("no such cost center of the customer")]
    CostCenterNotFound,
    #[error("no placed order with this number")]
    OrderNotFound,
    /// The order was placed (or cancelled) already under another key.
    #[error("this event of the order is recorded already")]
    AlreadyRecorded,
    /// The key was used for a different report.
    #[error("the idempotency key was used for a different report")]
    KeyReused,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, reason: impl ToString) -> SpendingError {
    SpendingError::Invalid {
        field,
        reason: reason.to_string(),
    }
}

/// Records what order systems report.
#[derive(Clone)]
pub struct SpendingService {
    pub customers: Arc<dyn CustomerRepository>,
    pub users: Arc<dyn UserRepository>,
    pub centers: Arc<dyn CostCenterRepository>,
    pub spendings: Arc<dyn SpendingRepository>,
    pub clock: Arc<dyn Clock>,
}

impl SpendingService {
    /// Records a report once: `(event, true)` when it was recorded now, `(event, false)`
    /// when this key recorded it before.
    pub async fn record(&self, tenant: &Tenant, report: SpendingReport) -> Result<(Spending, bool), SpendingError> {
        let key = required_text(&report.idempotency_key, MAX_KEY_LEN).map_err(|e| invalid("idempotencyKey", e))?;
        let order_no = required_text(&report.order_no, MAX_KEY_LEN).map_err(|e| invalid("orderNo", e))?;
        let customer = self
            .customers
            .by_number(tenant.id, &report.customer)
            .await?
            // Orders of every customer are recorded (private ones too: their last order
            // time is shown to back offices); cost centers exist for companies only.
            .filter(|c| c.status != crate::customers::CustomerStatus::Deleted)
            .ok_or(SpendingError::CustomerNotFound)?;
        let now = self.clock.now();
        let number = report.customer.as_str();
        let (spending, request) = match report.event {
            SpendingEvent::Placed {
                buyer,
                cost_center,
                amount,
                placed_at,
            } => {
                if amount.minor <= 0 {
                    return Err(invalid("amount.value", "must be above zero"));
                }
                let user = match Login::parse(&buyer) {
                    Ok(login) => self.users.by_login(tenant.id, &login).await?,
                    Err(_) => None,
                }
                .filter(|u| u.customer_id == customer.id)
                .ok_or(SpendingError::BuyerNotFound)?;
                let center = match cost_center {
                    Some(key) => Some(
                        self.centers
                            .cost_center_by_key(tenant.id, customer.id, key)
                            .await?
                            .ok_or(SpendingError::CostCenterNotFound)?,
                    ),
                    None => None,
                };
                if let Some(c) = &center {
                    if c.currency() != amount.currency {
                        return Err(invalid(
                            "amount.currency",
                            format!("must be the cost center's currency {}", c.currency()),
                        ));
                    }
                }
                // The report in one canonical line (a retry produces the same line); the
                // buyer by id, so the line holds no personal data.
                let request = format!(
                    "placed|{number}|{order_no}|{}|{}|{}|{}|{}",
                    user.id.get(),
                    center.as_ref().map_or(0, |c| c.id.get()),
                    amount.minor,
                    amount.currency,
                    placed_at.map_or("-".to_owned(), |t| t.to_rfc3339_opts(SecondsFormat::Millis, true)),
                );
                if let Some(done) = self.replay(tenant, &key, &request).await? {
                    return Ok((done, false));
                }
                let spending = Spending {
                    customer: customer.id,
                    order_no,
                    event: "placed",
                    user: Some(user.id),
                    user_login: Some(user.login.as_str().to_owned()),
                    cost_center: center.as_ref().map(|c| c.id),
                    cost_center_code: center.map(|c| c.code),
                    amount,
                    placed_at: placed_at.unwrap_or(now),
                    recorded_at: now,
                };
                (spending, request)
            }
            SpendingEvent::Cancelled => {
                let request = format!("cancelled|{number}|{order_no}");
                if let Some(done) = self.replay(tenant, &key, &request).await? {
                    return Ok((done, false));
                }
                let placed = self
                    .spendings
                    .placed_order(tenant.id, customer.id, order_no.clone())
                    .await?
                    .ok_or(SpendingError::OrderNotFound)?;
                let spending = Spending {
                    event: "cancelled",
                    amount: Money {
                        minor: -placed.amount.minor,
                        currency: placed.amount.currency,
                    },
                    recorded_at: now,
                    ..placed
                };
                (spending, request)
            }
        };
        let new = NewSpending {
            idempotency_key: key.clone(),
            request: request.clone(),
            spending,
        };
        match self.spendings.insert_spending(tenant.id, new).await {
            Ok(recorded) => {
                tracing::info!(
                    event = "spending_recorded",
                    tenant = tenant.id.get(),
                    customer = recorded.customer.get(),
                    kind = recorded.event,
                    amount_minor = recorded.amount.minor,
                    currency = recorded.amount.currency.as_str(),
                    "spending recorded"
                );
                Ok((recorded, true))
            }
            // A concurrent retry with the same key won the race (a database may report the
            // order's constraint first), or the event was recorded under another key.
            Err(StoreError::Duplicate(UniqueRule::IdempotencyKey | UniqueRule::SpendingOrder)) => {
                match self.replay(tenant, &key, &request).await? {
                    Some(done) => Ok((done, false)),
                    None => Err(SpendingError::AlreadyRecorded),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// What an earlier report under `key` recorded, if it was this same report.
    async fn replay(&self, tenant: &Tenant, key: &str, request: &str) -> Result<Option<Spending>, SpendingError> {
        match self.spendings.spending_by_key(tenant.id, key.to_owned()).await? {
            None => Ok(None),
            Some((done, earlier)) if earlier == request => Ok(Some(done)),
            Some(_) => Err(SpendingError::KeyReused),
        }
    }
}
