//! Saving payment instruments in a customer profile (ICM `…/payments`): which methods a
//! customer may save, checking and sealing their parameters, duplicates, masking.
//!
//! Every instrument belongs to the user who saved it. A private customer has one user;
//! in a company each user sees their own instruments, and users who may manage the
//! company's users (`APP_B2B_MANAGE_USERS`) see and change all of the company's.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};

use super::gift_cards::{GiftCard, GiftCardError, GiftCards};
use super::mask_tail;
use super::methods::{param, MethodKind, PaymentCatalog, PaymentMethod};
use super::pan::contains_pan;
use super::{NewInstrument, PaymentInstrument, PaymentInstrumentRepository};
use crate::cipher::{FieldCipher, Sealed};
use crate::clock::Clock;
use crate::customers::OwnAccount;
use crate::error::StoreError;
use crate::identity::IdGenerator;
use crate::ids::{PublicId, UserId};
use crate::roles::{has_permission, permission};
use crate::tenants::Tenant;
use crate::values::{Bic, Iban};

/// Why a payment use case failed (ICM error keys in brackets).
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// No such instrument among those the caller may see.
    #[error("payment instrument not found")]
    NotFound,
    /// The method is not offered to this customer (`shopping_cart.payment.name.error`).
    #[error("payment method not available")]
    UnknownMethod,
    /// A required parameter is missing (`…missing_fields.error`).
    #[error("parameter {0} is missing")]
    Missing(String),
    /// A parameter is unknown or malformed (`…invalid_fields.error`).
    #[error("parameter {0} is invalid")]
    Invalid(String),
    /// Something looks like a full card number (`…invalid_fields.error`).
    #[error("card numbers are not accepted; send the payment provider's token")]
    CardNumber,
    /// The same instrument is saved already (`…dublicate.error`).
    #[error("the payment instrument is saved already")]
    Duplicate,
    /// Gift card number or PIN wrong, card locked, used up or expired (`…paymentdata.error`).
    #[error("{0}")]
    PaymentData(GiftCardError),
    /// Methods without parameters (and gift cards) are deleted and added, not updated.
    #[error("this payment instrument has no parameters to update")]
    NotUpdatable,
    #[error("stored payment data cannot be decrypted: {0}")]
    Undecryptable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An instrument as shown to its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentView {
    pub instrument: PaymentInstrument,
    /// A masked label (`DE** **** … 30 00`, `VISA ************1111 12/2030`).
    pub account_identifier: Option<String>,
    /// A card past its expiry month.
    pub expired: bool,
    /// The card behind a gift-card instrument (balance, currency).
    pub gift_card: Option<GiftCard>,
}

/// Whose instruments a caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Only their own.
    Own(UserId),
    /// All of their customer's.
    Company,
}

impl Scope {
    /// Company-wide for users who manage a company's users, else their own.
    pub fn of(tenant: &Tenant, account: &OwnAccount) -> Self {
        if account.customer.is_business() && has_permission(tenant, &account.user, permission::MANAGE_USERS) {
            Scope::Company
        } else {
            Scope::Own(account.user.id)
        }
    }

    fn user(self) -> Option<UserId> {
        match self {
            Scope::Own(u) => Some(u),
            Scope::Company => None,
        }
    }

    fn sees(self, i: &PaymentInstrument) -> bool {
        match self {
            Scope::Own(u) => i.user_id == Some(u),
            Scope::Company => true,
        }
    }
}

/// Checked parameters, ready to store.
struct Prepared {
    display: BTreeMap<String, String>,
    /// Every parameter to seal (the gift-card PIN never).
    secret: BTreeMap<String, String>,
    gift_card: Option<GiftCard>,
}

/// Payment-instrument use cases.
#[derive(Clone)]
pub struct PaymentInstruments {
    pub repo: Arc<dyn PaymentInstrumentRepository>,
    pub catalog: Arc<PaymentCatalog>,
    pub cipher: Arc<dyn FieldCipher>,
    pub gift_cards: GiftCards,
    pub ids: Arc<dyn IdGenerator>,
    pub clock: Arc<dyn Clock>,
}

/// The associated data an instrument's seal is bound to.
fn context(i: &PaymentInstrument) -> Vec<u8> {
    seal_context(i.tenant_id.get(), i.customer_id.get(), &i.public_id)
}

fn seal_context(tenant: i64, customer: i64, id: &PublicId) -> Vec<u8> {
    format!("payment_instruments:{tenant}:{customer}:{id}").into_bytes()
}

/// `MM/YY` or `MM/YYYY` as (month, full year).
fn parse_expiry(raw: &str) -> Option<(u32, i32)> {
    let (m, y) = raw.trim().split_once('/')?;
    let month: u32 = m.parse().ok().filter(|m| (1..=12).contains(m))?;
    if !y.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = match y.len() {
        2 => 2000 + y.parse::<i32>().ok()?,
        4 => y.parse().ok()?,
        _ => return None,
    };
    (m.len() == 2).then_some((month, year))
}

/// The last four digits of a masked card number (`************1111`, `XXXX 1111`, `1111`).
fn card_last4(raw: &str) -> Option<String> {
    let compact: String = raw.chars().filter(|c| *c != ' ').collect();
    let (mask, last) = compact.split_at(compact.len().checked_sub(4)?);
    (last.bytes().all(|b| b.is_ascii_digit()) && mask.chars().all(|c| matches!(c, '*' | 'X' | 'x')))
        .then(|| last.to_owned())
}

impl PaymentInstruments {
    /// The methods this customer may save now (ICM `OPTIONS …/payments`).
    pub async fn options(&self, tenant: &Tenant, account: &OwnAccount) -> Result<Vec<PaymentMethod>, StoreError> {
        let methods: Vec<&PaymentMethod> = self.catalog.for_tenant(tenant.name.as_str()).collect();
        let orders = if methods.iter().any(|m| m.restrictions.min_orders > 0) {
            self.repo.count_orders(tenant.id, account.customer.id).await?
        } else {
            0
        };
        let business = account.customer.is_business();
        Ok(methods
            .into_iter()
            .filter(|m| m.allows(business, orders))
            .cloned()
            .collect())
    }

    /// The instruments the caller sees, oldest first.
    pub async fn list(&self, tenant: &Tenant, account: &OwnAccount) -> Result<Vec<InstrumentView>, PaymentError> {
        let scope = Scope::of(tenant, account);
        let rows = self
            .repo
            .list_instruments(tenant.id, account.customer.id, scope.user())
            .await?;
        self.views(tenant, rows).await
    }

    /// One instrument the caller sees.
    pub async fn get(&self, tenant: &Tenant, account: &OwnAccount, id: &str) -> Result<InstrumentView, PaymentError> {
        let row = self.find(tenant, account, id).await?;
        Ok(self.views(tenant, vec![row]).await?.remove(0))
    }

    /// Saves a new instrument of `method` for the calling user.
    pub async fn add(
        &self,
        tenant: &Tenant,
        account: &OwnAccount,
        method: &str,
        params: Vec<(String, String)>,
    ) -> Result<InstrumentView, PaymentError> {
        let method = self
            .options(tenant, account)
            .await?
            .into_iter()
            .find(|m| m.id == method)
            .ok_or(PaymentError::UnknownMethod)?;
        let prepared = self.prepare(tenant, &method, params).await?;
        let mine = self
            .repo
            .list_instruments(tenant.id, account.customer.id, Some(account.user.id))
            .await?;
        self.refuse_duplicate(&method, &prepared, &mine, None)?;
        let public_id = self.ids.public_id();
        let sealed = self.seal(tenant, account, &public_id, &prepared.secret);
        let row = self
            .repo
            .insert_instrument(NewInstrument {
                public_id,
                tenant: tenant.id,
                customer: account.customer.id,
                user: account.user.id,
                method: method.id.clone(),
                display: prepared.display,
                sealed,
                gift_card: prepared.gift_card.as_ref().map(|g| g.id),
                now: self.clock.now(),
            })
            .await?;
        tracing::info!(
            event = "payment_instrument_added",
            tenant = tenant.id.get(),
            customer = account.customer.id.get(),
            method = %row.method,
            id = %row.public_id,
            "payment instrument saved"
        );
        Ok(self.views(tenant, vec![row]).await?.remove(0))
    }

    /// Replaces all parameters of an instrument. The method never changes: a `method`
    /// other than the instrument's is `Invalid("name")`.
    pub async fn replace(
        &self,
        tenant: &Tenant,
        account: &OwnAccount,
        id: &str,
        method: Option<&str>,
        params: Vec<(String, String)>,
    ) -> Result<InstrumentView, PaymentError> {
        let row = self.find(tenant, account, id).await?;
        if method.is_some_and(|m| m != row.method) {
            return Err(PaymentError::Invalid("name".to_owned()));
        }
        let method = self
            .catalog
            .method(tenant.name.as_str(), &row.method)
            .ok_or(PaymentError::UnknownMethod)?
            .clone();
        if method.kind == MethodKind::GiftCard || method.parameter_defs().is_empty() {
            return Err(PaymentError::NotUpdatable);
        }
        let prepared = self.prepare(tenant, &method, params).await?;
        let owners = self
            .repo
            .list_instruments(tenant.id, account.customer.id, row.user_id)
            .await?;
        self.refuse_duplicate(&method, &prepared, &owners, Some(row.id))?;
        let sealed = self.seal(tenant, account, &row.public_id, &prepared.secret);
        let replaced = self
            .repo
            .replace_instrument(
                tenant.id,
                row.id,
                row.version,
                prepared.display,
                sealed,
                self.clock.now(),
            )
            .await?;
        if !replaced {
            return Err(StoreError::VersionConflict.into());
        }
        tracing::info!(
            event = "payment_instrument_changed",
            tenant = tenant.id.get(),
            id = %row.public_id,
            "payment instrument changed"
        );
        self.get(tenant, account, id).await
    }

    /// Deletes an instrument the caller sees.
    pub async fn delete(&self, tenant: &Tenant, account: &OwnAccount, id: &str) -> Result<(), PaymentError> {
        let row = self.find(tenant, account, id).await?;
        if !self.repo.delete_instrument(tenant.id, row.id).await? {
            return Err(PaymentError::NotFound);
        }
        tracing::info!(
            event = "payment_instrument_deleted",
            tenant = tenant.id.get(),
            id = %row.public_id,
            "payment instrument deleted"
        );
        Ok(())
    }

    /// The gift cards behind the instruments of `user` (the caller, or a user of their
    /// company when the caller sees the company's instruments).
    pub async fn gift_cards(
        &self,
        tenant: &Tenant,
        account: &OwnAccount,
        user: UserId,
    ) -> Result<Vec<GiftCard>, PaymentError> {
        if user != account.user.id && Scope::of(tenant, account) != Scope::Company {
            return Err(PaymentError::NotFound);
        }
        let rows = self
            .repo
            .list_instruments(tenant.id, account.customer.id, Some(user))
            .await?;
        let mut cards: Vec<GiftCard> = Vec::new();
        for view in self.views(tenant, rows).await? {
            if let Some(card) = view.gift_card {
                if !cards.iter().any(|c| c.id == card.id) {
                    cards.push(card);
                }
            }
        }
        Ok(cards)
    }

    /// Every instrument of the customer with its parameters opened (gift-card PINs are
    /// never kept), or why they cannot be: for the personal-data export, where one
    /// unreadable instrument must be reported, not hide the rest.
    #[allow(clippy::type_complexity)]
    pub async fn parameters_of(
        &self,
        tenant: &Tenant,
        customer: crate::ids::CustomerId,
    ) -> Result<Vec<(PublicId, String, Result<BTreeMap<String, String>, PaymentError>)>, StoreError> {
        let rows = self.repo.list_instruments(tenant.id, customer, None).await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.public_id.clone(), row.method.clone(), self.open(&row)))
            .collect())
    }

    /// Re-seals every instrument under the current key, in batches; returns how many moved.
    pub async fn rotate(&self) -> Result<u64, PaymentError> {
        let current = self.cipher.current_key_id();
        let mut moved = 0;
        loop {
            let rows = self.repo.sealed_under_other_keys(current.clone(), 500).await?;
            if rows.is_empty() {
                return Ok(moved);
            }
            for row in rows {
                let Some(old) = &row.sealed else { continue };
                let plain = self
                    .cipher
                    .open(old, &context(&row))
                    .map_err(|e| PaymentError::Undecryptable(format!("payment instrument {}: {e}", row.public_id)))?;
                let sealed = self.cipher.seal(&plain, &context(&row));
                if self.repo.reseal_instrument(row.id, old.key_id.clone(), sealed).await? {
                    moved += 1;
                }
            }
        }
    }

    async fn find(&self, tenant: &Tenant, account: &OwnAccount, id: &str) -> Result<PaymentInstrument, PaymentError> {
        let id = PublicId::parse(id).ok_or(PaymentError::NotFound)?;
        self.repo
            .get_instrument(tenant.id, account.customer.id, id)
            .await?
            .filter(|i| Scope::of(tenant, account).sees(i))
            .ok_or(PaymentError::NotFound)
    }

    async fn views(&self, tenant: &Tenant, rows: Vec<PaymentInstrument>) -> Result<Vec<InstrumentView>, PaymentError> {
        let card_ids: Vec<_> = rows.iter().filter_map(|r| r.gift_card).collect();
        let cards = if card_ids.is_empty() {
            vec![]
        } else {
            self.gift_cards.by_ids(tenant, card_ids).await?
        };
        let today = self.clock.now();
        Ok(rows
            .into_iter()
            .map(|instrument| {
                let kind = self
                    .catalog
                    .method(tenant.name.as_str(), &instrument.method)
                    .map(|m| m.kind);
                let d = &instrument.display;
                let (account_identifier, expired) = match kind {
                    Some(MethodKind::DirectDebit) => (d.get(param::IBAN).cloned(), false),
                    Some(MethodKind::Card) => {
                        let expiry = d.get(param::CARD_EXPIRY).cloned().unwrap_or_default();
                        let label = [d.get(param::CARD_TYPE), d.get(param::CARD_NUMBER), Some(&expiry)]
                            .into_iter()
                            .flatten()
                            .filter(|s| !s.is_empty())
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(" ");
                        (Some(label), card_expired(&expiry, today))
                    }
                    Some(MethodKind::GiftCard) => (d.get(param::GIFT_CARD_NUMBER).cloned(), false),
                    _ => (None, false),
                };
                let gift_card = instrument
                    .gift_card
                    .and_then(|id| cards.iter().find(|c| c.id == id).cloned());
                InstrumentView {
                    instrument,
                    account_identifier,
                    expired,
                    gift_card,
                }
            })
            .collect())
    }

    /// Checks the parameters against the method: no card numbers, no unknown or doubled
    /// names, required ones present, lengths, then the kind's own rules.
    async fn prepare(
        &self,
        tenant: &Tenant,
        method: &PaymentMethod,
        params: Vec<(String, String)>,
    ) -> Result<Prepared, PaymentError> {
        let defs = method.parameter_defs();
        let mut values: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in params {
            let is_iban = method.kind == MethodKind::DirectDebit && name == param::IBAN && Iban::parse(&value).is_ok();
            if (contains_pan(&value) && !is_iban) || contains_pan(&name) {
                return Err(PaymentError::CardNumber);
            }
            if !defs.iter().any(|d| d.name == name) {
                return Err(PaymentError::Invalid(name));
            }
            let value = value.trim().to_owned();
            if values.contains_key(&name) {
                return Err(PaymentError::Invalid(name));
            }
            if !value.is_empty() {
                values.insert(name, value);
            }
        }
        for def in &defs {
            match values.get(&def.name) {
                None if def.required => return Err(PaymentError::Missing(def.name.clone())),
                Some(v) if v.chars().count() < def.min_len || v.chars().count() > def.max_len => {
                    return Err(PaymentError::Invalid(def.name.clone()))
                }
                _ => {}
            }
        }
        let invalid = |name: &str| PaymentError::Invalid(name.to_owned());
        let mut display = BTreeMap::new();
        let mut gift_card = None;
        match method.kind {
            MethodKind::Plain => {
                for def in &defs {
                    if let Some(v) = values.get(&def.name) {
                        let shown = if def.sensitive { mask_tail(v) } else { v.clone() };
                        display.insert(def.name.clone(), shown);
                    }
                }
            }
            MethodKind::DirectDebit => {
                let iban = Iban::parse(&values[param::IBAN]).map_err(|_| invalid(param::IBAN))?;
                values.insert(param::IBAN.to_owned(), iban.as_str().to_owned());
                display.insert(param::IBAN.to_owned(), iban.masked());
                if let Some(bic) = values.get(param::BIC) {
                    let bic = Bic::parse(bic).map_err(|_| invalid(param::BIC))?;
                    values.insert(param::BIC.to_owned(), bic.as_str().to_owned());
                    display.insert(param::BIC.to_owned(), bic.as_str().to_owned());
                }
                display.insert(param::HOLDER.to_owned(), values[param::HOLDER].clone());
            }
            MethodKind::Card => {
                let last4 = card_last4(&values[param::CARD_NUMBER]).ok_or_else(|| invalid(param::CARD_NUMBER))?;
                let (month, year) =
                    parse_expiry(&values[param::CARD_EXPIRY]).ok_or_else(|| invalid(param::CARD_EXPIRY))?;
                display.insert(param::CARD_TYPE.to_owned(), values[param::CARD_TYPE].to_uppercase());
                display.insert(param::CARD_NUMBER.to_owned(), format!("************{last4}"));
                display.insert(param::CARD_EXPIRY.to_owned(), format!("{month:02}/{year}"));
                if let Some(owner) = values.get(param::CARD_OWNER) {
                    display.insert(param::CARD_OWNER.to_owned(), owner.clone());
                }
            }
            MethodKind::GiftCard => {
                let number = values[param::GIFT_CARD_NUMBER].clone();
                let pin = values
                    .remove(param::GIFT_CARD_PIN)
                    .ok_or_else(|| PaymentError::Missing(param::GIFT_CARD_PIN.to_owned()))?;
                let card = self
                    .gift_cards
                    .check_pin(tenant, &number, &pin)
                    .await
                    .map_err(|e| match e {
                        GiftCardError::Store(e) => PaymentError::Store(e),
                        other => PaymentError::PaymentData(other),
                    })?;
                display.insert(param::GIFT_CARD_NUMBER.to_owned(), card.masked_number());
                gift_card = Some(card);
            }
        }
        Ok(Prepared {
            display,
            secret: values,
            gift_card,
        })
    }

    fn seal(
        &self,
        tenant: &Tenant,
        account: &OwnAccount,
        id: &PublicId,
        secret: &BTreeMap<String, String>,
    ) -> Option<Sealed> {
        if secret.is_empty() {
            return None;
        }
        let plain = serde_json::to_vec(secret).expect("a parameter map serialises");
        Some(
            self.cipher
                .seal(&plain, &seal_context(tenant.id.get(), account.customer.id.get(), id)),
        )
    }

    /// The parameters of a stored instrument.
    fn open(&self, i: &PaymentInstrument) -> Result<BTreeMap<String, String>, PaymentError> {
        let Some(sealed) = &i.sealed else {
            return Ok(BTreeMap::new());
        };
        let plain = self
            .cipher
            .open(sealed, &context(i))
            .map_err(|e| PaymentError::Undecryptable(format!("payment instrument {}: {e}", i.public_id)))?;
        serde_json::from_slice(&plain)
            .map_err(|e| PaymentError::Undecryptable(format!("payment instrument {}: {e}", i.public_id)))
    }

    /// The same method with the same account (IBAN; card type, number and expiry;
    /// gift card; all parameters of a plain method) is saved once per user.
    fn refuse_duplicate(
        &self,
        method: &PaymentMethod,
        new: &Prepared,
        existing: &[PaymentInstrument],
        except: Option<crate::ids::PaymentInstrumentId>,
    ) -> Result<(), PaymentError> {
        for other in existing
            .iter()
            .filter(|o| o.method == method.id && Some(o.id) != except)
        {
            let same = match method.kind {
                MethodKind::GiftCard => other.gift_card == new.gift_card.as_ref().map(|g| g.id),
                MethodKind::Card => other.display == new.display,
                MethodKind::DirectDebit => self.open(other)?.get(param::IBAN) == new.secret.get(param::IBAN),
                MethodKind::Plain => self.open(other)? == new.secret,
            };
            if same {
                return Err(PaymentError::Duplicate);
            }
        }
        Ok(())
    }
}

/// Whether a card with expiry `MM/YYYY` is past its month at `now`.
fn card_expired(expiry: &str, now: DateTime<Utc>) -> bool {
    parse_expiry(expiry).is_some_and(|(month, year)| (year, month) < (now.year(), now.month()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_and_masks() {
        assert_eq!(parse_expiry("03/27"), Some((3, 2027)));
        assert_eq!(parse_expiry("12/2030"), Some((12, 2030)));
        assert_eq!(parse_expiry("13/27"), None);
        assert_eq!(parse_expiry("3/27"), None);
        assert_eq!(card_last4("************1111").as_deref(), Some("1111"));
        assert_eq!(card_last4("XXXX XXXX XXXX 4242").as_deref(), Some("4242"));
        assert_eq!(card_last4("1111").as_deref(), Some("1111"));
        assert_eq!(card_last4("411111111111"), None);
        assert_eq!(mask_tail("GC12345678"), "******5678");
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-02T00:00:00Z")
            .unwrap()
            .to_utc();
        assert!(card_expired("11/2026", now));
        assert!(!card_expired("12/2026", now));
    }
}
