//! A company user's order limit and budget: `PUT/GET customers/{c}/users/{u}/budgets`.

use actix_web::{web, HttpRequest, HttpResponse};
use clientele_domain::budgets::{BudgetPeriod, Spent, UserBudget};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{parse_money, MoneyInRo, MoneyRo};
use super::errors::IcmError;
use super::organization::{company_caller, keys, organization_error, user_key};
use crate::AppState;

/// `UserBudget` as the PWA sends it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserBudgetInRo {
    pub order_spent_limit: Option<MoneyInRo>,
    pub budget: Option<MoneyInRo>,
    /// none, fixed, weekly, monthly, quarterly, half-yearly or yearly.
    pub budget_period: Option<String>,
}

/// `UserBudget` with what was spent in the current period.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserBudgetRo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_spent_limit: Option<MoneyRo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<MoneyRo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_period: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spent_budget: Option<MoneyRo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_budget: Option<MoneyRo>,
}

fn budget_ro((budget, spent): (UserBudget, Option<Spent>)) -> UserBudgetRo {
    UserBudgetRo {
        order_spent_limit: budget.order_spent_limit.map(MoneyRo::from),
        budget: budget.budget.map(MoneyRo::from),
        budget_period: budget.period.map(BudgetPeriod::code),
        spent_budget: spent.map(|s| s.spent.into()),
        remaining_budget: spent.and_then(|s| s.remaining).map(MoneyRo::from),
    }
}

/// Reads a budget period name (error key `key`).
pub(super) fn parse_period(key: &'static str, raw: Option<&str>) -> Result<Option<BudgetPeriod>, IcmError> {
    match raw.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(None),
        Some(p) => BudgetPeriod::parse(p).map(Some).ok_or_else(|| {
            IcmError::bad(
                key,
                format!("The field 'budgetPeriod' must be none, fixed, weekly, monthly, quarterly, half-yearly or yearly, not '{p}'."),
            )
        }),
    }
}

/// A user's order limit and budget, with spentBudget and remainingBudget of the current
/// period (in the tenant's time zone). The user themself, or an administrator.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/users/{CustomerItemUserKey}/budgets",
    tag = "organization",
    responses((status = 200, description = "The budget", body = UserBudgetRo),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Another user, without APP_B2B_MANAGE_USERS"),
              (status = 404, description = "No such user of the caller's business customer")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn budget(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = company_caller(&req, &state).await?;
        let found = state
            .services
            .organization
            .budget(&tenant, &account, &user_key(&req))
            .await
            .map_err(organization_error)?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(budget_ro(found))))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// Sets a user's order limit and budget (amounts non-negative, one currency). Needs
/// APP_B2B_MANAGE_USERS; nobody raises their own.
#[utoipa::path(put, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/users/{CustomerItemUserKey}/budgets",
    tag = "organization", request_body = UserBudgetInRo,
    responses((status = 200, description = "The budget now", body = UserBudgetRo),
              (status = 400, description = "`error-key` customer.user.invalid_fields.error: negative amount, unknown \
                 currency, more decimals than the currency has, two currencies, unknown budgetPeriod, wrong types"),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Without APP_B2B_MANAGE_USERS, or raising one's own"),
              (status = 404, description = "No such user of the caller's business customer")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn set_budget(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = company_caller(&req, &state).await?;
        let dto: UserBudgetInRo = crate::body::json(&req, payload, state.limits.max_body_bytes).await?;
        let budget = UserBudget {
            order_spent_limit: parse_money(keys::INVALID, "orderSpentLimit", dto.order_spent_limit.as_ref())?,
            budget: parse_money(keys::INVALID, "budget", dto.budget.as_ref())?,
            period: parse_period(keys::INVALID, dto.budget_period.as_deref())?,
        };
        let set = state
            .services
            .organization
            .set_budget(&tenant, &account, &user_key(&req), budget)
            .await
            .map_err(organization_error)?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(budget_ro(set))))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}
