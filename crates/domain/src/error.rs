//! Errors that ports report back to use cases.

/// What a repository can report; use cases turn these into their own errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was violated; names the rule (e.g. `users_login`).
    #[error("duplicate value for {0}")]
    Duplicate(UniqueRule),
    /// The row changed since it was read (optimistic concurrency).
    #[error("the record was changed concurrently")]
    VersionConflict,
    /// The store could not be reached or failed; details are logged by the adapter.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// The uniqueness rules of the model, as the store enforces them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueRule {
    TenantName,
    CustomerNumber,
    UserLogin,
    PublicId,
    /// A company's cost-center id (`costCenterId`).
    CostCenterCode,
    /// A user is a buyer of a cost center once.
    CostCenterBuyer,
    /// An idempotency key of a spending report.
    IdempotencyKey,
    /// An order is placed once and cancelled once.
    SpendingOrder,
    /// A custom attribute's name, per owner.
    AttributeName,
    /// An account's phone number, per tenant.
    Phone,
    /// A gift card's number, per tenant.
    GiftCardNumber,
    Other,
}

impl std::fmt::Display for UniqueRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UniqueRule::TenantName => "tenant name",
            UniqueRule::CustomerNumber => "customer number",
            UniqueRule::UserLogin => "login",
            UniqueRule::PublicId => "public id",
            UniqueRule::CostCenterCode => "cost center id",
            UniqueRule::CostCenterBuyer => "cost center buyer",
            UniqueRule::IdempotencyKey => "idempotency key",
            UniqueRule::SpendingOrder => "order event",
            UniqueRule::AttributeName => "attribute name",
            UniqueRule::Phone => "phone",
            UniqueRule::GiftCardNumber => "gift card number",
            UniqueRule::Other => "unique key",
        })
    }
}
