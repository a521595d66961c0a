//! The company's cost-center use cases, as one of its users calls them.
//!
//! Who may do what (permission ids as in [`crate::roles::permission`]):
//! - reading cost centers and their buyers needs `APP_B2B_VIEW_COSTCENTER`;
//! - creating one needs `APP_B2B_MANAGE_COSTCENTER`; only account administrators
//!   (`APP_B2B_MANAGE_USERS`) may name another user as its owner;
//! - changing or deleting one, and managing its buyers, needs
//!   `APP_B2B_MANAGE_COSTCENTER` and either being its owner or an account administrator.
//!
//! A cost center's owner must hold `APP_B2B_MANAGE_COSTCENTER`; buyers are users of the
//! same company; budgets are non-negative and in the cost center's currency.

use std::sync::Arc;

use crate::budgets::{Budget, BudgetPeriod, Spent};
use crate::clock::Clock;
use crate::customers::OwnAccount;
use crate::error::{StoreError, UniqueRule};
use crate::identity::IdGenerator;
use crate::roles::{has_permission, permission, OrganizationError, OrganizationService};
use crate::tenants::Tenant;
use crate::users::User;
use crate::values::{required_text, Money, TextLimit, ValueError};

use super::{Buyer, BuyerTerms, CostCenter, CostCenterData, CostCenterRepository, SpendScope};

/// Longest cost-center id.
pub const MAX_CODE_LEN: usize = 64;

/// Why a cost-center use case failed. Nothing changed in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum CostCenterError {
    /// No such cost center of the caller's company.
    #[error("cost center not found")]
    NotFound,
    /// The named user is no user of the caller's company (or no buyer of the cost center).
    #[error("user {0} not found")]
    UserNotFound(String),
    #[error("missing permission {0}")]
    Forbidden(&'static str),
    /// A field is missing or wrong; names the field as the dialects call it.
    #[error("{field} {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("the cost center id is used by another cost center")]
    CodeTaken,
    #[error("the user is a buyer of the cost center already")]
    AlreadyBuyer,
    /// The currency cannot change while buyer budgets or spending are in the old one.
    #[error("the currency cannot change while buyers have budgets or spending is recorded")]
    CurrencyLocked,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CostCenterError {
    fn invalid(field: &'static str, reason: impl ToString) -> Self {
        Self::Invalid {
            field,
            reason: reason.to_string(),
        }
    }
}

/// A new cost center as a client sends it (ICM `NewCostCenterRO`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostCenterInput {
    pub code: String,
    pub name: String,
    /// The owner's login or id; `None`: the caller.
    pub owner: Option<String>,
    pub active: bool,
    pub budget: Money,
    pub period: BudgetPeriod,
}

/// Changes to a cost center; `None` keeps a field (ICM `UpdateCostCenterRO` via PATCH).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CostCenterPatch {
    pub code: Option<String>,
    pub name: Option<String>,
    pub owner: Option<String>,
    pub active: Option<bool>,
    pub budget: Option<Money>,
    pub period: Option<BudgetPeriod>,
}

/// A buyer with what they spent through the cost center in their period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyerView {
    pub buyer: Buyer,
    pub spent: Spent,
    pub orders: u64,
}

/// A cost center with its owner, buyers and spending in the current period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostCenterView {
    pub center: CostCenter,
    pub owner: Option<User>,
    pub buyers: Vec<BuyerView>,
    pub spent: Spent,
    /// Orders placed (and not cancelled) in the current period.
    pub orders: u64,
}

/// Cost centers of the caller's company.
#[derive(Clone)]
pub struct CostCenterService {
    centers: Arc<dyn CostCenterRepository>,
    organization: OrganizationService,
    ids: Arc<dyn IdGenerator>,
    clock: Arc<dyn Clock>,
}

impl CostCenterService {
    pub fn new(
        centers: Arc<dyn CostCenterRepository>,
        organization: OrganizationService,
        ids: Arc<dyn IdGenerator>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            centers,
            organization,
            ids,
            clock,
        }
    }

    /// The company's cost centers, by code; needs `APP_B2B_VIEW_COSTCENTER`.
    pub async fn list(&self, tenant: &Tenant, caller: &OwnAccount) -> Result<Vec<CostCenterView>, CostCenterError> {
        company(caller)?;
        require(tenant, &caller.user, permission::VIEW_COSTCENTER)?;
        let centers = self.centers.list_for_customer(tenant.id, caller.customer.id).await?;
        let mut views = Vec::with_capacity(centers.len());
        for center in centers {
            views.push(self.view(tenant, center, false).await?);
        }
        Ok(views)
    }

    /// One cost center (by id or cost-center id) with its buyers.
    pub async fn get(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        key: &str,
    ) -> Result<CostCenterView, CostCenterError> {
        let center = self.readable(tenant, caller, key).await?;
        self.view(tenant, center, true).await
    }

    /// Creates a cost center; its owner is the caller unless an administrator names one.
    pub async fn create(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        input: CostCenterInput,
    ) -> Result<CostCenterView, CostCenterError> {
        company(caller)?;
        require(tenant, &caller.user, permission::MANAGE_COSTCENTER)?;
        let owner = self.owner(tenant, caller, input.owner.as_deref()).await?;
        let data = checked(CostCenterData {
            code: input.code,
            name: input.name,
            owner: owner.id,
            active: input.active,
            budget: Budget {
                amount: input.budget,
                period: input.period,
            },
        })?;
        let center = self
            .centers
            .add_cost_center(
                tenant.id,
                caller.customer.id,
                self.ids.public_id(),
                data,
                self.clock.now(),
            )
            .await
            .map_err(code_taken)?;
        log(tenant, caller, &center, "cost_center_created");
        self.view(tenant, center, true).await
    }

    /// Changes a cost center (owner or administrator).
    pub async fn update(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        key: &str,
        patch: CostCenterPatch,
    ) -> Result<CostCenterView, CostCenterError> {
        let center = self.manageable(tenant, caller, key).await?;
        let owner = match patch.owner.as_deref() {
            Some(owner) => self.owner(tenant, caller, Some(owner)).await?.id,
            None => center.owner.unwrap_or(caller.user.id),
        };
        let budget = Budget {
            amount: patch.budget.unwrap_or(center.budget.amount),
            period: patch.period.unwrap_or(center.budget.period),
        };
        if budget.amount.currency != center.currency() && self.currency_in_use(tenant, &center).await? {
            return Err(CostCenterError::CurrencyLocked);
        }
        let data = checked(CostCenterData {
            code: patch.code.unwrap_or_else(|| center.code.clone()),
            name: patch.name.unwrap_or_else(|| center.name.clone()),
            owner,
            active: patch.active.unwrap_or(center.active),
            budget,
        })?;
        let center = self
            .centers
            .update_cost_center(tenant.id, caller.customer.id, center.id, data, self.clock.now())
            .await
            .map_err(code_taken)?
            .ok_or(CostCenterError::NotFound)?;
        log(tenant, caller, &center, "cost_center_changed");
        self.view(tenant, center, true).await
    }

    /// Deletes a cost center with its buyer assignments; recorded spending stays.
    pub async fn delete(&self, tenant: &Tenant, caller: &OwnAccount, key: &str) -> Result<(), CostCenterError> {
        let center = self.manageable(tenant, caller, key).await?;
        if !self
            .centers
            .delete_cost_center(tenant.id, caller.customer.id, center.id)
            .await?
        {
            return Err(CostCenterError::NotFound);
        }
        log(tenant, caller, &center, "cost_center_deleted");
        Ok(())
    }

    /// Adds a user of the company as a buyer, with an optional budget in the cost
    /// center's currency.
    pub async fn add_buyer(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        key: &str,
        login: &str,
        budget: Option<Money>,
        period: BudgetPeriod,
    ) -> Result<CostCenterView, CostCenterError> {
        self.put_buyer(tenant, caller, key, login, budget, period, false).await
    }

    /// Changes a buyer's budget.
    pub async fn update_buyer(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        key: &str,
        login: &str,
        budget: Option<Money>,
        period: BudgetPeriod,
    ) -> Result<CostCenterView, CostCenterError> {
        self.put_buyer(tenant, caller, key, login, budget, period, true).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn put_buyer(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        key: &str,
        login: &str,
        budget: Option<Money>,
        period: BudgetPeriod,
        replace: bool,
    ) -> Result<CostCenterView, CostCenterError> {
        let center = self.manageable(tenant, caller, key).await?;
        let user = self.company_user(tenant, caller, login).await?;
        if let Some(b) = budget {
            if b.currency != center.currency() {
                return Err(CostCenterError::invalid(
                    "budget.currency",
                    format!("must be the cost center's currency {}", center.currency()),
                ));
            }
            if b.minor < 0 {
                return Err(CostCenterError::invalid("budget.value", "must not be negative"));
            }
        }
        let written = self
            .centers
            .put_buyer(
                tenant.id,
                center.id,
                user.id,
                BuyerTerms {
                    budget: budget.map(|b| b.minor),
                    period,
                },
                replace,
                self.clock.now(),
            )
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(UniqueRule::CostCenterBuyer) => CostCenterError::AlreadyBuyer,
                other => other.into(),
            })?;
        if !written {
            return Err(CostCenterError::UserNotFound(login.to_owned()));
        }
        log(tenant, caller, &center, "cost_center_buyers_changed");
        self.view(tenant, center, true).await
    }

    /// One buyer of the cost center with their spending.
    pub async fn buyer(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        key: &str,
        login: &str,
    ) -> Result<BuyerView, CostCenterError> {
        let center = self.readable(tenant, caller, key).await?;
        let user = self.company_user(tenant, caller, login).await?;
        let view = self.view(tenant, center, true).await?;
        view.buyers
            .into_iter()
            .find(|b| b.buyer.user.id == user.id)
            .ok_or_else(|| CostCenterError::UserNotFound(login.to_owned()))
    }

    /// Removes a buyer from the cost center (their recorded spending stays).
    pub async fn remove_buyer(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        key: &str,
        login: &str,
    ) -> Result<(), CostCenterError> {
        let center = self.manageable(tenant, caller, key).await?;
        let user = self.company_user(tenant, caller, login).await?;
        if !self.centers.remove_buyer(tenant.id, center.id, user.id).await? {
            return Err(CostCenterError::UserNotFound(login.to_owned()));
        }
        log(tenant, caller, &center, "cost_center_buyers_changed");
        Ok(())
    }

    /// The cost centers a user of the company buys for or owns, with the user's roles
    /// there (`Buyer`, `Approver` for the owner). The user themself, or an administrator.
    pub async fn of_user(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        user_key: &str,
    ) -> Result<Vec<(CostCenter, Vec<&'static str>)>, CostCenterError> {
        let user = self
            .organization
            .member(tenant, caller, user_key)
            .await
            .map_err(|e| match e {
                OrganizationError::Forbidden(p) => CostCenterError::Forbidden(p),
                OrganizationError::Store(e) => CostCenterError::Store(e),
                _ => CostCenterError::UserNotFound(user_key.to_owned()),
            })?;
        let centers = self
            .centers
            .cost_centers_of_user(tenant.id, caller.customer.id, user.id)
            .await?;
        Ok(centers
            .into_iter()
            .map(|(center, buys)| {
                let mut roles = Vec::new();
                if buys {
                    roles.push("Buyer");
                }
                if center.owner == Some(user.id) {
                    roles.push("Approver");
                }
                (center, roles)
            })
            .collect())
    }

    async fn readable(&self, tenant: &Tenant, caller: &OwnAccount, key: &str) -> Result<CostCenter, CostCenterError> {
        self.find(tenant, caller, key, permission::VIEW_COSTCENTER).await
    }

    /// A cost center the caller may change: its owner or an administrator, holding
    /// `APP_B2B_MANAGE_COSTCENTER`.
    async fn manageable(&self, tenant: &Tenant, caller: &OwnAccount, key: &str) -> Result<CostCenter, CostCenterError> {
        let center = self.find(tenant, caller, key, permission::MANAGE_COSTCENTER).await?;
        if center.owner != Some(caller.user.id) {
            require(tenant, &caller.user, permission::MANAGE_USERS)?;
        }
        Ok(center)
    }

    /// The company's cost center `key`, for a caller holding `needed`.
    async fn find(
        &self,
        tenant: &Tenant,
        caller: &OwnAccount,
        key: &str,
        needed: &'static str,
    ) -> Result<CostCenter, CostCenterError> {
        company(caller)?;
        require(tenant, &caller.user, needed)?;
        self.centers
            .cost_center_by_key(tenant.id, caller.customer.id, key.to_owned())
            .await?
            .ok_or(CostCenterError::NotFound)
    }

    /// A user of the caller's company by login or id, whatever the caller's permissions
    /// on users (cost-center managers name buyers and owners).
    async fn company_user(&self, tenant: &Tenant, caller: &OwnAccount, key: &str) -> Result<User, CostCenterError> {
        self.organization
            .find_member(tenant, caller, key)
            .await?
            .ok_or_else(|| CostCenterError::UserNotFound(key.to_owned()))
    }

    /// The owner to give a cost center: the caller when `None`; someone else only for an
    /// administrator; always a holder of `APP_B2B_MANAGE_COSTCENTER`.
    async fn owner(&self, tenant: &Tenant, caller: &OwnAccount, key: Option<&str>) -> Result<User, CostCenterError> {
        let owner = match key {
            None => caller.user.clone(),
            Some(key) => self.company_user(tenant, caller, key).await?,
        };
        if owner.id != caller.user.id {
            require(tenant, &caller.user, permission::MANAGE_USERS)?;
        }
        if !has_permission(tenant, &owner, permission::MANAGE_COSTCENTER) {
            return Err(CostCenterError::invalid(
                "costCenterOwner",
                "must be a user who manages cost centers (APP_B2B_MANAGE_COSTCENTER)",
            ));
        }
        Ok(owner)
    }

    async fn currency_in_use(&self, tenant: &Tenant, center: &CostCenter) -> Result<bool, StoreError> {
        let spent = self
            .centers
            .spent(tenant.id, SpendScope::CostCenter(center.id), center.currency(), None)
            .await?;
        let budgets = self
            .centers
            .buyers_of(tenant.id, center.id)
            .await?
            .iter()
            .any(|b| b.budget.is_some_and(|m| m.minor > 0));
        Ok(spent.orders > 0 || spent.minor != 0 || budgets)
    }

    /// The cost center with its owner and its spending in the current period and, with
    /// `buyers`, its buyers with theirs.
    async fn view(&self, tenant: &Tenant, center: CostCenter, buyers: bool) -> Result<CostCenterView, CostCenterError> {
        let now = self.clock.now();
        let currency = center.currency();
        let total = self
            .centers
            .spent(
                tenant.id,
                SpendScope::CostCenter(center.id),
                currency,
                center.budget.period.start(now, tenant.time_zone),
            )
            .await?;
        let listed = if buyers {
            self.centers.buyers_of(tenant.id, center.id).await?
        } else {
            Vec::new()
        };
        let mut views = Vec::with_capacity(listed.len());
        for buyer in listed {
            let spent = self
                .centers
                .spent(
                    tenant.id,
                    SpendScope::Buyer(center.id, buyer.user.id),
                    currency,
                    buyer.period.start(now, tenant.time_zone),
                )
                .await?;
            views.push(BuyerView {
                spent: Spent::against(
                    buyer.budget,
                    Money {
                        minor: spent.minor,
                        currency,
                    },
                ),
                orders: spent.orders,
                buyer,
            });
        }
        let owner = match center.owner {
            Some(id) => self.organization.user_by_id(tenant, id).await?,
            None => None,
        };
        Ok(CostCenterView {
            spent: Spent::against(
                Some(center.budget.amount),
                Money {
                    minor: total.minor,
                    currency,
                },
            ),
            orders: total.orders,
            owner,
            buyers: views,
            center,
        })
    }
}

fn company(caller: &OwnAccount) -> Result<(), CostCenterError> {
    if caller.customer.is_business() {
        Ok(())
    } else {
        Err(CostCenterError::NotFound)
    }
}

fn require(tenant: &Tenant, user: &User, permission: &'static str) -> Result<(), CostCenterError> {
    if has_permission(tenant, user, permission) {
        Ok(())
    } else {
        Err(CostCenterError::Forbidden(permission))
    }
}

fn code_taken(e: StoreError) -> CostCenterError {
    match e {
        StoreError::Duplicate(UniqueRule::CostCenterCode) => CostCenterError::CodeTaken,
        other => other.into(),
    }
}

/// Checks and trims the fields of a cost center.
fn checked(data: CostCenterData) -> Result<CostCenterData, CostCenterError> {
    let field = |name: &'static str| move |e: ValueError| CostCenterError::invalid(name, e);
    let code = required_text(&data.code, MAX_CODE_LEN).map_err(field("costCenterId"))?;
    if code.contains('/') {
        return Err(CostCenterError::invalid("costCenterId", "must not contain '/'"));
    }
    let name = required_text(&data.name, TextLimit::SHORT).map_err(field("name"))?;
    if data.budget.amount.minor < 0 {
        return Err(CostCenterError::invalid("budget.value", "must not be negative"));
    }
    Ok(CostCenterData { code, name, ..data })
}

fn log(tenant: &Tenant, caller: &OwnAccount, center: &CostCenter, event: &'static str) {
    tracing::info!(
        event,
        tenant = tenant.id.get(),
        customer = caller.customer.id.get(),
        cost_center = %center.public_id,
        by = caller.user.id.get(),
        "cost center changed"
    );
}
