//! ICM cost centers of a business customer and their buyers
//! (`customers/{c}/costcenters[/{cc}[/buyers[/{b}]]]`), and a user's cost centers
//! (`customers/{c}/users/{u}/costcenters[/{cc}]`).

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::cost_centers::{
    BuyerView, CostCenter, CostCenterError, CostCenterInput, CostCenterPatch, CostCenterView,
};
use clientele_domain::users::User;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::internal;
use super::budgets::parse_period;
use super::dto::{parse_money, MoneyInRo, MoneyRo};
use super::errors::IcmError;
use super::organization::{attribute, company_caller, company_uri, page_bounds, path_key, user_key, AttributeRo};
use crate::AppState;

/// `error-key`s of the cost-center routes (clientele's own; see docs/compat.md).
mod keys {
    pub const NOT_FOUND: &str = "costcenter.not_found.error";
    pub const USER_NOT_FOUND: &str = "costcenter.user.not_found.error";
    pub const FORBIDDEN: &str = "costcenter.permission_missing.error";
    pub const INVALID: &str = "costcenter.invalid_fields.error";
    pub const ID_TAKEN: &str = "costcenter.id.exists.error";
    pub const BUYER_EXISTS: &str = "costcenter.buyer.exists.error";
    pub const CURRENCY_LOCKED: &str = "costcenter.currency.locked.error";
}

/// The media type of the paged (Cost Center REST API 2.0) list.
const V2: &str = "application/vnd.intershop.costcenter.v2+json";

fn error(e: CostCenterError, user_in_path: bool) -> IcmError {
    match e {
        CostCenterError::NotFound => IcmError::new(
            StatusCode::NOT_FOUND,
            Some(keys::NOT_FOUND),
            "The cost center was not found.",
        ),
        CostCenterError::UserNotFound(login) if user_in_path => IcmError::new(
            StatusCode::NOT_FOUND,
            Some(keys::USER_NOT_FOUND),
            format!("'{login}' is no buyer of the cost center."),
        ),
        CostCenterError::UserNotFound(login) => {
            IcmError::bad(keys::USER_NOT_FOUND, format!("'{login}' is no user of the company."))
        }
        CostCenterError::Forbidden(p) => IcmError::new(
            StatusCode::FORBIDDEN,
            Some(keys::FORBIDDEN),
            format!("Requires the permission {p} (and, for changes, owning the cost center or APP_B2B_MANAGE_USERS)."),
        ),
        CostCenterError::Invalid { field, reason } => {
            IcmError::bad(keys::INVALID, format!("The field '{field}' {reason}."))
        }
        CostCenterError::CodeTaken => IcmError::new(
            StatusCode::CONFLICT,
            Some(keys::ID_TAKEN),
            "Another cost center of the company has this costCenterId.",
        ),
        CostCenterError::AlreadyBuyer => IcmError::new(
            StatusCode::CONFLICT,
            Some(keys::BUYER_EXISTS),
            "The user is a buyer of the cost center already.",
        ),
        CostCenterError::CurrencyLocked => IcmError::new(
            StatusCode::CONFLICT,
            Some(keys::CURRENCY_LOCKED),
            "The currency cannot change while buyers have budgets or spending is recorded.",
        ),
        CostCenterError::Store(e) => internal(e),
    }
}

/// `CostCenterUserRO`: the owner or a buyer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CostCenterUserRo {
    pub login: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<MoneyRo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_period: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spent_budget: Option<MoneyRo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_budget: Option<MoneyRo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_orders: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_orders: Option<u64>,
}

fn person(user: &User) -> CostCenterUserRo {
    CostCenterUserRo {
        login: user.login.as_str().to_owned(),
        email: user.email.as_str().to_owned(),
        title: user.person.title.clone(),
        first_name: user.person.first_name.clone(),
        last_name: user.person.last_name.clone(),
        active: None,
        budget: None,
        budget_period: None,
        spent_budget: None,
        remaining_budget: None,
        pending_orders: None,
        approved_orders: None,
    }
}

fn buyer_ro(b: &BuyerView) -> CostCenterUserRo {
    CostCenterUserRo {
        active: Some(b.buyer.user.active),
        budget: b.buyer.budget.map(MoneyRo::from),
        budget_period: Some(b.buyer.period.code()),
        spent_budget: Some(b.spent.spent.into()),
        remaining_budget: b.spent.remaining.map(MoneyRo::from),
        pending_orders: Some(0),
        approved_orders: Some(b.orders),
        ..person(&b.buyer.user)
    }
}

/// `CostCenterRO`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CostCenterRo {
    #[serde(rename = "type")]
    pub type_: &'static str,
    /// The id clientele assigned.
    pub id: String,
    /// The company's own id.
    pub cost_center_id: String,
    pub name: String,
    pub active: bool,
    pub budget: MoneyRo,
    pub budget_period: &'static str,
    pub spent_budget: MoneyRo,
    pub remaining_budget: MoneyRo,
    /// Always 0: clientele records spending, not approvals.
    pub pending_orders: u64,
    /// Orders placed (and not cancelled) in the current period.
    pub approved_orders: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_center_owner: Option<CostCenterUserRo>,
    pub buyers: Vec<CostCenterUserRo>,
    /// Always empty: orders live in the order system.
    pub orders: Vec<serde_json::Value>,
}

fn cost_center_ro(v: &CostCenterView) -> CostCenterRo {
    let c = &v.center;
    CostCenterRo {
        type_: "CostCenter",
        id: c.public_id.as_str().to_owned(),
        cost_center_id: c.code.clone(),
        name: c.name.clone(),
        active: c.active,
        budget: c.budget.amount.into(),
        budget_period: c.budget.period.code(),
        spent_budget: v.spent.spent.into(),
        remaining_budget: v.spent.remaining.unwrap_or(c.budget.amount).into(),
        pending_orders: 0,
        approved_orders: v.orders,
        cost_center_owner: v.owner.as_ref().map(person),
        buyers: v.buyers.iter().map(buyer_ro).collect(),
        orders: Vec::new(),
    }
}

/// A cost center in a list: a link with the attributes the PWA reads.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CostCenterLinkRo {
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub uri: String,
    pub title: String,
    pub item_id: String,
    pub attributes: Vec<AttributeRo>,
}

fn link(base: &str, v: &CostCenterView) -> CostCenterLinkRo {
    let ro = cost_center_ro(v);
    CostCenterLinkRo {
        type_: "Link",
        uri: format!("{base}/{}", ro.id),
        title: ro.name.clone(),
        item_id: ro.id.clone(),
        attributes: vec![
            attribute("costCenterId", ro.cost_center_id.clone()),
            attribute("name", ro.name.clone()),
            attribute("active", ro.active),
            attribute("costCenterOwner", json(&ro.cost_center_owner)),
            attribute("budget", json(&ro.budget)),
            attribute("budgetPeriod", ro.budget_period),
            attribute("spentBudget", json(&ro.spent_budget)),
            attribute("remainingBudget", json(&ro.remaining_budget)),
            attribute("pendingOrders", ro.pending_orders),
            attribute("approvedOrders", ro.approved_orders),
        ],
    }
}

/// Any serializable value as JSON.
fn json<T: Serialize>(x: &T) -> serde_json::Value {
    serde_json::to_value(x).unwrap_or_default()
}

/// `?offset=&limit=&nameOrId=` of the v2 list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct CostCentersQuery {
    /// v2 only: the first position, from 0.
    pub offset: Option<String>,
    /// v2 only: cost centers per page, 1 to 500; default 25.
    pub limit: Option<String>,
    /// v2 only: case-insensitive part of the name or cost-center id.
    pub name_or_id: Option<String>,
}

/// `{data, info}` of the v2 list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CostCenterPageRo {
    pub data: Vec<CostCenterLinkRo>,
    pub info: PageInfoRo,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PageInfoRo {
    pub limit: u64,
    pub offset: u64,
    pub total: u64,
}

/// The company's cost centers. With `Accept: application/vnd.intershop.costcenter.v2+json`
/// a `{data, info}` page (offset, limit, nameOrId), otherwise the ICM 7.10 bare array of
/// links. Needs APP_B2B_VIEW_COSTCENTER.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/costcenters",
    tag = "cost centers", params(CostCentersQuery),
    responses((status = 200, description = "7.10: a bare array of links; v2: `{data, info}`", body = CostCenterPageRo),
              (status = 400, description = "offset or limit not a number, limit 0"),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Without APP_B2B_VIEW_COSTCENTER"),
              (status = 404, description = "Not the caller's business customer")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn list(req: HttpRequest, query: web::Query<CostCentersQuery>, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = company_caller(&req, &state).await?;
        let v2 = req
            .headers()
            .get("accept")
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains(V2));
        let (offset, limit) = page_bounds(query.offset.as_deref(), query.limit.as_deref(), 25, Some(keys::INVALID))?;
        let views = state
            .services
            .cost_centers
            .list(&tenant, &account)
            .await
            .map_err(|e| error(e, false))?;
        let base = company_uri(&req, "costcenters");
        if !v2 {
            let links: Vec<_> = views.iter().map(|v| link(&base, v)).collect();
            return Ok(caller.stamp(HttpResponse::Ok().json(links)));
        }
        let needle = query.name_or_id.as_deref().unwrap_or_default().trim().to_lowercase();
        let matching: Vec<_> = views
            .iter()
            .filter(|v| {
                needle.is_empty()
                    || v.center.name.to_lowercase().contains(&needle)
                    || v.center.code.to_lowercase().contains(&needle)
            })
            .collect();
        let limit = limit.min(500);
        let data = matching
            .iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(limit as usize)
            .map(|v| link(&base, v))
            .collect();
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().content_type(V2).json(CostCenterPageRo {
            data,
            info: PageInfoRo {
                limit,
                offset,
                total: matching.len() as u64,
            },
        })))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// `costCenterOwner` in a request: only the login counts.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OwnerRefRo {
    pub login: Option<String>,
}

/// `NewCostCenterRO` / `UpdateCostCenterRO`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CostCenterInRo {
    pub cost_center_id: Option<String>,
    pub name: Option<String>,
    pub active: Option<bool>,
    pub budget: Option<MoneyInRo>,
    /// fixed, weekly, monthly, quarterly, half-yearly or yearly.
    pub budget_period: Option<String>,
    pub cost_center_owner: Option<OwnerRefRo>,
}

fn patch_of(dto: &CostCenterInRo) -> Result<CostCenterPatch, IcmError> {
    Ok(CostCenterPatch {
        code: dto.cost_center_id.clone(),
        name: dto.name.clone(),
        owner: dto
            .cost_center_owner
            .as_ref()
            .and_then(|o| o.login.clone())
            .filter(|l| !l.trim().is_empty()),
        active: dto.active,
        budget: parse_money(keys::INVALID, "budget", dto.budget.as_ref())?,
        period: parse_period(keys::INVALID, dto.budget_period.as_deref())?,
    })
}

fn cost_center_key(req: &HttpRequest) -> String {
    path_key(req, "costcenter")
}

fn buyer_key(req: &HttpRequest) -> String {
    path_key(req, "buyer")
}

/// Creates a cost center (needs APP_B2B_MANAGE_COSTCENTER; only administrators name
/// another owner). The budget's currency is the cost center's.
#[utoipa::path(post, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/costcenters",
    tag = "cost centers", request_body = CostCenterInRo,
    responses((status = 201, description = "Created; `Location` names it", body = CostCenterRo),
              (status = 400, description = "`error-key` costcenter.invalid_fields.error (missing costCenterId, name or \
                 budget; negative budget; unknown currency or period) or costcenter.user.not_found.error (owner)"),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Without APP_B2B_MANAGE_COSTCENTER, or naming another owner without APP_B2B_MANAGE_USERS"),
              (status = 404, description = "Not the caller's business customer"),
              (status = 409, description = "`error-key` costcenter.id.exists.error")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn create(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = company_caller(&req, &state).await?;
        let dto: CostCenterInRo = crate::body::json(&req, payload, state.limits.max_body_bytes).await?;
        let patch = patch_of(&dto)?;
        let input = CostCenterInput {
            code: patch.code.unwrap_or_default(),
            name: patch.name.unwrap_or_default(),
            owner: patch.owner,
            active: patch.active.unwrap_or(true),
            budget: patch
                .budget
                .ok_or_else(|| IcmError::bad(keys::INVALID, "The field 'budget' is missing."))?,
            period: patch.period.unwrap_or(clientele_domain::budgets::BudgetPeriod::Fixed),
        };
        let view = state
            .services
            .cost_centers
            .create(&tenant, &account, input)
            .await
            .map_err(|e| error(e, false))?;
        let location = format!(
            "{}/{}",
            company_uri(&req, "costcenters"),
            view.center.public_id.as_str()
        );
        Ok::<_, IcmError>(
            caller.stamp(
                HttpResponse::Created()
                    .insert_header(("location", location))
                    .json(cost_center_ro(&view)),
            ),
        )
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// A cost center by its id or its costCenterId, with owner and buyers.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/costcenters/{CostCenterKey}",
    tag = "cost centers",
    responses((status = 200, description = "The cost center", body = CostCenterRo),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Without APP_B2B_VIEW_COSTCENTER"),
              (status = 404, description = "No such cost center of the caller's company")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = company_caller(&req, &state).await?;
        let view = state
            .services
            .cost_centers
            .get(&tenant, &account, &cost_center_key(&req))
            .await
            .map_err(|e| error(e, false))?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(cost_center_ro(&view))))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// Changes the fields sent (owner or administrator).
#[utoipa::path(patch, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/costcenters/{CostCenterKey}",
    tag = "cost centers", request_body = CostCenterInRo,
    responses((status = 200, description = "The cost center now", body = CostCenterRo),
              (status = 400, description = "`error-key` costcenter.invalid_fields.error or costcenter.user.not_found.error"),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Neither its owner nor an administrator"),
              (status = 404, description = "No such cost center of the caller's company"),
              (status = 409, description = "costcenter.id.exists.error, or costcenter.currency.locked.error")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn update(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = company_caller(&req, &state).await?;
        let dto: CostCenterInRo = crate::body::json(&req, payload, state.limits.max_body_bytes).await?;
        let view = state
            .services
            .cost_centers
            .update(&tenant, &account, &cost_center_key(&req), patch_of(&dto)?)
            .await
            .map_err(|e| error(e, false))?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(cost_center_ro(&view))))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// Deletes a cost center (owner or administrator); recorded spending stays.
#[utoipa::path(delete, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/costcenters/{CostCenterKey}",
    tag = "cost centers",
    responses((status = 204, description = "Deleted"),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Neither its owner nor an administrator"),
              (status = 404, description = "No such cost center of the caller's company")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn delete(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = company_caller(&req, &state).await?;
        state
            .services
            .cost_centers
            .delete(&tenant, &account, &cost_center_key(&req))
            .await
            .map_err(|e| error(e, false))?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::NoContent().finish()))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// `NewCostCenterBuyerRO` / `UpdateCostCenterBuyerRO`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BuyerInRo {
    /// POST: the buyer's login (a user of the company).
    pub login: Option<String>,
    /// In the cost center's currency; none: no budget of their own.
    pub budget: Option<MoneyInRo>,
    pub budget_period: Option<String>,
}

/// The cost center with its buyers (as the reference answers).
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/costcenters/{CostCenterKey}/buyers",
    tag = "cost centers",
    responses((status = 200, description = "The cost center; `buyers` lists them", body = CostCenterRo),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Without APP_B2B_VIEW_COSTCENTER"),
              (status = 404, description = "No such cost center of the caller's company")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn buyers(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    get(req, state).await
}

/// Adds a user of the company as a buyer.
#[utoipa::path(post, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/costcenters/{CostCenterKey}/buyers",
    tag = "cost centers", request_body = BuyerInRo,
    responses((status = 200, description = "The cost center with the new buyer", body = CostCenterRo),
              (status = 400, description = "costcenter.invalid_fields.error (budget not in the cost center's \
                 currency, negative, unknown period), costcenter.user.not_found.error (no user of the company)"),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Neither its owner nor an administrator"),
              (status = 404, description = "No such cost center of the caller's company"),
              (status = 409, description = "`error-key` costcenter.buyer.exists.error")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn add_buyer(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = company_caller(&req, &state).await?;
        let dto: BuyerInRo = crate::body::json(&req, payload, state.limits.max_body_bytes).await?;
        let login = dto
            .login
            .clone()
            .filter(|l| !l.trim().is_empty())
            .ok_or_else(|| IcmError::bad(keys::INVALID, "The field 'login' is missing."))?;
        let view = state
            .services
            .cost_centers
            .add_buyer(
                &tenant,
                &account,
                &cost_center_key(&req),
                &login,
                parse_money(keys::INVALID, "budget", dto.budget.as_ref())?,
                parse_period(keys::INVALID, dto.budget_period.as_deref())?
                    .unwrap_or(clientele_domain::budgets::BudgetPeriod::Fixed),
            )
            .await
            .map_err(|e| error(e, false))?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(cost_center_ro(&view))))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// One buyer with their budget and spending.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/costcenters/{CostCenterKey}/buyers/{CostCenterBuyerKey}",
    tag = "cost centers",
    responses((status = 200, description = "The buyer", body = CostCenterUserRo),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Without APP_B2B_VIEW_COSTCENTER"),
              (status = 404, description = "No such cost center, or the user is no buyer of it")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn buyer(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = company_caller(&req, &state).await?;
        let view = state
            .services
            .cost_centers
            .buyer(&tenant, &account, &cost_center_key(&req), &buyer_key(&req))
            .await
            .map_err(|e| error(e, true))?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(buyer_ro(&view))))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// Changes a buyer's budget.
#[utoipa::path(patch, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/costcenters/{CostCenterKey}/buyers/{CostCenterBuyerKey}",
    tag = "cost centers", request_body = BuyerInRo,
    responses((status = 200, description = "The cost center", body = CostCenterRo),
              (status = 400, description = "costcenter.invalid_fields.error"),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Neither its owner nor an administrator"),
              (status = 404, description = "No such cost center, or the user is no buyer of it")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn update_buyer(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = company_caller(&req, &state).await?;
        let dto: BuyerInRo = crate::body::json(&req, payload, state.limits.max_body_bytes).await?;
        let view = state
            .services
            .cost_centers
            .update_buyer(
                &tenant,
                &account,
                &cost_center_key(&req),
                &buyer_key(&req),
                parse_money(keys::INVALID, "budget", dto.budget.as_ref())?,
                parse_period(keys::INVALID, dto.budget_period.as_deref())?
                    .unwrap_or(clientele_domain::budgets::BudgetPeriod::Fixed),
            )
            .await
            .map_err(|e| error(e, true))?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(cost_center_ro(&view))))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// Removes a buyer from the cost center (their recorded spending stays).
#[utoipa::path(delete, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/costcenters/{CostCenterKey}/buyers/{CostCenterBuyerKey}",
    tag = "cost centers",
    responses((status = 204, description = "Removed"),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Neither its owner nor an administrator"),
              (status = 404, description = "No such cost center, or the user is no buyer of it")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn remove_buyer(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = company_caller(&req, &state).await?;
        state
            .services
            .cost_centers
            .remove_buyer(&tenant, &account, &cost_center_key(&req), &buyer_key(&req))
            .await
            .map_err(|e| error(e, true))?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::NoContent().finish()))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// `UserCostCenterRO`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserCostCenterRo {
    #[serde(rename = "type")]
    pub type_: &'static str,
    /// The cost center's costCenterId (what checkout puts on the basket).
    pub id: String,
    pub name: String,
    /// `Buyer` and/or `Approver` (its owner).
    pub roles: Vec<&'static str>,
}

/// `UserCostCenterLinkROCollection`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserCostCentersRo {
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub elements: Vec<UserCostCenterRo>,
}

type Caller = super::auth::Caller;

async fn user_cost_centers(
    req: &HttpRequest,
    state: &AppState,
) -> Result<(Caller, Vec<(CostCenter, Vec<&'static str>)>), IcmError> {
    let (tenant, caller, account) = company_caller(req, state).await?;
    let found = state
        .services
        .cost_centers
        .of_user(&tenant, &account, &user_key(req))
        .await
        .map_err(|e| match e {
            CostCenterError::UserNotFound(_) => IcmError::new(StatusCode::NOT_FOUND, None, "The user was not found."),
            other => error(other, true),
        })?;
    Ok((caller, found))
}

fn user_cost_center_ro((c, roles): (CostCenter, Vec<&'static str>)) -> UserCostCenterRo {
    UserCostCenterRo {
        type_: "UserCostCenter",
        id: c.code,
        name: c.name,
        roles,
    }
}

/// The cost centers the user buys for or owns. The user themself, or an administrator.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/users/{CustomerItemUserKey}/costcenters",
    tag = "cost centers",
    responses((status = 200, description = "`elements`: id, name, roles", body = UserCostCentersRo),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Another user, without APP_B2B_MANAGE_USERS"),
              (status = 404, description = "No such user of the caller's business customer")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn of_user(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (caller, found) = user_cost_centers(&req, &state).await?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(UserCostCentersRo {
            type_: "UserCostCenterLinkROCollection",
            elements: found.into_iter().map(user_cost_center_ro).collect(),
        })))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// One of the user's cost centers (by id or costCenterId).
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/users/{CustomerItemUserKey}/costcenters/{UserCostCenterKey}",
    tag = "cost centers",
    responses((status = 200, description = "The cost center and the user's roles there", body = UserCostCenterRo),
              (status = 401, description = "Not logged in"),
              (status = 404, description = "No such user, or the user is neither buyer nor owner of it")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn of_user_one(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let key = cost_center_key(&req);
        let (caller, found) = user_cost_centers(&req, &state).await?;
        let found = found
            .into_iter()
            .find(|(c, _)| c.public_id.as_str() == key || c.code == key)
            .map(user_cost_center_ro)
            .ok_or_else(|| {
                IcmError::new(
                    StatusCode::NOT_FOUND,
                    Some(keys::NOT_FOUND),
                    "The cost center was not found.",
                )
            })?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(found)))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}
