//! Accounts as back offices page and edit them (WEBSALE admin `customerAccounts`): a
//! customer seen through its primary (first) user, with account settings (display
//! name, phone, subshops, address references), invitation and password-reset links
//! (each at most once a day), one-time login links, and the register of deletions.
//!
//! Rules:
//! - a phone number belongs to one account of a tenant; so does an e-mail (the login);
//! - subshop ids are those the tenant's configuration lists (any well-formed id when it
//!   lists none); the main subshop must be allowed unless all are;
//! - address references name addresses of the account itself;
//! - an invitation needs a verified e-mail address unless the tenant does not verify;
//!   an invitation or a reset link is refused within 24 h of the previous one;
//! - a login link is used once, within [`LOGIN_LINK_TTL_SECS`] seconds; only its digest
//!   is stored;
//! - pages are keyset pages: a page continues after the last row of the previous one,
//!   so rows inserted or deleted meanwhile never make another row appear twice or be
//!   skipped.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::addresses::Address;
use crate::administration::{AdminError, Compare, CustomerAdministration};
use crate::batch::Answers;
use crate::clock::Clock;
use crate::customers::{Customer, CustomerStatus};
use crate::error::{StoreError, UniqueRule};
use crate::identity::{CodeMail, IssuedTokens, NewCode, Principal, Secrets, SessionService, TokenDigest};
use crate::ids::{AddressId, ApiClientKey, CustomerId, TenantId, UserId};
use crate::mail::OutgoingMail;
use crate::tenants::Tenant;
use crate::users::{EmailVerification, User};
use crate::values::{CustomerNumber, Email};

/// How long a login link works.
pub const LOGIN_LINK_TTL_SECS: i64 = 30;

/// How long after one invitation (or reset link) the next is refused.
pub const LINK_COOLDOWN_HOURS: i64 = 24;

/// Which subshops an account may use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subshops {
    pub all: bool,
    pub allowed: Vec<String>,
    pub main: Option<String>,
}

/// Account-level fields back offices edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSettings {
    pub display_name: Option<String>,
    /// Unique per tenant.
    pub phone: Option<String>,
    pub subshops: Subshops,
    /// The customer must choose a new password at the next login.
    pub password_reset_required: bool,
    pub main_address: Option<AddressId>,
    pub bill_address: Option<AddressId>,
    pub delivery_address: Option<AddressId>,
    /// Who changed the account last (`shop`, `adminInterface`).
    pub changed_by: String,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            display_name: None,
            phone: None,
            subshops: Subshops::default(),
            password_reset_required: false,
            main_address: None,
            bill_address: None,
            delivery_address: None,
            changed_by: "shop".into(),
        }
    }
}

/// Who changes accounts through the admin API.
pub const CHANGED_BY_ADMIN: &str = "adminInterface";

/// When invitation and reset links went out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkLog {
    pub invited_at: Option<DateTime<Utc>>,
    pub invitation_until: Option<DateTime<Utc>>,
    pub invitation_clicked_at: Option<DateTime<Utc>>,
    /// The API client that sent the last invitation or reset link.
    pub invited_by: Option<ApiClientKey>,
    pub reset_asked_at: Option<DateTime<Utc>>,
    pub reset_until: Option<DateTime<Utc>>,
}

/// Where an account's invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationStatus {
    NotSent,
    Sent,
    Expired,
    Clicked,
}

impl LinkLog {
    /// The invitation's state at `now`.
    pub fn invitation_status(&self, now: DateTime<Utc>) -> InvitationStatus {
        match (self.invited_at, self.invitation_clicked_at, self.invitation_until) {
            (None, _, _) => InvitationStatus::NotSent,
            (Some(_), Some(_), _) => InvitationStatus::Clicked,
            (Some(_), None, Some(until)) if until <= now => InvitationStatus::Expired,
            _ => InvitationStatus::Sent,
        }
    }
}

/// What is stored about an account beyond its customer and user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountRecord {
    pub settings: AccountSettings,
    pub links: LinkLog,
}

/// An account as back offices see it.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountView {
    pub customer: Customer,
    /// The primary user (none once deleted).
    pub user: Option<User>,
    pub record: AccountRecord,
    pub addresses: Vec<Address>,
    pub bank_accounts: Vec<crate::bank_accounts::BankAccount>,
}

/// What account lists sort by (the customer's key breaks ties).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountSort {
    Id,
    Number,
    BlockedAt,
    DeletedAt,
    CreatedAt,
    UpdatedAt,
}

/// One condition of an account list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountFilter {
    Id(Compare, i64),
    /// The number equals (`At`) or compares by text order.
    Number(Compare, String),
    Blocked(bool),
    Deleted(bool),
    CreatedAt(Compare, DateTime<Utc>),
    UpdatedAt(Compare, DateTime<Utc>),
}

/// The sort value of the last row of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
}

/// Where a keyset page starts: after this sort value and row key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub key: SortKey,
    pub id: i64,
}

/// A page of accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountQuery {
    pub filters: Vec<AccountFilter>,
    pub sort: AccountSort,
    pub descending: bool,
    pub after: Option<After>,
    pub limit: u64,
}

/// A page and how many rows match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    /// No row follows this page.
    pub end_reached: bool,
    /// Where the next page starts (`None` on the last page).
    pub next: Option<After>,
}

/// Most rows one list page shows.
pub const MAX_PAGE: u64 = 300;

/// What a deletion record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeletedKind {
    Account,
    Address,
    BankAccount,
}

impl DeletedKind {
    /// The stored kind.
    pub fn code(self) -> &'static str {
        match self {
            Self::Account => "customer",
            Self::Address => "address",
            Self::BankAccount => "bank_account",
        }
    }

    /// Reads a stored kind.
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "customer" => Self::Account,
            "address" => Self::Address,
            "bank_account" => Self::BankAccount,
            _ => return None,
        })
    }
}

/// One entry of the deletion register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    /// The register row's key (the keyset tie-breaker).
    pub seq: i64,
    pub account: CustomerId,
    pub kind: DeletedKind,
    pub deleted_at: DateTime<Utc>,
}

/// What deletion lists sort by (the register row breaks ties).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeletedSort {
    Account,
    Kind,
    DeletedAt,
}

/// One condition of a deletion list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeletedFilter {
    Account(Compare, i64),
    Kind(Vec<DeletedKind>),
    DeletedAt(Compare, DateTime<Utc>),
}

/// A page of the deletion register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedQuery {
    pub kinds: Vec<DeletedKind>,
    pub filters: Vec<DeletedFilter>,
    pub sort: DeletedSort,
    pub descending: bool,
    pub after: Option<After>,
    pub limit: u64,
}

/// An edit of an account; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountEdit {
    pub number: Option<CustomerNumber>,
    /// A new e-mail address, which is also the login.
    pub email: Option<Email>,
    pub settings: AccountSettings,
}

/// Which mailed link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Invitation,
    PasswordReset,
}

/// A link mail to write if the previous one of its kind is old enough.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkMail {
    pub kind: LinkKind,
    pub user: UserId,
    pub code: NewCode,
    pub mail: OutgoingMail,
    /// Refused when the previous link of this kind went out after this.
    pub not_since: DateTime<Utc>,
    pub by: Option<ApiClientKey>,
}

/// An account's primary user, record and addresses.
pub type AccountDetails = (Option<User>, AccountRecord, Vec<Address>);

/// Account persistence beyond customers and users.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait AccountRepository: Send + Sync {
    /// One keyset page of customers (deleted ones only when a filter asks for them),
    /// each with its position in the order, and how many match in all (the cursor aside).
    async fn page(&self, tenant: TenantId, query: AccountQuery) -> Result<(Vec<(Customer, After)>, u64), StoreError>;
    /// The primary users, records and addresses of these customers.
    async fn details(
        &self,
        tenant: TenantId,
        customers: Vec<CustomerId>,
    ) -> Result<HashMap<CustomerId, AccountDetails>, StoreError>;
    /// Writes an edit in one transaction; `false` when there is no such live customer.
    /// A taken number, login or phone is `Duplicate(CustomerNumber | UserLogin | Phone)`.
    /// A new login ends the user's sessions in the same transaction.
    async fn update(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        user: Option<UserId>,
        edit: AccountEdit,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Stores the link's code, queues its mail and notes it in the account's record, in
    /// one transaction; `false` (nothing written) when one went out after `not_since`.
    async fn send_link(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        link: LinkMail,
        valid_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Stores a login link's digest.
    async fn create_login_link(
        &self,
        tenant: TenantId,
        user: UserId,
        digest: TokenDigest,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Spends a login link: its user if it exists, is unused and unexpired at `now`.
    async fn spend_login_link(
        &self,
        tenant: TenantId,
        digest: TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>, StoreError>;
    /// When each of these customers last placed an order (customers without orders are
    /// missing).
    async fn last_orders(
        &self,
        tenant: TenantId,
        customers: Vec<CustomerId>,
    ) -> Result<HashMap<CustomerId, DateTime<Utc>>, StoreError>;
    /// The customer an address of the tenant belongs to.
    async fn address_owner(&self, tenant: TenantId, address: AddressId) -> Result<Option<CustomerId>, StoreError>;
    /// One keyset page of the deletion register and how many match in all.
    async fn deleted(&self, tenant: TenantId, query: DeletedQuery) -> Result<(Vec<Deleted>, u64), StoreError>;
}

/// Tenant-level account rules from configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountPolicy {
    /// The subshop ids accounts may name; empty: any well-formed id.
    pub subshops: Vec<String>,
    /// Invitations need a verified e-mail address.
    pub verify_email: bool,
    /// Where login links lead; the key is appended as `sessionKey`.
    pub login_link_base: String,
}

/// Account-administration use cases.
#[derive(Clone)]
pub struct AccountAdministration {
    pub admin: CustomerAdministration,
    pub accounts: Arc<dyn AccountRepository>,
    pub bank: crate::bank_accounts::BankAccounts,
    pub sessions: SessionService,
    pub secrets: Arc<dyn Secrets>,
    pub clock: Arc<dyn Clock>,
    pub reset: CodeMail,
    pub invitation: CodeMail,
    pub policy: AccountPolicy,
}

/// What an account use case refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// The account has no e-mail address to send to.
    #[error("the account has no e-mail address")]
    NoEmail,
    /// Invitations need a verified e-mail address.
    #[error("the account's e-mail address is not verified")]
    EmailNotVerified,
    /// A link of this kind went out less than 24 hours ago.
    #[error("a link was sent within the last 24 hours")]
    TooSoon,
    /// The login link is unknown, used or expired.
    #[error("the login link is invalid or expired")]
    InvalidLink,
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> Self {
        Self::Admin(AdminError::Store(e))
    }
}

impl AccountAdministration {
    /// Checks subshop ids against the policy.
    pub fn check_subshops(&self, subshops: &Subshops) -> Result<(), AdminError> {
        for id in subshops.allowed.iter().chain(subshops.main.iter()) {
            let well_formed = !id.is_empty()
                && id.len() <= 64
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !well_formed || (!self.policy.subshops.is_empty() && !self.policy.subshops.contains(id)) {
                return Err(AdminError::invalid(
                    "allowedSubshopIds",
                    format!("{id:?} is no subshop"),
                ));
            }
        }
        if let Some(main) = &subshops.main {
            if !subshops.all && !subshops.allowed.contains(main) {
                return Err(AdminError::invalid("mainSubshop", "must be one of allowedSubshopIds"));
            }
        }
        Ok(())
    }

    /// One page of accounts with their details.
    pub async fn list(&self, tenant: &Tenant, mut query: AccountQuery) -> Result<Page<AccountView>, AccountError> {
        query.limit = query.limit.clamp(1, MAX_PAGE);
        let limit = query.limit;
        // One row more tells whether the page is the last.
        query.limit += 1;
        let (mut rows, total) = self.accounts.page(tenant.id, query).await?;
        let end_reached = rows.len() as u64 <= limit;
        rows.truncate(limit as usize);
        let next = if end_reached {
            None
        } else {
            rows.last().map(|(_, after)| after.clone())
        };
        let items = self.views(tenant, rows.into_iter().map(|(c, _)| c).collect()).await?;
        Ok(Page {
            items,
            total,
            end_reached,
            next,
        })
    }

    /// The account with this key (deleted ones too, shown as deleted).
    pub async fn get(&self, tenant: &Tenant, id: CustomerId) -> Result<AccountView, AccountError> {
        let customer = self
            .admin
            .customers
            .by_id(tenant.id, id)
            .await?
            .ok_or(AdminError::NotFound("account"))?;
        Ok(self.views(tenant, vec![customer]).await?.remove(0))
    }

    /// The live account with this key.
    pub async fn live(&self, tenant: &Tenant, id: CustomerId) -> Result<AccountView, AccountError> {
        let view = self.get(tenant, id).await?;
        if view.customer.status == CustomerStatus::Deleted {
            return Err(AdminError::NotFound("account").into());
        }
        Ok(view)
    }

    async fn views(&self, tenant: &Tenant, customers: Vec<Customer>) -> Result<Vec<AccountView>, AccountError> {
        let ids: Vec<CustomerId> = customers.iter().map(|c| c.id).collect();
        let mut details = self.accounts.details(tenant.id, ids.clone()).await?;
        let mut bank = self.bank.of_customers(tenant, &ids).await?;
        Ok(customers
            .into_iter()
            .map(|customer| {
                let (user, record, addresses) = details.remove(&customer.id).unwrap_or_default();
                AccountView {
                    bank_accounts: bank.remove(&customer.id).unwrap_or_default(),
                    customer,
                    user,
                    record,
                    addresses,
                }
            })
            .collect())
    }

    /// Creates a private account from an administrator's item (its settings included).
    pub async fn create(
        &self,
        tenant: &Tenant,
        item: crate::administration::ImportItem,
    ) -> Result<AccountView, AccountError> {
        if let Some(s) = &item.settings {
            self.check_subshops(&s.subshops)?;
        }
        let created = self.admin.create_account(tenant, item, false).await?;
        self.get(tenant, created.id).await
    }

    /// Creates many private accounts as [`Self::create`] creates one, written in one
    /// transaction (bulk lines): the new id or why not, per item in order.
    pub async fn create_many(
        &self,
        tenant: &Tenant,
        items: Vec<crate::administration::ImportItem>,
    ) -> Vec<Result<CustomerId, AccountError>> {
        let mut out = Answers::with_capacity(items.len());
        let (mut valid, mut slots) = (Vec::new(), Vec::new());
        for item in items {
            match item.settings.as_ref().map(|s| self.check_subshops(&s.subshops)) {
                Some(Err(e)) => out.now(Err(e.into())),
                _ => {
                    slots.push(out.later());
                    valid.push(item);
                }
            }
        }
        let written = self.admin.create_accounts(tenant, valid).await;
        out.fill(
            slots,
            written.into_iter().map(|r| r.map(|i| i.id).map_err(AccountError::from)),
        );
        out.into_vec()
    }

    /// Edits an account: number, e-mail (and with it the login) and settings, at once.
    pub async fn update(
        &self,
        tenant: &Tenant,
        id: CustomerId,
        edit: AccountEdit,
    ) -> Result<AccountView, AccountError> {
        self.check_subshops(&edit.settings.subshops)?;
        let view = self.live(tenant, id).await?;
        for (field, address) in [
            ("mainAddress", edit.settings.main_address),
            ("lastUsedBillAddressId", edit.settings.bill_address),
            ("lastUsedDeliveryAddressId", edit.settings.delivery_address),
        ] {
            if address.is_some_and(|a| !view.addresses.iter().any(|x| x.id == a)) {
                return Err(AdminError::invalid(field, "is no address of this account").into());
            }
        }
        let written = self
            .accounts
            .update(tenant.id, id, view.user.as_ref().map(|u| u.id), edit, self.clock.now())
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(UniqueRule::UserLogin) => AdminError::Taken("email"),
                StoreError::Duplicate(UniqueRule::CustomerNumber) => AdminError::Taken("customerNumber"),
                StoreError::Duplicate(UniqueRule::Phone) => AdminError::Taken("phone"),
                other => AdminError::Store(other),
            })?;
        if !written {
            return Err(AdminError::NotFound("account").into());
        }
        tracing::info!(
            event = "account_updated",
            tenant = tenant.id.get(),
            customer = id.get(),
            by = "api-client",
            "account updated"
        );
        self.get(tenant, id).await
    }

    /// Deletes an account as a storefront account deletion does (and registers it).
    pub async fn delete(
        &self,
        tenant: &Tenant,
        id: CustomerId,
        actor: crate::customers::Actor,
    ) -> Result<(), AccountError> {
        let view = self.live(tenant, id).await?;
        self.admin.delete_customer(tenant, &view.customer, actor).await?;
        Ok(())
    }

    fn user_of(view: &AccountView) -> Result<&User, AccountError> {
        view.user.as_ref().ok_or(AccountError::NoEmail)
    }

    /// Mails a password-reset link, at most once in 24 hours; returns until when it works.
    pub async fn send_reset(
        &self,
        tenant: &Tenant,
        id: CustomerId,
        by: Option<ApiClientKey>,
    ) -> Result<DateTime<Utc>, AccountError> {
        self.send(tenant, id, LinkKind::PasswordReset, by).await
    }

    /// Activates the account's user and mails the invitation, at most once in 24 hours;
    /// returns until when the link works.
    pub async fn send_invitation(
        &self,
        tenant: &Tenant,
        id: CustomerId,
        by: Option<ApiClientKey>,
    ) -> Result<DateTime<Utc>, AccountError> {
        self.send(tenant, id, LinkKind::Invitation, by).await
    }

    async fn send(
        &self,
        tenant: &Tenant,
        id: CustomerId,
        kind: LinkKind,
        by: Option<ApiClientKey>,
    ) -> Result<DateTime<Utc>, AccountError> {
        let view = self.live(tenant, id).await?;
        let user = Self::user_of(&view)?;
        if kind == LinkKind::Invitation
            && self.policy.verify_email
            && user.email_verification != EmailVerification::Verified
        {
            return Err(AccountError::EmailNotVerified);
        }
        let now = self.clock.now();
        let mail = match kind {
            LinkKind::Invitation => &self.invitation,
            LinkKind::PasswordReset => &self.reset,
        };
        let (code, outgoing) = match kind {
            LinkKind::Invitation => mail.prepare_invitation(
                &*self.secrets,
                (user.public_id.as_str(), &user.person),
                &user.email,
                now,
            ),
            LinkKind::PasswordReset => mail.prepare_for(&*self.secrets, user, now),
        };
        let valid_until = code.expires_at;
        let link = LinkMail {
            kind,
            user: user.id,
            code,
            mail: outgoing,
            not_since: now - Duration::hours(LINK_COOLDOWN_HOURS),
            by,
        };
        if !self.accounts.send_link(tenant.id, id, link, valid_until, now).await? {
            return Err(AccountError::TooSoon);
        }
        tracing::info!(
            event = match kind {
                LinkKind::Invitation => "account_invitation_sent",
                LinkKind::PasswordReset => "account_reset_link_sent",
            },
            tenant = tenant.id.get(),
            customer = id.get(),
            "account link mailed"
        );
        Ok(valid_until)
    }

    /// A one-time login URL for the account's user, valid for 30 seconds.
    pub async fn login_link(&self, tenant: &Tenant, id: CustomerId) -> Result<String, AccountError> {
        let view = self.live(tenant, id).await?;
        let user = Self::user_of(&view)?;
        let key = self.secrets.token();
        let expires = self.clock.now() + Duration::seconds(LOGIN_LINK_TTL_SECS);
        self.accounts
            .create_login_link(tenant.id, user.id, self.secrets.digest(&key), expires)
            .await?;
        tracing::info!(
            event = "login_link_created",
            tenant = tenant.id.get(),
            customer = id.get(),
            "login link created"
        );
        let base = &self.policy.login_link_base;
        let sep = if base.contains('?') { '&' } else { '?' };
        Ok(format!("{base}{sep}sessionKey={key}"))
    }

    /// Exchanges a login link's key for a storefront session of its user.
    pub async fn use_login_link(&self, tenant: &Tenant, key: &str) -> Result<IssuedTokens, AccountError> {
        let now = self.clock.now();
        let user = self
            .accounts
            .spend_login_link(tenant.id, self.secrets.digest(key), now)
            .await?
            .ok_or(AccountError::InvalidLink)?;
        let user = self
            .admin
            .users
            .by_id(tenant.id, user)
            .await?
            .filter(|u| u.active)
            .ok_or(AccountError::InvalidLink)?;
        let customer = self
            .admin
            .customers
            .by_id(tenant.id, user.customer_id)
            .await?
            .filter(|c| c.status == CustomerStatus::Active)
            .ok_or(AccountError::InvalidLink)?;
        tracing::info!(event = "login_link_used", tenant = tenant.id.get(), user = %user.public_id, "login link used");
        Ok(self
            .sessions
            .open(
                tenant,
                Principal {
                    tenant: tenant.id,
                    customer: customer.id,
                    user: user.id,
                },
            )
            .await?)
    }

    /// When these accounts last ordered, in the order asked; unknown accounts and
    /// accounts without orders are left out.
    pub async fn last_orders(
        &self,
        tenant: &Tenant,
        ids: &[CustomerId],
    ) -> Result<Vec<(CustomerId, DateTime<Utc>)>, AccountError> {
        let found = self.accounts.last_orders(tenant.id, ids.to_vec()).await?;
        Ok(ids.iter().filter_map(|id| found.get(id).map(|at| (*id, *at))).collect())
    }

    /// One page of the deletion register.
    pub async fn deleted(&self, tenant: &Tenant, mut query: DeletedQuery) -> Result<Page<Deleted>, AccountError> {
        query.limit = query.limit.clamp(1, MAX_PAGE);
        let limit = query.limit;
        query.limit += 1;
        let sort = query.sort;
        let (mut items, total) = self.accounts.deleted(tenant.id, query).await?;
        let end_reached = items.len() as u64 <= limit;
        items.truncate(limit as usize);
        let next = match items.last() {
            Some(last) if !end_reached => Some(After {
                key: match sort {
                    DeletedSort::Account => SortKey::Int(last.account.get()),
                    DeletedSort::Kind => SortKey::Text(last.kind.code().into()),
                    DeletedSort::DeletedAt => SortKey::Time(last.deleted_at),
                },
                id: last.seq,
            }),
            _ => None,
        };
        Ok(Page {
            items,
            total,
            end_reached,
            next,
        })
    }
}
