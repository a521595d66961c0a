//! Addresses: the superset of the five dialects' address fields, owned by a customer,
//! and the address book rules every dialect shares (see [`book`]).

mod book;

pub use book::{check_address, AddressBook, AddressError, AddressField, AddressLimits, Book, Created, OnDuplicate};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::ids::{AddressId, CustomerId, PublicId, TenantId};
use crate::values::{CountryCode, Email};

/// What an address may be used for, and whether it is the preferred one for that.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddressUsage {
    pub invoice: bool,
    pub shipping: bool,
    pub preferred_invoice: bool,
    pub preferred_shipping: bool,
}

/// The editable content of an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressData {
    /// A name the customer gave the address (ICM `addressName`).
    pub name: Option<String>,
    pub title: Option<String>,
    pub salutation: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_name: Option<String>,
    pub company_name2: Option<String>,
    pub street1: String,
    pub street2: Option<String>,
    pub street3: Option<String>,
    pub post_box: Option<String>,
    pub postal_code: Option<String>,
    pub city: String,
    /// Region or state code (ICM `mainDivision`, ISO 3166-2 subdivision part).
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub country: CountryCode,
    pub phone_home: Option<String>,
    pub phone_mobile: Option<String>,
    pub phone_business: Option<String>,
    pub fax: Option<String>,
    pub email: Option<Email>,
    pub usage: AddressUsage,
    pub tags: Vec<String>,
    pub labels: Vec<String>,
    pub external_id: Option<String>,
    pub custom: serde_json::Map<String, serde_json::Value>,
    /// Fields only some dialects have (WEBSALE).
    pub extra: AddressExtra,
}

/// Address fields only some dialects carry (WEBSALE: `streetNumber`, `department`,
/// `taxId`, `dateOfBirth`, `businessFax`), kept as given.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AddressExtra {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_id: Option<String>,
    /// As the client wrote it (WEBSALE shows `dd.MM.yyyy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_fax: Option<String>,
}

impl AddressData {
    /// An address with the fields every address has; the others empty, usable for
    /// nothing yet (set `usage`).
    pub fn new(street1: impl Into<String>, city: impl Into<String>, country: CountryCode) -> Self {
        Self {
            name: None,
            title: None,
            salutation: None,
            first_name: None,
            last_name: None,
            company_name: None,
            company_name2: None,
            street1: street1.into(),
            street2: None,
            street3: None,
            post_box: None,
            postal_code: None,
            city: city.into(),
            region_code: None,
            region_name: None,
            country,
            phone_home: None,
            phone_mobile: None,
            phone_business: None,
            fax: None,
            email: None,
            usage: AddressUsage::default(),
            tags: vec![],
            labels: vec![],
            external_id: None,
            custom: Default::default(),
            extra: AddressExtra::default(),
        }
    }
}

/// An address as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub id: AddressId,
    pub public_id: PublicId,
    pub tenant_id: TenantId,
    pub customer_id: CustomerId,
    pub data: AddressData,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// An address to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAddress {
    pub public_id: PublicId,
    pub data: AddressData,
}

/// What became of a conditional delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressDeletion {
    Deleted,
    /// The address changed (or vanished) since the version the caller read.
    Changed,
    /// It is the customer's only address and the caller asked to keep the last one.
    LastAddress,
}

/// Address persistence. Every call is scoped to a tenant and a customer, so an id of
/// another customer or tenant is simply not found.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait AddressRepository: Send + Sync {
    /// The customer's addresses in a stable order (creation order).
    async fn list_for_customer(&self, tenant: TenantId, customer: CustomerId) -> Result<Vec<Address>, StoreError>;
    /// Adds an address unless the customer already has `max` of them (then `None`). A
    /// preferred address takes the preference from the customer's other addresses in
    /// the same transaction.
    async fn add_address(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        new: NewAddress,
        max: usize,
        now: DateTime<Utc>,
    ) -> Result<Option<Address>, StoreError>;
    /// Replaces the address's data if it still has version `expected` (else `None`),
    /// moving the preferences as [`AddressRepository::add_address`] does.
    async fn update_address(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        id: AddressId,
        expected: i64,
        data: AddressData,
        now: DateTime<Utc>,
    ) -> Result<Option<Address>, StoreError>;
    /// Deletes the address if it still has version `expected`; with `keep_last` the
    /// customer's only address stays. The deletion is recorded for the admin views.
    async fn delete_address(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        id: AddressId,
        expected: i64,
        keep_last: bool,
        now: DateTime<Utc>,
    ) -> Result<AddressDeletion, StoreError>;
}

/// Makes the preferred flags consistent: a preferred address must be usable for that
/// purpose, at most one address is preferred per purpose, and if none is preferred
/// the first usable one becomes preferred (as ICM does for the first address).
pub fn settle_preferred(addresses: &mut [AddressData]) {
    for a in addresses.iter_mut() {
        a.usage.invoice |= a.usage.preferred_invoice;
        a.usage.shipping |= a.usage.preferred_shipping;
        if !a.usage.invoice && !a.usage.shipping {
            // An address with no usage is usable for both (ICM and Emporix default).
            a.usage.invoice = true;
            a.usage.shipping = true;
        }
    }
    settle_one(addresses, |u| u.invoice, |u| &mut u.preferred_invoice);
    settle_one(addresses, |u| u.shipping, |u| &mut u.preferred_shipping);
}

fn settle_one(
    addresses: &mut [AddressData],
    usable: impl Fn(&AddressUsage) -> bool,
    preferred: impl Fn(&mut AddressUsage) -> &mut bool,
) {
    let chosen = addresses
        .iter_mut()
        .position(|a| *preferred(&mut a.usage))
        .or_else(|| addresses.iter().position(|a| usable(&a.usage)));
    for (i, a) in addresses.iter_mut().enumerate() {
        *preferred(&mut a.usage) = Some(i) == chosen;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(usage: AddressUsage) -> AddressData {
        AddressData {
            postal_code: Some("10115".into()),
            usage,
            ..AddressData::new("Hauptstr. 1", "Berlin", CountryCode::parse("DE").unwrap())
        }
    }

    #[test]
    fn a_single_address_without_usage_becomes_preferred_for_both() {
        let mut list = [address(AddressUsage::default())];
        settle_preferred(&mut list);
        assert_eq!(
            list[0].usage,
            AddressUsage {
                invoice: true,
                shipping: true,
                preferred_invoice: true,
                preferred_shipping: true
            }
        );
    }

    #[test]
    fn only_the_first_preferred_address_stays_preferred() {
        let both = AddressUsage {
            preferred_invoice: true,
            preferred_shipping: true,
            ..Default::default()
        };
        let shipping_only = AddressUsage {
            shipping: true,
            ..Default::default()
        };
        let mut list = [address(shipping_only), address(both), address(both)];
        settle_preferred(&mut list);
        assert!(!list[0].usage.preferred_shipping && !list[0].usage.preferred_invoice);
        assert!(list[1].usage.preferred_invoice && list[1].usage.preferred_shipping);
        assert!(!list[2].usage.preferred_invoice && !list[2].usage.preferred_shipping);
    }
}
