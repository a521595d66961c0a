//! Gift cards and certificates: issued per tenant with a number, a hashed PIN, a
//! currency and a balance in minor units. Every balance change is an entry of an
//! append-only ledger with an idempotency key (a repeated key is applied once), and the
//! store changes balance and ledger in one transaction that never lets the balance go
//! below zero, so the balance is always the sum of its entries. Customers link a card
//! to their profile with number and PIN; repeated wrong PINs lock the card for a while.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::clock::Clock;
use crate::error::StoreError;
use crate::identity::{IdGenerator, PasswordHasher, Secrets};
use crate::ids::{PublicId, TenantId};
use crate::tenants::Tenant;
use crate::values::{CurrencyCode, Money, Password, PasswordHash};

/// Store key of a gift card.
pub type GiftCardId = i64;

/// A gift card as stored (the PIN only as a hash).
#[derive(Clone, PartialEq, Eq)]
pub struct GiftCard {
    pub id: GiftCardId,
    pub public_id: PublicId,
    pub tenant: TenantId,
    pub number: String,
    pub pin_hash: PasswordHash,
    /// Issued amount.
    pub initial: Money,
    /// Current balance (the sum of the ledger).
    pub balance: Money,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub blocked: bool,
    /// Wrong PINs since the last right one or lock.
    pub pin_failures: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl GiftCard {
    /// The number as shown to customers: all but the last four characters masked.
    pub fn masked_number(&self) -> String {
        super::mask_tail(&self.number)
    }
}

impl std::fmt::Debug for GiftCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GiftCard")
            .field("id", &self.id)
            .field("balance", &self.balance)
            .finish_non_exhaustive()
    }
}

/// One balance change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub id: i64,
    pub card: GiftCardId,
    /// Minor units; negative for a debit.
    pub amount: i64,
    /// The balance after this entry.
    pub balance_after: i64,
    pub reason: String,
    pub idempotency_key: String,
    pub created_at: DateTime<Utc>,
}

/// A card to issue, as the store writes it (with its first ledger entry).
#[derive(Debug, Clone)]
pub struct NewGiftCard {
    pub public_id: PublicId,
    pub tenant: TenantId,
    pub number: String,
    pub pin_hash: PasswordHash,
    pub amount: Money,
    pub validity: Validity,
    pub now: DateTime<Utc>,
}

/// When a card may be used (open at either end when `None`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Validity {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// What an adjustment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adjusted {
    Applied(LedgerEntry),
    /// The idempotency key was used before: the earlier entry, nothing changed.
    Replayed(LedgerEntry),
    /// The balance would go below zero; nothing changed.
    Insufficient {
        balance: i64,
    },
}

/// Gift-card persistence.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait GiftCardRepository: Send + Sync {
    /// Stores a card and its issuing entry; a taken number is `Duplicate(GiftCardNumber)`.
    async fn insert_gift_card(&self, new: NewGiftCard) -> Result<GiftCard, StoreError>;
    async fn gift_card_by_number(&self, tenant: TenantId, number: String) -> Result<Option<GiftCard>, StoreError>;
    async fn gift_cards_by_ids(&self, tenant: TenantId, ids: Vec<GiftCardId>) -> Result<Vec<GiftCard>, StoreError>;
    /// Adds `amount` to the balance and the ledger in one transaction, unless the key
    /// was used for this card before or the balance would go below zero.
    async fn adjust_gift_card(
        &self,
        card: GiftCardId,
        amount: i64,
        key: String,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<Adjusted, StoreError>;
    /// Blocks or unblocks a card; `false` if it is gone.
    async fn set_gift_card_blocked(
        &self,
        card: GiftCardId,
        blocked: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// The card's entries, oldest first.
    async fn gift_card_ledger(&self, card: GiftCardId) -> Result<Vec<LedgerEntry>, StoreError>;
    /// Counts a wrong PIN; at `lock_after` failures the card locks until `until`.
    async fn gift_card_pin_failed(
        &self,
        card: GiftCardId,
        lock_after: i32,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// A right PIN clears the failures.
    async fn gift_card_pin_ok(&self, card: GiftCardId) -> Result<(), StoreError>;
}

/// Why a gift-card use case failed.
#[derive(Debug, thiserror::Error)]
pub enum GiftCardError {
    /// Unknown number or wrong PIN (one answer for both).
    #[error("the gift card number or PIN is wrong")]
    WrongNumberOrPin,
    #[error("the gift card is locked after too many wrong PINs; try again later")]
    Locked,
    #[error("the gift card has expired")]
    Expired,
    #[error("the gift card is not valid yet")]
    NotYetValid,
    #[error("the gift card is blocked")]
    Blocked,
    #[error("the gift card does not exist")]
    NotFound,
    #[error("the gift card number is taken")]
    NumberTaken,
    /// A number, PIN, amount or currency that cannot be used.
    #[error("{0}")]
    Invalid(String),
    #[error("the balance ({} {}) is too low", balance.decimal(), balance.currency)]
    Insufficient { balance: Money },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Wrong-PIN limits.
#[derive(Debug, Clone, Copy)]
pub struct PinPolicy {
    pub attempts: i32,
    pub lock: Duration,
}

impl Default for PinPolicy {
    fn default() -> Self {
        Self {
            attempts: 5,
            lock: Duration::minutes(15),
        }
    }
}

/// A newly issued card and its PIN (shown once).
#[derive(Debug)]
pub struct Issued {
    pub card: GiftCard,
    pub pin: String,
}

/// The result of an adjustment.
#[derive(Debug)]
pub struct Adjustment {
    pub entry: LedgerEntry,
    /// The key had been used: nothing changed.
    pub replayed: bool,
    pub balance: Money,
}

/// Gift-card use cases.
#[derive(Clone)]
pub struct GiftCards {
    pub repo: Arc<dyn GiftCardRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub secrets: Arc<dyn Secrets>,
    pub ids: Arc<dyn IdGenerator>,
    pub clock: Arc<dyn Clock>,
    pub policy: PinPolicy,
}

/// `len` decimal digits from a random token.
fn digits(token: &str, len: usize) -> String {
    token
        .bytes()
        .cycle()
        .take(len)
        .map(|b| char::from(b'0' + b % 10))
        .collect()
}

/// Gift-card numbers: 4 to 32 letters, digits or dashes, and not something that looks
/// like a payment card number (those are refused wherever they appear).
fn check_number(raw: &str) -> Result<String, GiftCardError> {
    let n = raw.trim().to_uppercase();
    if !(4..=32).contains(&n.len()) || !n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(GiftCardError::Invalid(
            "a gift card number has 4 to 32 letters, digits or dashes".to_owned(),
        ));
    }
    if super::pan::contains_pan(&n) {
        return Err(GiftCardError::Invalid(
            "a gift card number may not look like a payment card number".to_owned(),
        ));
    }
    Ok(n)
}

impl GiftCards {
    /// Issues a card of `amount`; number and PIN are generated unless given.
    pub async fn issue(
        &self,
        tenant: &Tenant,
        amount: Money,
        number: Option<&str>,
        pin: Option<&str>,
        validity: Validity,
    ) -> Result<Issued, GiftCardError> {
        if amount.minor <= 0 {
            return Err(GiftCardError::Invalid("the amount must be positive".to_owned()));
        }
        if let (Some(from), Some(until)) = (validity.from, validity.until) {
            if from >= until {
                return Err(GiftCardError::Invalid(
                    "the validity must end after it starts".to_owned(),
                ));
            }
        }
        let number = match number {
            Some(n) => check_number(n)?,
            // 16 random digits; numbers that pass the Luhn check are drawn again.
            None => loop {
                let candidate = digits(&self.secrets.token(), 16);
                if let Ok(n) = check_number(&candidate) {
                    break n;
                }
            },
        };
        let pin = match pin {
            Some(p) if (4..=32).contains(&p.len()) && !p.contains(char::is_whitespace) => p.to_owned(),
            Some(_) => return Err(GiftCardError::Invalid("a PIN has 4 to 32 characters".to_owned())),
            None => digits(&self.secrets.token(), 6),
        };
        let pin_hash = self
            .hasher
            .hash(&Password::for_login(&pin))
            .await
            .map_err(|e| StoreError::Unavailable(format!("hashing a PIN: {e}")))?;
        let card = self
            .repo
            .insert_gift_card(NewGiftCard {
                public_id: self.ids.public_id(),
                tenant: tenant.id,
                number,
                pin_hash,
                amount,
                validity,
                now: self.clock.now(),
            })
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(_) => GiftCardError::NumberTaken,
                e => e.into(),
            })?;
        tracing::info!(
            event = "gift_card_issued",
            tenant = tenant.id.get(),
            card = card.id,
            amount = %amount.decimal(),
            currency = %amount.currency,
            "gift card issued"
        );
        Ok(Issued { card, pin })
    }

    /// The card with this number and its ledger.
    pub async fn show(&self, tenant: &Tenant, number: &str) -> Result<(GiftCard, Vec<LedgerEntry>), GiftCardError> {
        let card = self.by_number(tenant, number).await?;
        let ledger = self.repo.gift_card_ledger(card.id).await?;
        Ok((card, ledger))
    }

    /// Credits (positive) or debits (negative) a card once per idempotency key.
    pub async fn adjust(
        &self,
        tenant: &Tenant,
        number: &str,
        amount: Money,
        key: &str,
        reason: &str,
    ) -> Result<Adjustment, GiftCardError> {
        let key = key.trim();
        if key.is_empty() || key.len() > 128 {
            return Err(GiftCardError::Invalid(
                "an idempotency key has 1 to 128 characters".to_owned(),
            ));
        }
        if amount.minor == 0 {
            return Err(GiftCardError::Invalid("the amount may not be zero".to_owned()));
        }
        let card = self.by_number(tenant, number).await?;
        if amount.currency != card.balance.currency {
            return Err(GiftCardError::Invalid(format!(
                "the card is in {}, not {}",
                card.balance.currency, amount.currency
            )));
        }
        if amount.minor < 0 {
            self.usable(&card)?;
        }
        let money = |minor| Money {
            minor,
            currency: card.balance.currency,
        };
        match self
            .repo
            .adjust_gift_card(
                card.id,
                amount.minor,
                key.to_owned(),
                reason.to_owned(),
                self.clock.now(),
            )
            .await?
        {
            Adjusted::Applied(entry) => {
                tracing::info!(
                    event = "gift_card_adjusted",
                    tenant = tenant.id.get(),
                    card = card.id,
                    amount = %amount.decimal(),
                    "gift card balance changed"
                );
                Ok(Adjustment {
                    balance: money(entry.balance_after),
                    entry,
                    replayed: false,
                })
            }
            Adjusted::Replayed(entry) => {
                let balance = self.by_number(tenant, number).await?.balance;
                Ok(Adjustment {
                    entry,
                    replayed: true,
                    balance,
                })
            }
            Adjusted::Insufficient { balance } => Err(GiftCardError::Insufficient {
                balance: money(balance),
            }),
        }
    }

    /// The card if `pin` is its PIN; counts wrong PINs and locks the card at the limit.
    pub async fn check_pin(&self, tenant: &Tenant, number: &str, pin: &str) -> Result<GiftCard, GiftCardError> {
        let card = match check_number(number) {
            Ok(n) => self.repo.gift_card_by_number(tenant.id, n).await?,
            Err(_) => None,
        };
        let pin = Password::for_login(pin);
        let Some(card) = card else {
            // As long as a wrong PIN, so numbers cannot be probed by timing.
            let _ = self.hasher.verify(&pin, None).await;
            return Err(GiftCardError::WrongNumberOrPin);
        };
        let now = self.clock.now();
        if card.locked_until.is_some_and(|t| t > now) {
            return Err(GiftCardError::Locked);
        }
        let right = self
            .hasher
            .verify(&pin, Some(card.pin_hash.clone()))
            .await
            .map_err(|e| StoreError::Unavailable(format!("checking a PIN: {e}")))?;
        if !right {
            self.repo
                .gift_card_pin_failed(card.id, self.policy.attempts, now + self.policy.lock)
                .await?;
            tracing::warn!(
                event = "gift_card_wrong_pin",
                tenant = tenant.id.get(),
                card = card.id,
                "wrong gift card PIN"
            );
            return Err(GiftCardError::WrongNumberOrPin);
        }
        if card.pin_failures > 0 {
            self.repo.gift_card_pin_ok(card.id).await?;
        }
        self.usable(&card)?;
        Ok(card)
    }

    /// Blocks (no debits, no linking) or unblocks a card.
    pub async fn set_blocked(&self, tenant: &Tenant, number: &str, blocked: bool) -> Result<GiftCard, GiftCardError> {
        let card = self.by_number(tenant, number).await?;
        if !self
            .repo
            .set_gift_card_blocked(card.id, blocked, self.clock.now())
            .await?
        {
            return Err(GiftCardError::NotFound);
        }
        tracing::info!(
            event = "gift_card_blocked",
            tenant = tenant.id.get(),
            card = card.id,
            blocked,
            "gift card {}",
            if blocked { "blocked" } else { "unblocked" }
        );
        self.by_number(tenant, number).await
    }

    /// Cards by store key (those linked to payment instruments).
    pub async fn by_ids(&self, tenant: &Tenant, ids: Vec<GiftCardId>) -> Result<Vec<GiftCard>, StoreError> {
        self.repo.gift_cards_by_ids(tenant.id, ids).await
    }

    async fn by_number(&self, tenant: &Tenant, number: &str) -> Result<GiftCard, GiftCardError> {
        let number = check_number(number).map_err(|_| GiftCardError::NotFound)?;
        self.repo
            .gift_card_by_number(tenant.id, number)
            .await?
            .ok_or(GiftCardError::NotFound)
    }

    fn usable(&self, card: &GiftCard) -> Result<(), GiftCardError> {
        if card.blocked {
            return Err(GiftCardError::Blocked);
        }
        let now = self.clock.now();
        if card.valid_until.is_some_and(|t| t <= now) {
            return Err(GiftCardError::Expired);
        }
        if card.valid_from.is_some_and(|t| t > now) {
            return Err(GiftCardError::NotYetValid);
        }
        Ok(())
    }
}

/// Currency and amount of an issue or adjustment, from text such as `50.00` and `EUR`.
pub fn parse_amount(amount: &str, currency: &str) -> Result<Money, GiftCardError> {
    let currency = CurrencyCode::parse(currency).map_err(|e| GiftCardError::Invalid(format!("currency: {e}")))?;
    Money::parse_decimal(amount, currency).map_err(|e| GiftCardError::Invalid(format!("amount: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(check_number(" gc-1234 ").unwrap(), "GC-1234");
        assert!(check_number("4111111111111111").is_err());
        assert!(check_number("abc").is_err());
        assert!(check_number("a b c d").is_err());
        assert_eq!(digits("abc", 6).len(), 6);
    }
}
