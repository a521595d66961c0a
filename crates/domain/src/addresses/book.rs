//! The address book of the logged-in customer: the rules ICM and Emporix share.
//!
//! - An address is usable for invoices, deliveries or both; at most one address is the
//!   preferred invoice address and one the preferred delivery address. A new address
//!   becomes preferred for a purpose nobody holds yet; making one preferred takes the
//!   preference from the others in the same transaction (the store does that).
//! - The preferred address for a purpose must stay usable for it (`InconsistentUsage`).
//! - Postal codes are checked by country, tags are bounded, and a customer has at most
//!   [`AddressLimits::max_per_customer`] addresses.
//! - Every write names the version it read; a stale one changes nothing (`Stale`).
//!   Writes without a client version retry on a concurrent change, so they still win.
//!   Within an instance, writes of one customer queue up first ([`CustomerLocks`]).
//! - Ids are looked up within the caller's customer only: another customer's id, another
//!   tenant's id and a guessed id are all `NotFound`.

use std::sync::Arc;

use super::{Address, AddressData, AddressDeletion, AddressRepository, NewAddress};
use crate::clock::Clock;
use crate::error::StoreError;
use crate::identity::{IdGenerator, Principal};
use crate::ids::{CustomerId, TenantId};
use crate::locks::CustomerLocks;
use crate::values::{parse_postal_code, postal_code_required, ValueError};

/// How many times a write without a client version is retried after a concurrent change:
/// with n writers at once the last one needs n attempts.
const UNCONDITIONAL_ATTEMPTS: usize = 100;

/// Bounds of the address book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressLimits {
    pub max_per_customer: usize,
    pub max_tags: usize,
    pub max_tag_len: usize,
}

impl Default for AddressLimits {
    fn default() -> Self {
        Self {
            max_per_customer: 100,
            max_tags: 50,
            max_tag_len: 64,
        }
    }
}

/// The address field a domain check refused (the dialect names it its own way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressField {
    PostalCode,
    Tags,
}

/// Why an address-book use case failed.
#[derive(Debug, thiserror::Error)]
pub enum AddressError {
    #[error("address not found")]
    NotFound,
    #[error("the address was changed since the given version")]
    Stale,
    #[error("{field:?} {why}")]
    Invalid { field: AddressField, why: ValueError },
    #[error("an address must be usable for invoices, deliveries or both")]
    NoUsage,
    #[error("the preferred address for a purpose must stay usable for it")]
    InconsistentUsage,
    #[error("a customer may have at most {0} addresses")]
    TooMany(usize),
    #[error("the last address cannot be deleted")]
    LastAddress,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What to do when a new address equals an existing one (ICM returns the existing one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDuplicate {
    Create,
    ReturnExisting,
}

/// A created address, or the existing equal one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub address: Address,
    pub existed: bool,
}

/// Checks and normalizes address data: the postal code for its country, the tags, and
/// that the address is usable for something (preferred implies usable).
pub fn check_address(data: &mut AddressData, limits: &AddressLimits) -> Result<(), AddressError> {
    let invalid = |field, why| AddressError::Invalid { field, why };
    data.postal_code = match data.postal_code.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(raw) => Some(parse_postal_code(&data.country, raw).map_err(|why| invalid(AddressField::PostalCode, why))?),
        None if postal_code_required(&data.country) => {
            return Err(invalid(AddressField::PostalCode, ValueError::Missing))
        }
        None => None,
    };
    if data.tags.len() > limits.max_tags {
        return Err(invalid(AddressField::Tags, ValueError::TooMany(limits.max_tags)));
    }
    let mut tags: Vec<String> = Vec::with_capacity(data.tags.len());
    for tag in &data.tags {
        let tag =
            crate::values::required_text(tag, limits.max_tag_len).map_err(|why| invalid(AddressField::Tags, why))?;
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    data.tags = tags;
    let u = &mut data.usage;
    u.invoice |= u.preferred_invoice;
    u.shipping |= u.preferred_shipping;
    if !u.invoice && !u.shipping {
        return Err(AddressError::NoUsage);
    }
    Ok(())
}

/// Whether two addresses hold the same content (usage and preferences aside).
fn same_content(a: &AddressData, b: &AddressData) -> bool {
    let strip = |d: &AddressData| AddressData {
        usage: Default::default(),
        ..d.clone()
    };
    strip(a) == strip(b)
}

/// Whose address book: the logged-in customer's (`&Principal`) or one an administrator
/// names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Book {
    pub tenant: TenantId,
    pub customer: CustomerId,
}

impl From<&Principal> for Book {
    fn from(who: &Principal) -> Self {
        Self {
            tenant: who.tenant,
            customer: who.customer,
        }
    }
}

/// Address-book use cases of a customer (its own, or an administrator's).
#[derive(Clone)]
pub struct AddressBook {
    addresses: Arc<dyn AddressRepository>,
    ids: Arc<dyn IdGenerator>,
    clock: Arc<dyn Clock>,
    limits: AddressLimits,
    writers: CustomerLocks,
}

impl AddressBook {
    pub fn new(
        addresses: Arc<dyn AddressRepository>,
        ids: Arc<dyn IdGenerator>,
        clock: Arc<dyn Clock>,
        limits: AddressLimits,
    ) -> Self {
        Self {
            addresses,
            ids,
            clock,
            limits,
            writers: CustomerLocks::default(),
        }
    }

    /// The bounds this book checks.
    pub fn limits(&self) -> &AddressLimits {
        &self.limits
    }

    /// The customer's addresses, oldest first.
    pub async fn list(&self, who: impl Into<Book> + Send) -> Result<Vec<Address>, AddressError> {
        let who: Book = who.into();
        Ok(self.addresses.list_for_customer(who.tenant, who.customer).await?)
    }

    /// One of the customer's addresses, by its public id.
    pub async fn get(&self, who: impl Into<Book> + Send, id: &str) -> Result<Address, AddressError> {
        let who: Book = who.into();
        let list = self.list(who).await?;
        list.into_iter()
            .find(|a| a.public_id.as_str() == id)
            .ok_or(AddressError::NotFound)
    }

    /// Adds an address. It becomes preferred for each purpose no address holds yet.
    pub async fn create(
        &self,
        who: impl Into<Book> + Send,
        mut data: AddressData,
        on_duplicate: OnDuplicate,
    ) -> Result<Created, AddressError> {
        let who: Book = who.into();
        check_address(&mut data, &self.limits)?;
        let _turn = self.writers.lock(who.tenant, who.customer).await;
        let existing = self.list(who).await?;
        if on_duplicate == OnDuplicate::ReturnExisting {
            if let Some(same) = existing.iter().find(|a| same_content(&a.data, &data)) {
                return Ok(Created {
                    address: same.clone(),
                    existed: true,
                });
            }
        }
        if existing.len() >= self.limits.max_per_customer {
            return Err(AddressError::TooMany(self.limits.max_per_customer));
        }
        let u = &mut data.usage;
        u.preferred_invoice |= u.invoice && !existing.iter().any(|a| a.data.usage.preferred_invoice);
        u.preferred_shipping |= u.shipping && !existing.iter().any(|a| a.data.usage.preferred_shipping);
        let new = NewAddress {
            public_id: self.ids.public_id(),
            data,
        };
        let max = self.limits.max_per_customer;
        match self
            .addresses
            .add_address(who.tenant, who.customer, new, max, self.clock.now())
            .await?
        {
            Some(address) => Ok(Created {
                address,
                existed: false,
            }),
            None => Err(AddressError::TooMany(max)),
        }
    }

    /// Changes an address: `edit` turns the stored address into its new data (the dialect
    /// merges or replaces). With `expected` set, a different stored version is `Stale`.
    pub async fn update<E>(
        &self,
        who: impl Into<Book> + Send,
        id: &str,
        expected: Option<i64>,
        edit: impl Fn(&Address) -> Result<AddressData, E> + Send + Sync,
    ) -> Result<Address, E>
    where
        E: From<AddressError>,
    {
        let who: Book = who.into();
        let _turn = self.writers.lock(who.tenant, who.customer).await;
        for _ in 0..UNCONDITIONAL_ATTEMPTS {
            let current = self.get(who, id).await?;
            if expected.is_some_and(|v| v != current.version) {
                return Err(AddressError::Stale.into());
            }
            let mut data = edit(&current)?;
            let (was, now) = (&current.data.usage, &data.usage);
            if (was.preferred_invoice && now.preferred_invoice && !now.invoice)
                || (was.preferred_shipping && now.preferred_shipping && !now.shipping)
            {
                return Err(AddressError::InconsistentUsage.into());
            }
            check_address(&mut data, &self.limits)?;
            let written = self
                .addresses
                .update_address(
                    who.tenant,
                    who.customer,
                    current.id,
                    current.version,
                    data,
                    self.clock.now(),
                )
                .await
                .map_err(AddressError::from)?;
            match written {
                Some(address) => return Ok(address),
                None if expected.is_none() => continue,
                None => return Err(AddressError::Stale.into()),
            }
        }
        Err(AddressError::Stale.into())
    }

    /// Deletes an address; with `keep_last` (ICM) the only address stays (`LastAddress`).
    /// A deleted preferred address leaves its purpose without a preferred address.
    pub async fn delete(
        &self,
        who: impl Into<Book> + Send,
        id: &str,
        expected: Option<i64>,
        keep_last: bool,
    ) -> Result<(), AddressError> {
        let who: Book = who.into();
        let _turn = self.writers.lock(who.tenant, who.customer).await;
        for _ in 0..UNCONDITIONAL_ATTEMPTS {
            let current = self.get(who, id).await?;
            if expected.is_some_and(|v| v != current.version) {
                return Err(AddressError::Stale);
            }
            let outcome = self
                .addresses
                .delete_address(
                    who.tenant,
                    who.customer,
                    current.id,
                    current.version,
                    keep_last,
                    self.clock.now(),
                )
                .await?;
            match outcome {
                AddressDeletion::Deleted => return Ok(()),
                AddressDeletion::LastAddress => return Err(AddressError::LastAddress),
                AddressDeletion::Changed if expected.is_none() => continue,
                AddressDeletion::Changed => return Err(AddressError::Stale),
            }
        }
        Err(AddressError::Stale)
    }
}
