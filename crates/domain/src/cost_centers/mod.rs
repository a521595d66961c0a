//! Cost centers of business customers: a budget per period, an owner who manages it,
//! buyers with budgets of their own, and the spending order systems report against them.
//!
//! - [`service`]: the company's use cases (cost centers and their buyers), permission-checked.
//! - [`spending`]: recording "order placed / cancelled" from order systems, idempotently.

pub mod service;
pub mod spending;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::budgets::{Budget, BudgetPeriod};
use crate::error::StoreError;
use crate::ids::{CostCenterId, CustomerId, PublicId, TenantId, UserId};
use crate::users::User;
use crate::values::{CurrencyCode, Money};

pub use service::{BuyerView, CostCenterError, CostCenterInput, CostCenterPatch, CostCenterService, CostCenterView};
pub use spending::{
    NewSpending, Spending, SpendingError, SpendingEvent, SpendingReport, SpendingRepository, SpendingService,
};

/// A cost center of a business customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostCenter {
    pub id: CostCenterId,
    pub public_id: PublicId,
    pub tenant_id: TenantId,
    pub customer_id: CustomerId,
    /// The company's own id for the cost center (ICM `costCenterId`), unique per company.
    pub code: String,
    pub name: String,
    pub owner: Option<UserId>,
    pub active: bool,
    /// Its budget; the currency is the cost center's currency.
    pub budget: Budget,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl CostCenter {
    pub fn currency(&self) -> CurrencyCode {
        self.budget.amount.currency
    }
}

/// The fields of a cost center to write, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostCenterData {
    pub code: String,
    pub name: String,
    pub owner: UserId,
    pub active: bool,
    pub budget: Budget,
}

/// A buyer of a cost center: a user of the same company, with an optional budget in the
/// cost center's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyer {
    pub user: User,
    pub budget: Option<Money>,
    pub period: BudgetPeriod,
}

/// A buyer's budget as stored: minor units of the cost center's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuyerTerms {
    pub budget: Option<i64>,
    pub period: BudgetPeriod,
}

/// Whose spending to add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpendScope {
    CostCenter(CostCenterId),
    /// One buyer's spending through one cost center.
    Buyer(CostCenterId, UserId),
    /// A user's spending through every cost center (and none).
    User(UserId),
}

/// Spending added up: the net amount (cancellations subtract) and the orders placed and
/// not cancelled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpendTotal {
    pub minor: i64,
    pub orders: u64,
}

/// Cost-center persistence. Every call is scoped to a tenant and, where it names one,
/// to the customer owning the cost center.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CostCenterRepository: Send + Sync {
    /// The customer's cost centers, by code.
    async fn list_for_customer(&self, tenant: TenantId, customer: CustomerId) -> Result<Vec<CostCenter>, StoreError>;
    /// The customer's cost center with this public id or, failing that, this code.
    async fn cost_center_by_key(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        key: String,
    ) -> Result<Option<CostCenter>, StoreError>;
    /// Creates a cost center; a code the customer uses already is
    /// `Duplicate(CostCenterCode)`.
    async fn add_cost_center(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        public_id: PublicId,
        data: CostCenterData,
        now: DateTime<Utc>,
    ) -> Result<CostCenter, StoreError>;
    /// Replaces a cost center's fields; `None` if it is gone, `Duplicate(CostCenterCode)`
    /// if the new code is taken.
    async fn update_cost_center(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        id: CostCenterId,
        data: CostCenterData,
        now: DateTime<Utc>,
    ) -> Result<Option<CostCenter>, StoreError>;
    /// Deletes a cost center with its buyer assignments (recorded spending stays, with
    /// the code); false if it was gone.
    async fn delete_cost_center(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        id: CostCenterId,
    ) -> Result<bool, StoreError>;
    /// The cost center's buyers, by login.
    async fn buyers_of(&self, tenant: TenantId, center: CostCenterId) -> Result<Vec<Buyer>, StoreError>;
    /// Adds a buyer, or with `replace` changes an existing one's budget (false if the
    /// user is no buyer); adding one that exists is `Duplicate(CostCenterBuyer)`.
    async fn put_buyer(
        &self,
        tenant: TenantId,
        center: CostCenterId,
        user: UserId,
        terms: BuyerTerms,
        replace: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Removes a buyer from a cost center; false if they were none.
    async fn remove_buyer(&self, tenant: TenantId, center: CostCenterId, user: UserId) -> Result<bool, StoreError>;
    /// The customer's cost centers the user buys for or owns, by code, each with whether
    /// the user buys for it.
    async fn cost_centers_of_user(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
    ) -> Result<Vec<(CostCenter, bool)>, StoreError>;
    /// Spending in `currency` of `scope` since `since` (everything when `None`).
    async fn spent(
        &self,
        tenant: TenantId,
        scope: SpendScope,
        currency: CurrencyCode,
        since: Option<DateTime<Utc>>,
    ) -> Result<SpendTotal, StoreError>;
}
