//! Bank accounts of a customer (WEBSALE `bankData`; later SEPA direct debit): IBAN and
//! BIC checked once at the edge ([`crate::values::Iban`], [`crate::values::Bic`]), the
//! legacy account number and bank code accepted as given. Every field but the keys is
//! sealed with the [`FieldCipher`] before it reaches the store (bound to the tenant and
//! customer), so the database holds ciphertext only; key rotation re-seals old rows.
//! Never log a [`BankData`]: its `Debug` shows the masked IBAN only.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::cipher::{FieldCipher, Sealed};
use crate::clock::Clock;
use crate::error::StoreError;
use crate::ids::{CustomerId, TenantId};
use crate::tenants::Tenant;
use crate::values::{AccountNumber, BankCode, Bic, Iban};

/// Store key of a bank account (WEBSALE's integer `id`).
pub type BankAccountId = i64;

/// The fields of a bank account.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct BankData {
    pub iban: Option<Iban>,
    pub bic: Option<Bic>,
    /// Legacy account number (before IBAN).
    pub account_number: Option<AccountNumber>,
    /// Legacy bank code (BLZ).
    pub bank_code: Option<BankCode>,
    pub bank_name: String,
    pub owner: String,
    pub sepa_debit_type: String,
    pub sepa_mandate: String,
    pub sepa_mandate_date: String,
    pub sepa_mandate_type: String,
    pub external_id: String,
    pub labels: Vec<String>,
    pub custom: Option<serde_json::Map<String, serde_json::Value>>,
}

impl std::fmt::Debug for BankData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BankData")
            .field("iban", &self.iban.as_ref().map(|i| i.masked()))
            .field("external_id", &self.external_id)
            .finish_non_exhaustive()
    }
}

/// A bank account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAccount {
    pub id: BankAccountId,
    pub customer: CustomerId,
    pub data: BankData,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A bank account row: keys in clear, the rest sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedBankAccount {
    pub id: BankAccountId,
    pub tenant: TenantId,
    pub customer: CustomerId,
    pub sealed: Sealed,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Bank-account persistence; it only ever sees sealed data.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait BankAccountRepository: Send + Sync {
    /// The bank accounts of these customers, oldest first.
    async fn list(&self, tenant: TenantId, customers: Vec<CustomerId>) -> Result<Vec<SealedBankAccount>, StoreError>;
    /// The bank account with this key in the tenant, whichever customer it belongs to.
    async fn get(&self, tenant: TenantId, id: BankAccountId) -> Result<Option<SealedBankAccount>, StoreError>;
    /// Adds one to a live customer; `None` when there is no such customer.
    async fn insert(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        sealed: Sealed,
        now: DateTime<Utc>,
    ) -> Result<Option<SealedBankAccount>, StoreError>;
    /// Replaces the sealed data of the customer's bank account; `false` if there is none.
    async fn replace(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        id: BankAccountId,
        sealed: Sealed,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Deletes the customer's bank account and registers the deletion; `false` if none.
    async fn delete(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        id: BankAccountId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Up to `limit` rows sealed under another key than `key_id` (any tenant).
    async fn sealed_under_other_keys(&self, key_id: String, limit: u64) -> Result<Vec<SealedBankAccount>, StoreError>;
    /// Replaces a row's sealed data if it is still sealed under `old_key`.
    async fn reseal(&self, id: BankAccountId, old_key: String, sealed: Sealed) -> Result<bool, StoreError>;
}

/// Why a bank-account use case failed.
#[derive(Debug, thiserror::Error)]
pub enum BankError {
    #[error("bank account not found")]
    NotFound,
    /// The bank account exists but belongs to another customer.
    #[error("the bank account belongs to another account")]
    OtherOwner,
    /// A stored row does not open with the configured keys.
    #[error("stored bank data cannot be decrypted: {0}")]
    Undecryptable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The sealed document (field names stable: rows outlive releases).
#[derive(Serialize, Deserialize, Default)]
struct Document {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iban: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bank_code: Option<String>,
    #[serde(default)]
    bank_name: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    sepa_debit_type: String,
    #[serde(default)]
    sepa_mandate: String,
    #[serde(default)]
    sepa_mandate_date: String,
    #[serde(default)]
    sepa_mandate_type: String,
    #[serde(default)]
    external_id: String,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    custom: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Bank-account use cases (callers check who may use them).
#[derive(Clone)]
pub struct BankAccounts {
    pub repo: Arc<dyn BankAccountRepository>,
    pub cipher: Arc<dyn FieldCipher>,
    pub clock: Arc<dyn Clock>,
}

/// The associated data a row's seal is bound to.
fn context(tenant: TenantId, customer: CustomerId) -> Vec<u8> {
    format!("bank_accounts:{}:{}", tenant.get(), customer.get()).into_bytes()
}

impl BankAccounts {
    fn seal(&self, tenant: TenantId, customer: CustomerId, data: &BankData) -> Sealed {
        let doc = Document {
            iban: data.iban.as_ref().map(|v| v.as_str().to_owned()),
            bic: data.bic.as_ref().map(|v| v.as_str().to_owned()),
            account_number: data.account_number.as_ref().map(|v| v.as_str().to_owned()),
            bank_code: data.bank_code.as_ref().map(|v| v.as_str().to_owned()),
            bank_name: data.bank_name.clone(),
            owner: data.owner.clone(),
            sepa_debit_type: data.sepa_debit_type.clone(),
            sepa_mandate: data.sepa_mandate.clone(),
            sepa_mandate_date: data.sepa_mandate_date.clone(),
            sepa_mandate_type: data.sepa_mandate_type.clone(),
            external_id: data.external_id.clone(),
            labels: data.labels.clone(),
            custom: data.custom.clone(),
        };
        let plain = serde_json::to_vec(&doc).expect("a bank document serialises");
        self.cipher.seal(&plain, &context(tenant, customer))
    }

    fn open(&self, row: SealedBankAccount) -> Result<BankAccount, BankError> {
        let plain = self
            .cipher
            .open(&row.sealed, &context(row.tenant, row.customer))
            .map_err(|e| BankError::Undecryptable(format!("bank account {}: {e}", row.id)))?;
        let doc: Document = serde_json::from_slice(&plain)
            .map_err(|e| BankError::Undecryptable(format!("bank account {}: {e}", row.id)))?;
        // Values were checked when written; a value that no longer parses reads as absent.
        let data = BankData {
            iban: doc.iban.and_then(|v| Iban::parse(&v).ok()),
            bic: doc.bic.and_then(|v| Bic::parse(&v).ok()),
            account_number: doc.account_number.and_then(|v| AccountNumber::parse(&v).ok()),
            bank_code: doc.bank_code.and_then(|v| BankCode::parse(&v).ok()),
            bank_name: doc.bank_name,
            owner: doc.owner,
            sepa_debit_type: doc.sepa_debit_type,
            sepa_mandate: doc.sepa_mandate,
            sepa_mandate_date: doc.sepa_mandate_date,
            sepa_mandate_type: doc.sepa_mandate_type,
            external_id: doc.external_id,
            labels: doc.labels,
            custom: doc.custom,
        };
        Ok(BankAccount {
            id: row.id,
            customer: row.customer,
            data,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    /// The bank accounts of these customers, by customer.
    pub async fn of_customers(
        &self,
        tenant: &Tenant,
        customers: &[CustomerId],
    ) -> Result<HashMap<CustomerId, Vec<BankAccount>>, StoreError> {
        let rows = self.repo.list(tenant.id, customers.to_vec()).await?;
        let mut out: HashMap<CustomerId, Vec<BankAccount>> = HashMap::new();
        for row in rows {
            match self.open(row) {
                Ok(account) => out.entry(account.customer).or_default().push(account),
                // One unreadable row must not hide the customer's others.
                Err(e) => tracing::error!(error = %e, "bank account skipped"),
            }
        }
        Ok(out)
    }

    /// One bank account of the customer.
    pub async fn get(
        &self,
        tenant: &Tenant,
        customer: CustomerId,
        id: BankAccountId,
    ) -> Result<BankAccount, BankError> {
        let row = self.repo.get(tenant.id, id).await?.ok_or(BankError::NotFound)?;
        if row.customer != customer {
            return Err(BankError::OtherOwner);
        }
        self.open(row)
    }

    /// Adds a bank account to a live customer.
    pub async fn add(&self, tenant: &Tenant, customer: CustomerId, data: &BankData) -> Result<BankAccount, BankError> {
        let sealed = self.seal(tenant.id, customer, data);
        let row = self
            .repo
            .insert(tenant.id, customer, sealed, self.clock.now())
            .await?
            .ok_or(BankError::NotFound)?;
        tracing::info!(
            event = "bank_account_added",
            tenant = tenant.id.get(),
            customer = customer.get(),
            id = row.id,
            "bank account added"
        );
        self.open(row)
    }

    /// Replaces a bank account's fields.
    pub async fn replace(
        &self,
        tenant: &Tenant,
        customer: CustomerId,
        id: BankAccountId,
        data: &BankData,
    ) -> Result<BankAccount, BankError> {
        self.get(tenant, customer, id).await?;
        let sealed = self.seal(tenant.id, customer, data);
        if !self
            .repo
            .replace(tenant.id, customer, id, sealed, self.clock.now())
            .await?
        {
            return Err(BankError::NotFound);
        }
        tracing::info!(
            event = "bank_account_changed",
            tenant = tenant.id.get(),
            customer = customer.get(),
            id,
            "bank account changed"
        );
        self.get(tenant, customer, id).await
    }

    /// Deletes a bank account (registered for the "deleted data" list).
    pub async fn delete(&self, tenant: &Tenant, customer: CustomerId, id: BankAccountId) -> Result<(), BankError> {
        let row = self.repo.get(tenant.id, id).await?.ok_or(BankError::NotFound)?;
        if row.customer != customer {
            return Err(BankError::OtherOwner);
        }
        if !self.repo.delete(tenant.id, customer, id, self.clock.now()).await? {
            return Err(BankError::NotFound);
        }
        tracing::info!(
            event = "bank_account_deleted",
            tenant = tenant.id.get(),
            customer = customer.get(),
            id,
            "bank account deleted"
        );
        Ok(())
    }

    /// Re-seals every row under the current key, in batches; returns how many moved.
    pub async fn rotate(&self) -> Result<u64, BankError> {
        let current = self.cipher.current_key_id();
        let mut moved = 0;
        loop {
            let rows = self.repo.sealed_under_other_keys(current.clone(), 500).await?;
            if rows.is_empty() {
                return Ok(moved);
            }
            for row in rows {
                let ctx = context(row.tenant, row.customer);
                let plain = self
                    .cipher
                    .open(&row.sealed, &ctx)
                    .map_err(|e| BankError::Undecryptable(format!("bank account {}: {e}", row.id)))?;
                let sealed = self.cipher.seal(&plain, &ctx);
                if self.repo.reseal(row.id, row.sealed.key_id.clone(), sealed).await? {
                    moved += 1;
                }
            }
        }
    }
}
