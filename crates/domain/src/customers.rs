//! Customers: a private person or a business, owning users, addresses and the rest.

use chrono::{DateTime, Utc};

use crate::ids::{CustomerId, PublicId, TenantId};
use crate::values::CustomerNumber;

/// Private person or company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerKind {
    /// A private customer: exactly one user.
    Private,
    /// A business customer: any number of users.
    Business(Company),
}

/// The company data of a business customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Company {
    pub name: String,
    pub name2: Option<String>,
    pub tax_id: Option<String>,
    pub industry: Option<String>,
    pub description: Option<String>,
}

/// Life-cycle state of a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerStatus {
    Active,
    LoginBlocked,
    Deleted,
}

impl CustomerStatus {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::LoginBlocked => "login_blocked",
            Self::Deleted => "deleted",
        }
    }

    /// Reads a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "active" => Some(Self::Active),
            "login_blocked" => Some(Self::LoginBlocked),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }
}

/// The ids a customer or user has in an external system that feeds it (ICM 11
/// `externalId`, `externalUrn`); kept as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExternalRef {
    pub id: Option<String>,
    pub urn: Option<String>,
}

/// A customer as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: CustomerId,
    pub public_id: PublicId,
    pub tenant_id: TenantId,
    pub number: CustomerNumber,
    pub kind: CustomerKind,
    pub status: CustomerStatus,
    /// Free JSON object of client-defined fields (Emporix mixins, WEBSALE custom).
    pub custom: serde_json::Map<String, serde_json::Value>,
    pub external: ExternalRef,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version; every write increments it.
    pub version: i64,
}

impl Customer {
    /// True for business customers.
    pub fn is_business(&self) -> bool {
        matches!(self.kind, CustomerKind::Business(_))
    }
}

/// A customer to create (ids, number and timestamps are the system's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    pub public_id: PublicId,
    pub number: CustomerNumber,
    pub kind: CustomerKind,
    /// Active, or login-blocked (an administrator may create a blocked customer).
    pub status: CustomerStatus,
    pub custom: serde_json::Map<String, serde_json::Value>,
    pub external: ExternalRef,
}

use std::sync::Arc;

use async_trait::async_trait;

use crate::addresses::{Address, AddressRepository, NewAddress};
use crate::clock::Clock;
use crate::error::StoreError;
use crate::identity::Principal;
use crate::ids::{AddressId, UserId};
use crate::users::{NewUser, PersonData, User, UserRepository};
use crate::values::Email;

/// The editable profile of a customer and its user, as a profile write leaves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileChange {
    pub person: PersonData,
    /// The contact e-mail address (the login is changed by its own use cases).
    pub email: Email,
    /// The company data; `None` for private customers (ignored for them).
    pub company: Option<Company>,
    pub custom: serde_json::Map<String, serde_json::Value>,
    /// Makes this address of the customer its preferred invoice address.
    pub preferred_invoice: Option<AddressId>,
    /// Makes this address of the customer its preferred delivery address.
    pub preferred_shipping: Option<AddressId>,
}

/// Back-office switches written in the transaction of a profile change (Emporix admin
/// `PATCH customers/{number}`: `active`, `onHold`); `None` leaves one as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountSwitches {
    /// Activates or deactivates the profile's user; deactivating ends its sessions.
    pub user_active: Option<bool>,
    /// Blocks the customer's logins (`true`: status login-blocked, every session of
    /// its users ends) or lifts a block (`false`: active again).
    pub login_blocked: Option<bool>,
    /// The role of which a company keeps an active holder: deactivating the last one
    /// writes nothing ([`ProfileWrite::LastAdministrator`]). Only
    /// [`ProfileService::administer`] sets it, so no dialect can.
    kept_role: Option<&'static str>,
}

impl AccountSwitches {
    pub fn new(user_active: Option<bool>, login_blocked: Option<bool>) -> Self {
        Self {
            user_active,
            login_blocked,
            kept_role: None,
        }
    }

    /// The role of which the company must keep an active holder, if any.
    pub fn kept_role(&self) -> Option<&'static str> {
        self.kept_role
    }
}

/// What a profile write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileWrite {
    Written,
    /// The customer's version was not the expected one (or it is gone): nothing written.
    Moved,
    /// The switches would deactivate the last active holder of the kept role: nothing
    /// written.
    LastAdministrator,
}

/// What an account deletion removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erasure {
    /// The customer went too (its last user was erased), not only the user.
    pub customer_erased: bool,
}

/// A customer with its users and addresses, created in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub customer: NewCustomer,
    pub users: Vec<NewUser>,
    pub addresses: Vec<NewAddress>,
    /// Double opt-in: the first user's activation code and the mail carrying it,
    /// stored in the same transaction.
    pub opt_in: Option<(crate::identity::NewCode, crate::mail::OutgoingMail)>,
    /// Account settings to store with it (back-office accounts); `None`: the defaults
    /// (on an upsert: kept).
    pub settings: Option<crate::accounts::AccountSettings>,
}

/// What an upsert of a known customer leaves as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keep {
    pub addresses: bool,
    /// The user's activation.
    pub active: bool,
    /// The customer's status (active or on hold).
    pub status: bool,
}

/// A customer with the users and addresses that belong to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub customer: Customer,
    pub users: Vec<User>,
    pub addresses: Vec<Address>,
}

/// Customer persistence. Every call is scoped to a tenant.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CustomerRepository: Send + Sync {
    /// Writes the customer, its users and addresses atomically. Unique violations come
    /// back as `Duplicate(CustomerNumber)` or `Duplicate(UserLogin)` and write nothing.
    async fn create_account(
        &self,
        tenant: TenantId,
        new: NewAccount,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError>;
    /// Writes many accounts as [`CustomerRepository::create_account`] writes one, in
    /// one transaction: each comes back as its new customer's id or as the `Duplicate`
    /// that refused it alone (nothing of it written); any other failure writes none of
    /// them. Bulk writers (imports) answer with ids, so nothing is read back.
    async fn create_accounts(
        &self,
        tenant: TenantId,
        news: Vec<NewAccount>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<CustomerId, StoreError>>, StoreError>;
    /// Writes an imported account by customer number, all or nothing: an unknown
    /// number creates it as [`CustomerRepository::create_account`] does; a known (live)
    /// one gets the customer's fields, its first user's login, e-mail, person data,
    /// activation and external ids (the password hash when given; a legacy hash only
    /// while the user has no password yet), and its addresses replaced (kept with
    /// `keep.addresses`; the user's activation and the customer's status stay with
    /// `keep.active` / `keep.status`). Blocking the customer or deactivating its user
    /// ends the customer's sessions in the same transaction. `true` when created.
    async fn upsert_account(
        &self,
        tenant: TenantId,
        new: NewAccount,
        keep: Keep,
        now: DateTime<Utc>,
    ) -> Result<(Account, bool), StoreError>;
    /// The customer with this key.
    async fn by_id(&self, tenant: TenantId, id: CustomerId) -> Result<Option<Customer>, StoreError>;
    /// The customer with this number (deleted ones included).
    async fn by_number(
        &self,
        tenant: TenantId,
        number: &crate::values::CustomerNumber,
    ) -> Result<Option<Customer>, StoreError>;
    /// Writes a profile change if the customer still has version `expected` (else
    /// `Moved`): the customer's and the user's fields, the preferred addresses and the
    /// `switches` (with the sessions they end), in one transaction; the customer's
    /// version goes up by one.
    #[allow(clippy::too_many_arguments)]
    async fn update_profile(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
        expected: i64,
        change: ProfileChange,
        switches: AccountSwitches,
        now: DateTime<Utc>,
    ) -> Result<ProfileWrite, StoreError>;
    /// Sets an administered customer's company data (business customers only; `None`
    /// keeps it), status and external ids; `false` if there is no such live customer.
    /// Blocking a customer ends its users' sessions in the same transaction.
    async fn administer_customer(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        company: Option<Company>,
        status: CustomerStatus,
        external: ExternalRef,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Erases a customer whole in one transaction: every user goes as in
    /// [`CustomerRepository::erase_user`], then the customer as with its last user.
    /// `false` if there is no such live customer.
    async fn erase_customer(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        now: DateTime<Utc>,
        actor: Actor,
    ) -> Result<bool, StoreError>;
    /// Deletes a user's account in one transaction: its sessions and codes go, its
    /// personal data is overwritten and its login freed; when it was the customer's
    /// last user, the customer is marked deleted and its addresses, payment
    /// instruments and custom data go too. The deletion is recorded for the admin
    /// "deleted accounts" views. Every erasure removes the mail to the erased users and
    /// writes an audit record (who, when, which request, rows per table).
    async fn erase_user(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
        now: DateTime<Utc>,
        actor: Actor,
    ) -> Result<Erasure, StoreError>;
}

/// Who asked for an erasure and in which request, for its audit record: an API client's
/// id, a user's public id or `operator` — never personal data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    /// `api-client:{client id}`, `customer:{user public id}`, `operator`, `retention`.
    pub by: String,
    pub request_id: Option<String>,
}

/// What the current user sees of their own account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnAccount {
    pub customer: Customer,
    pub user: User,
    pub addresses: Vec<Address>,
}

impl OwnAccount {
    /// Whether a user may see this customer as their own: it is theirs and not deleted.
    pub fn visible(customer: &Customer, user: &User) -> bool {
        customer.status != CustomerStatus::Deleted && user.customer_id == customer.id
    }

    /// The account from its parts, if the user may see it.
    pub fn checked(customer: Customer, user: User, addresses: Vec<Address>) -> Option<Self> {
        Self::visible(&customer, &user).then_some(Self {
            customer,
            user,
            addresses,
        })
    }
}

/// Why a profile could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The principal's customer or user no longer exists (e.g. deleted meanwhile).
    #[error("customer not found")]
    NotFound,
    /// The profile changed since the version the client sent.
    #[error("the profile was changed since the given version")]
    Stale,
    /// The last active administrator of a company with other users cannot go.
    #[error("the company must keep an active account administrator")]
    LastAdministrator,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Profile use cases of the logged-in customer.
#[derive(Clone)]
pub struct ProfileService {
    customers: Arc<dyn CustomerRepository>,
    users: Arc<dyn UserRepository>,
    addresses: Arc<dyn AddressRepository>,
    clock: Arc<dyn Clock>,
    writers: crate::locks::CustomerLocks,
}

/// How often a profile write without a client version is retried after a concurrent one
/// (with n writers at once the last one needs n attempts).
const UNCONDITIONAL_ATTEMPTS: usize = 100;

impl ProfileService {
    pub fn new(
        customers: Arc<dyn CustomerRepository>,
        users: Arc<dyn UserRepository>,
        addresses: Arc<dyn AddressRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            customers,
            users,
            addresses,
            clock,
            writers: Default::default(),
        }
    }

    /// Changes the principal's profile: `edit` turns the current account into the
    /// change (the dialect merges or replaces). With `expected` set, a different stored
    /// version is `Stale`; without it, a concurrent write is retried on the new state.
    pub async fn update_profile<E>(
        &self,
        who: &Principal,
        expected: Option<i64>,
        edit: impl Fn(&OwnAccount) -> Result<ProfileChange, E> + Send + Sync,
    ) -> Result<OwnAccount, E>
    where
        E: From<ProfileError>,
    {
        self.write(who, expected, edit, AccountSwitches::default()).await
    }

    /// A back office changes a customer's profile and, in the same transaction, its
    /// user's activity and the customer's login block (`switches`): all of it or
    /// nothing. A company keeps an active account owner (`LastAdministrator`).
    pub async fn administer<E>(
        &self,
        who: &Principal,
        edit: impl Fn(&OwnAccount) -> Result<ProfileChange, E> + Send + Sync,
        switches: AccountSwitches,
    ) -> Result<OwnAccount, E>
    where
        E: From<ProfileError>,
    {
        let account = self.write(who, None, edit, switches).await?;
        tracing::info!(
            event = "customer_changed",
            tenant = who.tenant.get(),
            customer = who.customer.get(),
            user_active = ?switches.user_active,
            login_blocked = ?switches.login_blocked,
            by = "api-client",
            "customer changed"
        );
        Ok(account)
    }

    async fn write<E>(
        &self,
        who: &Principal,
        expected: Option<i64>,
        edit: impl Fn(&OwnAccount) -> Result<ProfileChange, E> + Send + Sync,
        switches: AccountSwitches,
    ) -> Result<OwnAccount, E>
    where
        E: From<ProfileError>,
    {
        let _turn = self.writers.lock(who.tenant, who.customer).await;
        for _ in 0..UNCONDITIONAL_ATTEMPTS {
            let current = self.own_account(who).await?;
            let version = current.customer.version;
            if expected.is_some_and(|v| v != version) {
                return Err(ProfileError::Stale.into());
            }
            let change = edit(&current)?;
            // A company keeps an active account owner (the store checks it in the write).
            let switches = AccountSwitches {
                kept_role: (current.customer.is_business() && switches.user_active == Some(false))
                    .then_some(crate::roles::ACCOUNT_OWNER),
                ..switches
            };
            let written = self
                .customers
                .update_profile(
                    who.tenant,
                    who.customer,
                    who.user,
                    version,
                    change,
                    switches,
                    self.clock.now(),
                )
                .await
                .map_err(ProfileError::from)?;
            match written {
                ProfileWrite::Written => return Ok(self.own_account(who).await?),
                ProfileWrite::LastAdministrator => return Err(ProfileError::LastAdministrator.into()),
                ProfileWrite::Moved if expected.is_none() => continue,
                ProfileWrite::Moved => return Err(ProfileError::Stale.into()),
            }
        }
        Err(ProfileError::Stale.into())
    }

    /// Deletes the principal's account (Emporix `DELETE me`): every session of the user
    /// ends and its personal data is gone; see [`CustomerRepository::erase_user`].
    pub async fn delete_account(&self, who: &Principal, actor: Actor) -> Result<Erasure, ProfileError> {
        let account = self.own_account(who).await?;
        let now = self.clock.now();
        // A company user goes alone while the company keeps an active administrator;
        // the last user takes the company with them; the last administrator of a company
        // with other users cannot go.
        let erased = if account.customer.is_business()
            && self
                .users
                .remove_member(
                    who.tenant,
                    who.customer,
                    who.user,
                    crate::roles::ACCOUNT_OWNER,
                    now,
                    actor.clone(),
                )
                .await?
        {
            Erasure { customer_erased: false }
        } else {
            if account.customer.is_business() {
                let others = crate::users::UserQuery {
                    filter: None,
                    sort: crate::users::UserSort::Login,
                    descending: false,
                    offset: 0,
                    limit: 1,
                };
                let total = self
                    .users
                    .page_for_customer(who.tenant, who.customer, others)
                    .await?
                    .total;
                if total > 1 {
                    return Err(ProfileError::LastAdministrator);
                }
            }
            self.customers
                .erase_user(who.tenant, who.customer, who.user, now, actor)
                .await?
        };
        tracing::info!(
            event = "account_deleted",
            tenant = who.tenant.get(),
            customer = who.customer.get(),
            user = who.user.get(),
            customer_erased = erased.customer_erased,
            "account deleted by its owner"
        );
        Ok(erased)
    }

    /// The principal's customer, user and addresses.
    pub async fn own_account(&self, who: &Principal) -> Result<OwnAccount, ProfileError> {
        let customer = self.customers.by_id(who.tenant, who.customer).await?;
        let user = self.users.by_id(who.tenant, who.user).await?;
        let (Some(customer), Some(user)) = (customer, user) else {
            return Err(ProfileError::NotFound);
        };
        if !OwnAccount::visible(&customer, &user) {
            return Err(ProfileError::NotFound);
        }
        let addresses = self.addresses.list_for_customer(who.tenant, customer.id).await?;
        Ok(OwnAccount {
            customer,
            user,
            addresses,
        })
    }

    /// The user with this key, if it belongs to the principal's customer.
    pub async fn own_user(&self, who: &Principal, user: UserId) -> Result<User, ProfileError> {
        match self.users.by_id(who.tenant, user).await? {
            Some(u) if u.customer_id == who.customer => Ok(u),
            _ => Err(ProfileError::NotFound),
        }
    }
}
