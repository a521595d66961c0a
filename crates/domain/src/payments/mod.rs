//! Payments: the methods a tenant offers ([`methods`]), the instruments customers save
//! in their profile ([`instruments`]: direct debit, provider card tokens, plain methods
//! such as invoice, gift cards), and gift cards with their balance ledger
//! ([`gift_cards`]). Sensitive parameters are sealed with the [`FieldCipher`] before
//! they reach the store; full card numbers are refused ([`pan`]).
//!
//! [`FieldCipher`]: crate::cipher::FieldCipher

pub mod gift_cards;
pub mod instruments;
pub mod methods;
pub mod pan;

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::cipher::Sealed;
use crate::error::StoreError;
use crate::ids::{CustomerId, PaymentInstrumentId, PublicId, TenantId, UserId};

pub use gift_cards::{GiftCard, GiftCardError, GiftCardId, GiftCardRepository, GiftCards};
pub use instruments::{PaymentError, PaymentInstruments, Scope};
pub use methods::{MethodKind, ParameterDef, PaymentCatalog, PaymentMethod, Restrictions};

/// All but the last four characters as `*` (card and gift-card numbers as shown).
pub fn mask_tail(raw: &str) -> String {
    let n = raw.chars().count();
    raw.chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n { '*' } else { c })
        .collect()
}

/// A saved payment instrument of a customer, owned by the user who saved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentInstrument {
    pub id: PaymentInstrumentId,
    pub public_id: PublicId,
    pub tenant_id: TenantId,
    pub customer_id: CustomerId,
    pub user_id: Option<UserId>,
    /// The tenant's payment method id, e.g. `ISH_DEBIT_TRANSFER`.
    pub method: String,
    /// What may be shown: non-sensitive parameters as given, sensitive ones masked.
    pub display: BTreeMap<String, String>,
    /// Every parameter, sealed (bound to tenant, customer and instrument id).
    pub sealed: Option<Sealed>,
    /// The gift card a gift-card instrument stands for.
    pub gift_card: Option<GiftCardId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A new instrument, as the store writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInstrument {
    pub public_id: PublicId,
    pub tenant: TenantId,
    pub customer: CustomerId,
    pub user: UserId,
    pub method: String,
    pub display: BTreeMap<String, String>,
    pub sealed: Option<Sealed>,
    pub gift_card: Option<GiftCardId>,
    pub now: DateTime<Utc>,
}

/// Payment-instrument persistence.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait PaymentInstrumentRepository: Send + Sync {
    /// The customer's instruments (of one user, or all) in creation order.
    async fn list_instruments(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: Option<UserId>,
    ) -> Result<Vec<PaymentInstrument>, StoreError>;
    /// One instrument of the customer.
    async fn get_instrument(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        id: PublicId,
    ) -> Result<Option<PaymentInstrument>, StoreError>;
    /// Stores a new instrument.
    async fn insert_instrument(&self, new: NewInstrument) -> Result<PaymentInstrument, StoreError>;
    /// Replaces an instrument's parameters if it still has `version`; `false` otherwise.
    async fn replace_instrument(
        &self,
        tenant: TenantId,
        id: PaymentInstrumentId,
        version: i64,
        display: BTreeMap<String, String>,
        sealed: Option<Sealed>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Deletes an instrument; `false` if it was gone.
    async fn delete_instrument(&self, tenant: TenantId, id: PaymentInstrumentId) -> Result<bool, StoreError>;
    /// Up to `limit` instruments sealed under another key than `key_id` (any tenant).
    async fn sealed_under_other_keys(&self, key_id: String, limit: u64) -> Result<Vec<PaymentInstrument>, StoreError>;
    /// Replaces an instrument's sealed data if it is still sealed under `old_key`.
    async fn reseal_instrument(
        &self,
        id: PaymentInstrumentId,
        old_key: String,
        sealed: Sealed,
    ) -> Result<bool, StoreError>;
    /// Orders the customer placed (reported spendings; for "only after N orders").
    async fn count_orders(&self, tenant: TenantId, customer: CustomerId) -> Result<u64, StoreError>;
}
