//! Roles and permissions of business users, named as ICM names them (`APP_B2B_*`), and
//! the permission check every B2B use case goes through.
//!
//! Every tenant uses this catalogue for now (a per-tenant catalogue can replace
//! [`catalogue`] without touching its callers). A user's roles are stored on the user
//! (`User::roles`); its permissions are the union of its roles' permissions.

use std::sync::Arc;

use crate::clock::Clock;

use crate::budgets::{Spent, UserBudget};
use crate::cost_centers::{CostCenterRepository, SpendScope};
use crate::customers::OwnAccount;
use crate::error::StoreError;
use crate::error::UniqueRule;
use crate::identity::{CodeMail, IdGenerator, Secrets};
use crate::ids::PublicId;
use crate::ids::UserId;
use crate::tenants::Tenant;
use crate::users::{Consents, EmailVerification, NewUser, PersonData, User, UserPage, UserQuery, UserRepository};
use crate::values::{Email, Login, Money};

/// Permission ids, as the Intershop PWA checks them.
pub mod permission {
    pub const MANAGE_USERS: &str = "APP_B2B_MANAGE_USERS";
    pub const MANAGE_COSTCENTER: &str = "APP_B2B_MANAGE_COSTCENTER";
    pub const VIEW_COSTCENTER: &str = "APP_B2B_VIEW_COSTCENTER";
    pub const PURCHASE: &str = "APP_B2B_PURCHASE";
    pub const ORDER_APPROVAL: &str = "APP_B2B_ORDER_APPROVAL";
    pub const MANAGE_ORDERS: &str = "APP_B2B_MANAGE_ORDERS";
}

/// A permission with its display name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    pub id: &'static str,
    pub display_name: &'static str,
}

/// A role a company can give its users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    pub id: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    /// Every user of the company has it (ICM `fixed`).
    pub fixed: bool,
    pub permissions: &'static [Permission],
}

const MANAGE_USERS: Permission = Permission {
    id: permission::MANAGE_USERS,
    display_name: "Manage Users",
};
const MANAGE_COSTCENTER: Permission = Permission {
    id: permission::MANAGE_COSTCENTER,
    display_name: "Manage Cost Centers",
};
const VIEW_COSTCENTER: Permission = Permission {
    id: permission::VIEW_COSTCENTER,
    display_name: "View Cost Centers",
};
const PURCHASE: Permission = Permission {
    id: permission::PURCHASE,
    display_name: "Purchase",
};
const ORDER_APPROVAL: Permission = Permission {
    id: permission::ORDER_APPROVAL,
    display_name: "Approve Orders",
};
const MANAGE_ORDERS: Permission = Permission {
    id: permission::MANAGE_ORDERS,
    display_name: "Manage Orders",
};

/// Role ids.
pub const ACCOUNT_OWNER: &str = "APP_B2B_ACCOUNT_OWNER";
pub const BUYER: &str = "APP_B2B_BUYER";
pub const APPROVER: &str = "APP_B2B_APPROVER";
pub const COSTCENTER_OWNER: &str = "APP_B2B_COSTCENTER_OWNER";

const ROLES: &[Role] = &[
    Role {
        id: ACCOUNT_OWNER,
        display_name: "Account Admin",
        description: "Manages the company's users, cost centers and orders.",
        fixed: false,
        permissions: &[
            MANAGE_USERS,
            MANAGE_COSTCENTER,
            VIEW_COSTCENTER,
            MANAGE_ORDERS,
            ORDER_APPROVAL,
        ],
    },
    Role {
        id: BUYER,
        display_name: "Buyer",
        description: "Places orders within their order limit and budget.",
        fixed: true,
        permissions: &[PURCHASE],
    },
    Role {
        id: APPROVER,
        display_name: "Approver",
        description: "Approves orders that exceed a buyer's limits.",
        fixed: false,
        permissions: &[ORDER_APPROVAL],
    },
    Role {
        id: COSTCENTER_OWNER,
        display_name: "Cost Center Manager",
        description: "Manages the cost centers they own and their buyers.",
        fixed: false,
        permissions: &[MANAGE_COSTCENTER, VIEW_COSTCENTER],
    },
];

/// The roles a company of `tenant` can give its users.
pub fn catalogue(_tenant: &Tenant) -> &'static [Role] {
    ROLES
}

/// The user's roles from the catalogue, in catalogue order; the fixed ones always.
pub fn roles_of(tenant: &Tenant, user: &User) -> Vec<Role> {
    catalogue(tenant)
        .iter()
        .filter(|r| r.fixed || user.roles.iter().any(|id| id == r.id))
        .copied()
        .collect()
}

/// Whether the user holds `permission` through one of their roles.
pub fn has_permission(tenant: &Tenant, user: &User, permission: &str) -> bool {
    roles_of(tenant, user)
        .iter()
        .any(|r| r.permissions.iter().any(|p| p.id == permission))
}

/// The catalogue's ids of `role_ids`, each once, without the fixed ones (every user has
/// those); the first unknown id is the error.
pub(crate) fn known_roles(tenant: &Tenant, role_ids: &[String]) -> Result<Vec<String>, String> {
    let known = catalogue(tenant);
    let mut roles: Vec<String> = Vec::new();
    for id in role_ids {
        let role = known.iter().find(|r| r.id == id.trim()).ok_or_else(|| id.clone())?;
        if !role.fixed && !roles.iter().any(|r| r == role.id) {
            roles.push(role.id.to_owned());
        }
    }
    Ok(roles)
}

/// Why a user of a company could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum OrganizationError {
    /// No such user in the caller's company (or the caller's customer is no company).
    #[error("user not found")]
    NotFound,
    /// The caller lacks the permission the use case needs.
    #[error("missing permission {0}")]
    Forbidden(&'static str),
    /// A role id the catalogue does not know.
    #[error("unknown role {0}")]
    UnknownRole(String),
    /// A user tried to give themself a role they do not hold.
    #[error("users cannot raise their own permissions")]
    OwnPermissions,
    /// The change would leave the company without an active account administrator.
    #[error("the company must keep an active account administrator")]
    LastAdministrator,
    /// A field is missing or wrong; names the field as the dialects call it.
    #[error("{field} {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A user to add to a company, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMember {
    pub login: Login,
    pub email: Email,
    pub person: PersonData,
    pub active: bool,
    /// Role ids; the fixed ones are added anyway.
    pub roles: Vec<String>,
    pub external: crate::customers::ExternalRef,
}

/// Why one user of a bulk creation was not created (the others were).
#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    #[error("the login is already taken")]
    LoginTaken,
    #[error("unknown role {0}")]
    UnknownRole(String),
    #[error(transparent)]
    Store(StoreError),
}

impl OrganizationError {
    fn invalid(field: &'static str, reason: impl ToString) -> Self {
        Self::Invalid {
            field,
            reason: reason.to_string(),
        }
    }
}

/// The users of a business customer, seen by one of them.
#[derive(Clone)]
pub struct OrganizationService {
    pub users: Arc<dyn UserRepository>,
    /// Spending against user budgets.
    pub centers: Arc<dyn CostCenterRepository>,
    pub ids: Arc<dyn IdGenerator>,
    pub secrets: Arc<dyn Secrets>,
    pub clock: Arc<dyn Clock>,
    /// The code in invitation mails (a password-reset code, to choose a first password).
    pub invitation: CodeMail,
}

impl OrganizationService {
    /// Creates users of the company, each on its own (one failing leaves the others):
    /// every user is written whole with its invitation mail, or not at all. Needs
    /// `APP_B2B_MANAGE_USERS`.
    pub async fn add_users(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        members: Vec<NewMember>,
    ) -> Result<Vec<Result<User, AddUserError>>, OrganizationError> {
        if !caller.customer.is_business() {
            return Err(OrganizationError::NotFound);
        }
        if !has_permission(tenant, &caller.user, permission::MANAGE_USERS) {
            return Err(OrganizationError::Forbidden(permission::MANAGE_USERS));
        }
        let mut out = Vec::with_capacity(members.len());
        for member in members {
            out.push(
                self.add_member(tenant, caller.customer.id, Some(caller.user.id), None, member)
                    .await,
            );
        }
        Ok(out)
    }

    /// Adds one user to the business customer `customer` and queues its invitation, in
    /// one write; `by` is the user who asked (none: an API client). No permission check:
    /// callers check their own.
    pub async fn add_member(
        &self,
        tenant: &Tenant,
        customer: crate::ids::CustomerId,
        by: Option<UserId>,
        public_id: Option<PublicId>,
        member: NewMember,
    ) -> Result<User, AddUserError> {
        let roles = known_roles(tenant, &member.roles).map_err(AddUserError::UnknownRole)?;
        let now = self.clock.now();
        let public_id = public_id.unwrap_or_else(|| self.ids.public_id());
        let invitation = self.invitation.prepare_invitation(
            &*self.secrets,
            (public_id.as_str(), &member.person),
            &member.email,
            now,
        );
        let user = NewUser {
            public_id,
            login: member.login,
            email: member.email,
            password_hash: None,
            person: member.person,
            roles,
            active: member.active,
            email_verification: EmailVerification::Unverified,
            consents: Consents::default(),
            external: member.external,
            legacy_auth: None,
        };
        let added = self
            .users
            .add_member(tenant.id, customer, user, Some(invitation), now)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(UniqueRule::UserLogin) => AddUserError::LoginTaken,
                other => AddUserError::Store(other),
            })?;
        tracing::info!(
            event = "user_added",
            tenant = tenant.id.get(),
            user = added.id.get(),
            by = ?by.map(UserId::get),
            "company user added and invited"
        );
        Ok(added)
    }

    /// Activates or deactivates a user of the company (needs `APP_B2B_MANAGE_USERS`); a
    /// deactivated user's sessions end at once. The company keeps an active administrator.
    pub async fn set_active(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        user: &User,
        active: bool,
    ) -> Result<(), OrganizationError> {
        if user.active == active {
            return Ok(());
        }
        if !has_permission(tenant, &caller.user, permission::MANAGE_USERS) {
            return Err(OrganizationError::Forbidden(permission::MANAGE_USERS));
        }
        let now = self.clock.now();
        if !self
            .users
            .set_active(tenant.id, caller.customer.id, user.id, active, ACCOUNT_OWNER, now)
            .await?
        {
            return Err(OrganizationError::LastAdministrator);
        }
        tracing::info!(
            event = if active { "user_activated" } else { "user_deactivated" },
            tenant = tenant.id.get(),
            user = user.id.get(),
            by = caller.user.id.get(),
            "company user (de)activated"
        );
        Ok(())
    }

    /// A user's order limit and budget, with what they spent in the budget's current
    /// period (`None` without a budget). The user themself, or an administrator.
    pub async fn budget(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        key: &str,
    ) -> Result<(UserBudget, Option<Spent>), OrganizationError> {
        let user = self.member(tenant, caller, key).await?;
        let budget = self.users.budget_of(tenant.id, user.id).await?;
        Ok((budget, self.spent(tenant, user.id, &budget).await?))
    }

    /// Sets a user's order limit and budget (needs `APP_B2B_MANAGE_USERS`). Amounts are
    /// non-negative and in one currency; nobody raises their own.
    pub async fn set_budget(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        key: &str,
        budget: UserBudget,
    ) -> Result<(UserBudget, Option<Spent>), OrganizationError> {
        let user = self.member(tenant, caller, key).await?;
        if !has_permission(tenant, &caller.user, permission::MANAGE_USERS) {
            return Err(OrganizationError::Forbidden(permission::MANAGE_USERS));
        }
        for (field, amount) in [("orderSpentLimit", budget.order_spent_limit), ("budget", budget.budget)] {
            if amount.is_some_and(|m| m.minor < 0) {
                return Err(OrganizationError::invalid(field, "must not be negative"));
            }
        }
        if let (Some(limit), Some(b)) = (budget.order_spent_limit, budget.budget) {
            if limit.currency != b.currency {
                return Err(OrganizationError::invalid(
                    "orderSpentLimit.currency",
                    "must be the currency of the budget",
                ));
            }
        }
        if user.id == caller.user.id {
            let current = self.users.budget_of(tenant.id, user.id).await?;
            let raises = |old: Option<Money>, new: Option<Money>| match (old, new) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(o), Some(n)) => o.currency != n.currency || n.minor > o.minor,
            };
            if raises(current.order_spent_limit, budget.order_spent_limit) || raises(current.budget, budget.budget) {
                return Err(OrganizationError::OwnPermissions);
            }
        }
        if !self
            .users
            .set_budget(tenant.id, user.id, budget, self.clock.now())
            .await?
        {
            return Err(OrganizationError::NotFound);
        }
        tracing::info!(
            event = "budget_changed",
            tenant = tenant.id.get(),
            user = user.id.get(),
            by = caller.user.id.get(),
            "user budget changed"
        );
        Ok((budget, self.spent(tenant, user.id, &budget).await?))
    }

    async fn spent(&self, tenant: &Tenant, user: UserId, budget: &UserBudget) -> Result<Option<Spent>, StoreError> {
        let Some(amount) = budget.budget else {
            return Ok(None);
        };
        let since = budget.period.and_then(|p| p.start(self.clock.now(), tenant.time_zone));
        let total = self
            .centers
            .spent(tenant.id, SpendScope::User(user), amount.currency, since)
            .await?;
        Ok(Some(Spent::against(
            Some(amount),
            Money {
                minor: total.minor,
                currency: amount.currency,
            },
        )))
    }

    /// Removes a user of the company (needs `APP_B2B_MANAGE_USERS`, also for oneself):
    /// their sessions end at once; the company always keeps an active administrator.
    pub async fn remove_user(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        key: &str,
        actor: crate::customers::Actor,
    ) -> Result<(), OrganizationError> {
        let user = self.member(tenant, caller, key).await?;
        if !has_permission(tenant, &caller.user, permission::MANAGE_USERS) {
            return Err(OrganizationError::Forbidden(permission::MANAGE_USERS));
        }
        let removed = self
            .users
            .remove_member(
                tenant.id,
                caller.customer.id,
                user.id,
                ACCOUNT_OWNER,
                self.clock.now(),
                actor,
            )
            .await?;
        if !removed {
            return Err(OrganizationError::LastAdministrator);
        }
        tracing::info!(
            event = "user_removed",
            tenant = tenant.id.get(),
            user = user.id.get(),
            by = caller.user.id.get(),
            "company user removed"
        );
        Ok(())
    }

    /// Gives a user of the company exactly these roles (the fixed ones always) and
    /// returns them. Needs `APP_B2B_MANAGE_USERS`; nobody adds roles to themself, and
    /// the company always keeps an active account administrator.
    pub async fn set_roles(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        key: &str,
        role_ids: &[String],
    ) -> Result<Vec<Role>, OrganizationError> {
        let user = self.member(tenant, caller, key).await?;
        if !has_permission(tenant, &caller.user, permission::MANAGE_USERS) {
            return Err(OrganizationError::Forbidden(permission::MANAGE_USERS));
        }
        let roles = known_roles(tenant, role_ids).map_err(OrganizationError::UnknownRole)?;
        if user.id == caller.user.id && roles.iter().any(|r| !user.roles.contains(r)) {
            return Err(OrganizationError::OwnPermissions);
        }
        let written = self
            .users
            .set_roles(
                tenant.id,
                caller.customer.id,
                user.id,
                roles.clone(),
                ACCOUNT_OWNER,
                self.clock.now(),
            )
            .await?;
        if !written {
            return Err(OrganizationError::LastAdministrator);
        }
        tracing::info!(
            event = "roles_changed",
            tenant = tenant.id.get(),
            user = user.id.get(),
            by = caller.user.id.get(),
            roles = ?roles,
            "user roles changed"
        );
        let changed = User { roles, ..user };
        Ok(roles_of(tenant, &changed))
    }

    /// Most users one page shows; larger `limit`s are cut to this.
    pub const MAX_PAGE: u64 = 500;

    /// A page of the company's users; needs `APP_B2B_MANAGE_USERS`.
    pub async fn users(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        mut query: UserQuery,
    ) -> Result<UserPage, OrganizationError> {
        if !caller.customer.is_business() {
            return Err(OrganizationError::NotFound);
        }
        if !has_permission(tenant, &caller.user, permission::MANAGE_USERS) {
            return Err(OrganizationError::Forbidden(permission::MANAGE_USERS));
        }
        query.limit = query.limit.min(Self::MAX_PAGE);
        query.filter = query.filter.map(|f| f.trim().to_lowercase()).filter(|f| !f.is_empty());
        Ok(self
            .users
            .page_for_customer(tenant.id, caller.customer.id, query)
            .await?)
    }

    /// A user of the caller's company by key: `-` (the caller), a login or a public id
    /// (the login is tried first: ICM resolves both).
    /// The caller always reaches themself; anyone else needs `APP_B2B_MANAGE_USERS`.
    /// Users of other companies and tenants are `NotFound`, whatever the permission.
    pub async fn member(&self, tenant: &Tenant, caller: &OwnAccount, key: &str) -> Result<User, OrganizationError> {
        if !caller.customer.is_business() {
            return Err(OrganizationError::NotFound);
        }
        let me = &caller.user;
        let is_me =
            key == "-" || key == me.public_id.as_str() || Login::parse(key).is_ok_and(|l| l.key() == me.login.key());
        if is_me {
            return Ok(me.clone());
        }
        if !has_permission(tenant, me, permission::MANAGE_USERS) {
            return Err(OrganizationError::Forbidden(permission::MANAGE_USERS));
        }
        self.find_member(tenant, caller, key)
            .await?
            .ok_or(OrganizationError::NotFound)
    }

    /// A user of the caller's company by login or public id (the login is tried first:
    /// ICM resolves both), without a permission check: for use cases that name users
    /// (cost-center buyers and owners) under permissions of their own.
    pub async fn find_member(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        key: &str,
    ) -> Result<Option<User>, StoreError> {
        if key == "-" {
            return Ok(Some(caller.user.clone()));
        }
        let by_login = match Login::parse(key) {
            Ok(login) => self.users.by_login(tenant.id, &login).await?,
            Err(_) => None,
        };
        let found = match (by_login, PublicId::parse(key)) {
            (Some(user), _) => Some(user),
            (None, Some(id)) => self.users.by_public_id(tenant.id, &id).await?,
            (None, None) => None,
        };
        Ok(found.filter(|u| u.customer_id == caller.customer.id))
    }

    /// A user of the tenant by key (owners of cost centers).
    pub async fn user_by_id(&self, tenant: &Tenant, id: crate::ids::UserId) -> Result<Option<User>, StoreError> {
        self.users.by_id(tenant.id, id).await
    }
}
