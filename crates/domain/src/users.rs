//! Users: the logins of a customer (one for a private customer, many for a business).

use chrono::{DateTime, NaiveDate, Utc};

use crate::ids::{CustomerId, PublicId, TenantId, UserId};
use crate::values::{Email, LanguageTag, Login, PasswordHash};

/// Where the user's e-mail address stands (WEBSALE shows 0/1/2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailVerification {
    Unverified,
    Pending,
    Verified,
}

impl EmailVerification {
    /// The stored code (WEBSALE's numbering).
    pub fn code(self) -> i16 {
        match self {
            Self::Unverified => 0,
            Self::Pending => 1,
            Self::Verified => 2,
        }
    }

    /// Reads a stored code; unknown codes read as unverified.
    pub fn from_code(code: i16) -> Self {
        match code {
            1 => Self::Pending,
            2 => Self::Verified,
            _ => Self::Unverified,
        }
    }
}

/// The person data of a user, as the profile dialects edit it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonData {
    pub title: Option<String>,
    /// Salutation code (ICM `salutation`, Emporix `title`), free text as shops use it.
    pub salutation: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone_home: Option<String>,
    pub phone_mobile: Option<String>,
    pub phone_business: Option<String>,
    pub fax: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub preferred_language: Option<LanguageTag>,
    pub preferred_currency: Option<crate::values::CurrencyCode>,
}

/// Consents the user gave (or withdrew), with when.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consents {
    pub newsletter: bool,
    pub newsletter_changed_at: Option<DateTime<Utc>>,
}

/// A user as stored (the password hash stays inside the domain and the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub public_id: PublicId,
    pub tenant_id: TenantId,
    pub customer_id: CustomerId,
    pub login: Login,
    pub email: Email,
    pub password_hash: Option<PasswordHash>,
    pub person: PersonData,
    /// Role ids (ICM `APP_B2B_*` naming for business users).
    pub roles: Vec<String>,
    pub active: bool,
    pub email_verification: EmailVerification,
    pub consents: Consents,
    pub first_login_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// Failed logins since the last successful one.
    pub failed_logins: i32,
    /// Logins are refused until then (lockout after repeated failures).
    pub locked_until: Option<DateTime<Utc>>,
    pub external: crate::customers::ExternalRef,
    /// A hash imported from a previous shop system, until the first login replaces it.
    pub legacy_auth: Option<crate::identity::LegacyHash>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A user to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub public_id: PublicId,
    pub login: Login,
    pub email: Email,
    pub password_hash: Option<PasswordHash>,
    pub person: PersonData,
    pub roles: Vec<String>,
    pub active: bool,
    pub email_verification: EmailVerification,
    pub consents: Consents,
    pub external: crate::customers::ExternalRef,
    pub legacy_auth: Option<crate::identity::LegacyHash>,
}

use async_trait::async_trait;

use crate::error::StoreError;

/// What a company's user list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserSort {
    /// Last name, then first name, then login (ICM's default `name`).
    Name,
    Login,
    /// First name, then last name, then login.
    FirstName,
    /// As `Name`.
    LastName,
}

impl UserSort {
    /// Reads an ICM `sort` value: a field name, `-` in front for descending order.
    pub fn parse(raw: &str) -> Option<(Self, bool)> {
        let (descending, field) = match raw.trim().strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw.trim()),
        };
        let sort = match field {
            "" | "name" => Self::Name,
            "login" => Self::Login,
            "firstName" => Self::FirstName,
            "lastName" => Self::LastName,
            _ => return None,
        };
        Some((sort, descending))
    }
}

/// One page of a company's users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    /// Case-insensitive substring of the first name, last name or login.
    pub filter: Option<String>,
    pub sort: UserSort,
    pub descending: bool,
    pub offset: u64,
    pub limit: u64,
}

/// A page of users and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPage {
    pub users: Vec<User>,
    /// Each user's order limit and budget, in the order of `users`.
    pub budgets: Vec<crate::budgets::UserBudget>,
    pub total: u64,
}

/// User persistence. Every call is scoped to a tenant.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// The user with this login (case-insensitive).
    async fn by_login(&self, tenant: TenantId, login: &Login) -> Result<Option<User>, StoreError>;
    /// The user with this login and the status of their customer, in one read (logins).
    async fn by_login_with_status(
        &self,
        tenant: TenantId,
        login: &Login,
    ) -> Result<Option<(User, crate::customers::CustomerStatus)>, StoreError>;
    /// The user with this public id.
    async fn by_public_id(&self, tenant: TenantId, id: &PublicId) -> Result<Option<User>, StoreError>;
    /// The user with this key.
    async fn by_id(&self, tenant: TenantId, id: UserId) -> Result<Option<User>, StoreError>;
    /// Counts a failed login atomically; returns the new count.
    async fn record_failed_login(&self, tenant: TenantId, id: UserId) -> Result<i32, StoreError>;
    /// The user's earlier password hashes, newest first, at most `limit`.
    async fn password_history(
        &self,
        tenant: TenantId,
        id: UserId,
        limit: usize,
    ) -> Result<Vec<PasswordHash>, StoreError>;
    /// Sets a new password hash atomically: the current one moves into the history,
    /// which keeps the newest `keep` entries, and every session of the user ends in the
    /// same transaction. Returns how many sessions ended.
    async fn set_password(
        &self,
        tenant: TenantId,
        id: UserId,
        hash: PasswordHash,
        keep: usize,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    /// Sets a new login; false if there is no such user. A taken login is
    /// `Duplicate(UserLogin)` and changes nothing.
    async fn set_login(
        &self,
        tenant: TenantId,
        id: UserId,
        login: &Login,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// A page of the customer's users, ordered by `query.sort` and then by key, so pages
    /// never overlap or skip.
    async fn page_for_customer(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        query: UserQuery,
    ) -> Result<UserPage, StoreError>;
    /// Gives the user (of `customer`) these roles, unless afterwards no active user of the
    /// customer would hold `kept_role` (then `false` and nothing changes): one check and
    /// write in one transaction, so two admins demoting each other cannot both succeed.
    async fn set_roles(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
        roles: Vec<String>,
        kept_role: &'static str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Removes a user of `customer` (its sessions, codes, mail and personal data go with
    /// the row; the deletion is recorded and the erasure audited as `actor`'s), unless no
    /// other active user would hold `kept_role` afterwards (then `false` and nothing
    /// changes). The customer stays.
    async fn remove_member(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
        kept_role: &'static str,
        now: DateTime<Utc>,
        actor: crate::customers::Actor,
    ) -> Result<bool, StoreError>;
    /// Adds a user to a business customer; with `invitation`, its code is stored and its
    /// mail queued in the same transaction. A taken login is `Duplicate(UserLogin)` and
    /// writes nothing.
    async fn add_member(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: NewUser,
        invitation: Option<(crate::identity::NewCode, crate::mail::OutgoingMail)>,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError>;
    /// Activates or deactivates a user of `customer`, unless afterwards no active user
    /// would hold `kept_role` (then `false` and nothing changes). Deactivating ends the
    /// user's sessions in the same transaction.
    async fn set_active(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
        active: bool,
        kept_role: &'static str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// The user's order limit and budget.
    async fn budget_of(&self, tenant: TenantId, user: UserId) -> Result<crate::budgets::UserBudget, StoreError>;
    /// Sets the user's order limit and budget; false if there is no such user.
    async fn set_budget(
        &self,
        tenant: TenantId,
        user: UserId,
        budget: crate::budgets::UserBudget,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Writes an administrator's edit of a user of `customer` (person data, e-mail,
    /// activation, roles, external ids) in one transaction, unless afterwards no active
    /// user would hold `kept_role` (then `false` and nothing changes). An inactive user's
    /// sessions end in the same transaction.
    async fn administer_user(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: UserId,
        edit: crate::administration::UserEdit,
        kept_role: Option<&'static str>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Stores the argon2id hash a legacy hash was migrated to, and drops the legacy hash.
    async fn migrate_password(
        &self,
        tenant: TenantId,
        user: UserId,
        hash: PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Refuses logins of the user until `until`.
    async fn lock(&self, tenant: TenantId, id: UserId, until: DateTime<Utc>) -> Result<(), StoreError>;
}
