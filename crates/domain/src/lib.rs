//! The clientele domain: customers, their users and logins, addresses, cost centers,
//! payment instruments and custom attributes, with the use cases that change them and
//! the ports (traits) those use cases need. No database, web or crypto crate here.

pub mod accounts;
pub mod addresses;
pub mod administration;
pub mod api_clients;
pub mod bank_accounts;
pub mod batch;
pub mod budgets;
pub mod cipher;
pub mod clock;
pub mod cost_centers;
pub mod custom_attributes;
pub mod customers;
pub mod error;
pub mod housekeeping;
pub mod identity;
pub mod ids;
pub mod locks;
pub mod mail;
pub mod orders;
pub mod payments;
pub mod privacy;
pub mod roles;
pub mod tenants;
pub mod users;
pub mod values;

pub use error::StoreError;
