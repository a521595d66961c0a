//! Typed custom attributes on customers, users and addresses (ICM 11 admin).

use async_trait::async_trait;

use crate::error::StoreError;
use crate::ids::{AddressId, CustomAttributeId, CustomerId, TenantId, UserId};

/// What a custom attribute is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeOwner {
    Customer(CustomerId),
    User(UserId),
    Address(AddressId),
}

/// A typed value as ICM 11 defines them.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    String(String),
    Integer(i64),
    /// Decimal kept as its canonical text so no precision is lost.
    Decimal(String),
    Boolean(bool),
    Date(chrono::NaiveDate),
    Multiple(Vec<AttributeValue>),
}

/// A named attribute; names are unique per owner.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomAttribute {
    pub id: CustomAttributeId,
    pub tenant_id: TenantId,
    pub owner: AttributeOwner,
    pub name: String,
    pub value: AttributeValue,
}

/// Custom-attribute persistence.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CustomAttributeRepository: Send + Sync {
    /// The owner's attributes, by name.
    async fn list_for(&self, tenant: TenantId, owner: AttributeOwner) -> Result<Vec<CustomAttribute>, StoreError>;
}
