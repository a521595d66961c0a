//! clientele's own API for other systems (not a dialect): order systems report
//! spending against B2B budgets at `POST /service/{tenant}/spending` (scope
//! `customer.spending_manage`); back offices issue gift cards and change their balance
//! under `/service/{tenant}/giftcards` ([`gift_cards`]); order systems record order
//! history (orders, invoices, balances) for the GDPR export ([`orders`]). Callers authenticate as API
//! clients (HTTP Basic with client id and secret, or a bearer token from
//! `POST /oauth/token`). Errors are `{"status": …, "message": …}`.

mod gift_cards;
mod orders;
mod personal_data;

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use chrono::{DateTime, SecondsFormat, Utc};
use clientele_domain::api_clients::scope;
use clientele_domain::cost_centers::{Spending, SpendingError, SpendingEvent, SpendingReport};
use clientele_domain::values::{CurrencyCode, CustomerNumber, Money};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::api_auth::Denied;
use crate::docs::BasicAuth;
use crate::problem::method_not_allowed;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/service/{tenant}/spending")
            .route(web::post().to(record_spending))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/service/{tenant}/giftcards")
            .route(web::post().to(gift_cards::issue))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/service/{tenant}/giftcards/{number}")
            .route(web::get().to(gift_cards::show))
            .route(web::patch().to(gift_cards::change))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/service/{tenant}/giftcards/{number}/entries")
            .route(web::post().to(gift_cards::adjust))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/service/{tenant}/orders/{number}")
            .route(web::put().to(orders::put_order))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/service/{tenant}/invoices/{number}")
            .route(web::put().to(orders::put_invoice))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/service/{tenant}/customers/{customer}/personal-data")
            .route(web::get().to(personal_data::export))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/service/{tenant}/customers/{customer}/balances/{currency}")
            .route(web::put().to(orders::put_balance))
            .default_service(web::to(method_not_allowed)),
    );
}

/// The tenant of the path and the API client holding `scope`, or the error answer.
async fn authorized(
    state: &AppState,
    req: &HttpRequest,
    scope: &'static str,
) -> Result<clientele_domain::tenants::Tenant, ServiceError> {
    let tenant = crate::tenant_named(state, req.match_info().get("tenant").unwrap_or_default()).await?;
    crate::api_auth::api_client(state, req, &tenant, scope)
        .await
        .map_err(|d| match d {
            Denied::Forbidden(s) => ServiceError(StatusCode::FORBIDDEN, format!("The client lacks the scope {s}.")),
            Denied::Unavailable => ServiceError(StatusCode::SERVICE_UNAVAILABLE, "Try again later.".into()),
            Denied::Unauthorized => ServiceError(StatusCode::UNAUTHORIZED, "Invalid API-client credentials.".into()),
        })?;
    Ok(tenant)
}

/// The `Idempotency-Key` header.
fn idempotency_key(req: &HttpRequest) -> Result<String, ServiceError> {
    req.headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| ServiceError::bad("The Idempotency-Key header is missing."))
}

/// An error of this API.
struct ServiceError(StatusCode, String);

impl ServiceError {
    fn bad(message: impl Into<String>) -> Self {
        Self(StatusCode::BAD_REQUEST, message.into())
    }

    fn into_response(self) -> HttpResponse {
        let mut res = HttpResponse::build(self.0);
        if self.0 == StatusCode::UNAUTHORIZED {
            res.insert_header(("WWW-Authenticate", "Basic realm=\"clientele\", Bearer"));
        }
        res.json(serde_json::json!({ "status": self.0.as_u16(), "message": self.1 }))
    }
}

impl From<crate::problem::Problem> for ServiceError {
    fn from(p: crate::problem::Problem) -> Self {
        Self(p.status(), p.message())
    }
}

/// An amount: a decimal number and its ISO 4217 currency.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct AmountRo {
    #[schema(value_type = f64, example = 149.9)]
    pub value: serde_json::Number,
    #[schema(example = "EUR")]
    pub currency: String,
}

impl From<Money> for AmountRo {
    fn from(m: Money) -> Self {
        Self {
            value: m.decimal_number(),
            currency: m.currency.as_str().to_owned(),
        }
    }
}

/// A spending report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpendingRo {
    /// `placed` or `cancelled`.
    #[schema(example = "placed")]
    pub event: String,
    /// The business customer's number.
    pub customer_no: String,
    pub order_no: String,
    /// placed: the buyer's login.
    pub buyer: Option<String>,
    /// placed: the cost center's id or costCenterId, if the order is charged to one.
    pub cost_center: Option<String>,
    /// placed: the order's total, in the cost center's currency.
    pub amount: Option<AmountRo>,
    /// placed: when (RFC 3339); now when missing.
    pub placed_at: Option<DateTime<Utc>>,
}

/// A recorded event.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpendingRecordRo {
    pub event: &'static str,
    pub order_no: String,
    /// The buyer's login (missing once the user is removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<String>,
    /// Negative for a cancellation.
    pub amount: AmountRo,
    pub placed_at: String,
    pub recorded_at: String,
}

fn record_ro(s: Spending) -> SpendingRecordRo {
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    SpendingRecordRo {
        event: s.event,
        order_no: s.order_no,
        buyer: s.user_login,
        cost_center: s.cost_center_code,
        amount: s.amount.into(),
        placed_at: time(s.placed_at),
        recorded_at: time(s.recorded_at),
    }
}

fn report(key: String, dto: SpendingRo) -> Result<SpendingReport, ServiceError> {
    let customer = CustomerNumber::parse(&dto.customer_no)
        .map_err(|e| ServiceError::bad(format!("The field 'customerNo' {e}.")))?;
    let event = match dto.event.as_str() {
        "placed" => {
            let amount = dto
                .amount
                .ok_or_else(|| ServiceError::bad("The field 'amount' is missing."))?;
            let currency = CurrencyCode::parse(&amount.currency)
                .map_err(|e| ServiceError::bad(format!("The field 'amount.currency' {e}.")))?;
            let amount = Money::parse_decimal(&amount.value.to_string(), currency)
                .map_err(|e| ServiceError::bad(format!("The field 'amount.value' {e}.")))?;
            SpendingEvent::Placed {
                buyer: dto
                    .buyer
                    .filter(|b| !b.trim().is_empty())
                    .ok_or_else(|| ServiceError::bad("The field 'buyer' is missing."))?,
                cost_center: dto.cost_center.filter(|c| !c.trim().is_empty()),
                amount,
                placed_at: dto.placed_at,
            }
        }
        "cancelled" => SpendingEvent::Cancelled,
        other => {
            return Err(ServiceError::bad(format!(
                "The field 'event' must be placed or cancelled, not '{other}'."
            )))
        }
    };
    Ok(SpendingReport {
        idempotency_key: key,
        customer,
        order_no: dto.order_no,
        event,
    })
}

/// Records that an order was placed (charged to a buyer and optionally a cost center) or
/// cancelled. The `Idempotency-Key` header makes retries safe: the same key and report
/// answer 200 with what was recorded, counted once; the same key with another report 422.
#[utoipa::path(post, path = "/service/{tenant}/spending", tag = "spending", request_body = SpendingRo,
    params(("Idempotency-Key" = String, Header, description = "Unique per report, up to 128 characters")),
    responses((status = 201, description = "Recorded", body = SpendingRecordRo),
              (status = 200, description = "Recorded before under this key", body = SpendingRecordRo),
              (status = 400, description = "Missing key or field, unknown currency or event, amount not above zero \
                 or not in the cost center's currency"),
              (status = 401, description = "No or wrong API-client credentials"),
              (status = 403, description = "The client lacks customer.spending_manage"),
              (status = 404, description = "Unknown customer, buyer, cost center, or (cancelled) order"),
              (status = 409, description = "This event of the order was recorded under another key"),
              (status = 422, description = "The key was used for a different report")),
    security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn record_spending(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = authorized(&state, &req, scope::SPENDING_MANAGE).await?;
        let key = idempotency_key(&req)?;
        let dto: SpendingRo = crate::body::json(&req, payload, state.limits.max_body_bytes).await?;
        let (recorded, created) = state
            .services
            .spending
            .record(&tenant, report(key, dto)?)
            .await
            .map_err(|e| match e {
                SpendingError::Invalid { field, reason } => ServiceError::bad(format!("The field '{field}' {reason}.")),
                SpendingError::CustomerNotFound => {
                    ServiceError(StatusCode::NOT_FOUND, "No such business customer.".into())
                }
                SpendingError::BuyerNotFound => {
                    ServiceError(StatusCode::NOT_FOUND, "The buyer is no user of the customer.".into())
                }
                SpendingError::CostCenterNotFound => {
                    ServiceError(StatusCode::NOT_FOUND, "No such cost center of the customer.".into())
                }
                SpendingError::OrderNotFound => {
                    ServiceError(StatusCode::NOT_FOUND, "No placed order with this number.".into())
                }
                SpendingError::AlreadyRecorded => ServiceError(
                    StatusCode::CONFLICT,
                    "This event of the order was recorded under another Idempotency-Key.".into(),
                ),
                SpendingError::KeyReused => ServiceError(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "The Idempotency-Key was used for a different report.".into(),
                ),
                SpendingError::Store(e) => {
                    tracing::error!(error = %e, "spending not recorded");
                    ServiceError(StatusCode::SERVICE_UNAVAILABLE, "Try again later.".into())
                }
            })?;
        let status = if created { StatusCode::CREATED } else { StatusCode::OK };
        Ok::<_, ServiceError>(HttpResponse::build(status).json(record_ro(recorded)))
    };
    run.await.unwrap_or_else(ServiceError::into_response)
}

/// OpenAPI document of clientele's own service API.
#[derive(OpenApi)]
#[openapi(
    info(title = "clientele — service API", version = "1.0.0",
         description = "For other systems: order systems report spending against B2B budgets; back offices \
                        issue gift cards and change their balance. \
                        Authenticate as an API client (HTTP Basic) created with `clientele api-client create`."),
    paths(record_spending, gift_cards::issue, gift_cards::show, gift_cards::change, gift_cards::adjust,
          orders::put_order, orders::put_invoice, orders::put_balance, personal_data::export),
    components(schemas(SpendingRo, SpendingRecordRo, AmountRo, gift_cards::IssueRo, gift_cards::GiftCardRo,
                       gift_cards::EntryRo, gift_cards::AdjustRo, gift_cards::AdjustedRo, gift_cards::CardChangeRo)),
    modifiers(&BasicAuth),
)]
pub struct ServiceApi;
