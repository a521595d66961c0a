//! Saved payment instruments (methods, cards, direct debit, gift cards come with the
//! payments issue). Sensitive parameters are stored encrypted by the adapter.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::ids::{CustomerId, PaymentInstrumentId, PublicId, TenantId, UserId};

/// A saved payment instrument of a customer (or of one user of a business customer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentInstrument {
    pub id: PaymentInstrumentId,
    pub public_id: PublicId,
    pub tenant_id: TenantId,
    pub customer_id: CustomerId,
    pub user_id: Option<UserId>,
    /// The tenant's payment method id, e.g. `ISH_DEBIT_TRANSFER`.
    pub method: String,
    /// Non-sensitive, displayable parameters (masked numbers, brand, expiry).
    pub display: serde_json::Map<String, serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Payment-instrument persistence.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait PaymentInstrumentRepository: Send + Sync {
    /// The customer's instruments in creation order.
    async fn list_for_customer(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<PaymentInstrument>, StoreError>;
}
