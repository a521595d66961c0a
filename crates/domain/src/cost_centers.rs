//! Cost centers of business customers (budgets and buyers come with the B2B issue).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::ids::{CostCenterId, CustomerId, PublicId, TenantId, UserId};

/// A cost center of a business customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostCenter {
    pub id: CostCenterId,
    pub public_id: PublicId,
    pub tenant_id: TenantId,
    pub customer_id: CustomerId,
    /// The company's own id for the cost center (ICM `costCenterId`).
    pub code: String,
    pub name: String,
    pub owner: Option<UserId>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Cost-center persistence.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CostCenterRepository: Send + Sync {
    /// The customer's cost centers, by code.
    async fn list_for_customer(&self, tenant: TenantId, customer: CustomerId) -> Result<Vec<CostCenter>, StoreError>;
}
