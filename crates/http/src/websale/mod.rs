//! WEBSALE admin `customerAccounts` under `/admin/api/v1`: accounts, their addresses
//! and bank data, the deletion register, activation, reset and login links, and bulk
//! writes. The host name selects the tenant (`websale.hosts`, else
//! `websale.default_tenant`); every route needs an API client (`customer.customer_read`
//! to read, `customer.customer_manage` to write). Bodies are checked field by field so
//! each wrong field is named in `fieldErrors` with WEBSALE's error types.

mod accounts;
mod bulk;
mod countries;
mod data;
mod dto;
mod query;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use clientele_domain::accounts::AccountError;
use clientele_domain::administration::AdminError;
use clientele_domain::api_clients::ApiClient;
use clientele_domain::tenants::Tenant;
use serde_json::{json, Map, Value};

use crate::api_auth::{api_client, customer_scope, Denied};
use crate::docs::BasicAuth;
use crate::problem::{method_not_allowed, Problem};
use crate::AppState;

/// OpenAPI document of the WEBSALE routes clientele serves.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "clientele — WEBSALE admin customerAccounts",
        version = "1.0.0",
        description = "WEBSALE admin API v1 customer accounts. Errors: `{errorType, message, fieldErrors?, fieldName?}`. \
                       Lists: `size`, `sort=field:asc|desc`, `filter=field:op:value`, `pageToken` (docs/compat.md)."
    ),
    paths(accounts::list, accounts::get, accounts::create, accounts::update, accounts::delete,
          accounts::deleted_accounts, accounts::deleted_data, accounts::password_reset, accounts::activate,
          accounts::link, data::list, data::get, data::create, data::update, data::delete,
          bulk::last_order, bulk::accounts, bulk::addresses),
    modifiers(&BasicAuth),
)]
pub struct WebsaleApi;

/// WEBSALE dialect settings.
#[derive(Debug, Clone)]
pub struct WebsaleSettings {
    /// Host name (without port) → tenant name.
    pub hosts: HashMap<String, String>,
    /// The tenant of every other host.
    pub default_tenant: String,
    /// Signs page tokens (HMAC-SHA256).
    pub page_token_key: Vec<u8>,
    /// Most lines one bulk request takes.
    pub max_bulk_lines: usize,
}

impl Default for WebsaleSettings {
    fn default() -> Self {
        Self {
            hosts: HashMap::new(),
            default_tenant: "demo".into(),
            page_token_key: b"clientele-websale-page-tokens".to_vec(),
            max_bulk_lines: 1000,
        }
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    let a = "/admin/api/v1/customerAccounts";
    let resource = |path: String| web::resource(path).default_service(web::to(method_not_allowed));
    cfg.service(
        resource(a.into())
            .route(web::get().to(accounts::list))
            .route(web::post().to(accounts::create)),
    )
    // Before `{accountId}`.
    .service(resource(format!("{a}/deleted")).route(web::get().to(accounts::deleted_accounts)))
    .service(resource("/admin/api/v1/customerDataDeleted".into()).route(web::get().to(accounts::deleted_data)))
    .service(
        resource(format!("{a}/{{accountId}}"))
            .route(web::get().to(accounts::get))
            .route(web::put().to(accounts::update))
            .route(web::delete().to(accounts::delete)),
    )
    .service(resource(format!("{a}/{{accountId}}/passwordReset")).route(web::post().to(accounts::password_reset)))
    .service(resource(format!("{a}/{{accountId}}/activate")).route(web::post().to(accounts::activate)))
    .service(resource(format!("{a}/{{accountId}}/link")).route(web::post().to(accounts::link)))
    .service(resource("/admin/api/v1/bulk/lastOrderTimestamp".into()).route(web::get().to(bulk::last_order)))
    .service(resource("/admin/api/v1/bulk/customerAccounts".into()).route(web::post().to(bulk::accounts)))
    .service(resource("/admin/api/v1/bulk/customerAccounts/addresses".into()).route(web::post().to(bulk::addresses)));
    for kind in ["addresses", "bankData"] {
        cfg.service(
            resource(format!("{a}/{{accountId}}/{kind}"))
                .route(web::get().to(data::list))
                .route(web::post().to(data::create)),
        )
        .service(
            resource(format!("{a}/{{accountId}}/{kind}/{{id}}"))
                .route(web::get().to(data::get))
                .route(web::put().to(data::update))
                .route(web::delete().to(data::delete)),
        );
    }
}

/// A WEBSALE error: status, `errorType`, message and, per field, what is wrong.
#[derive(Debug)]
pub struct WsError {
    pub status: StatusCode,
    pub error_type: &'static str,
    pub message: String,
    pub field_errors: Map<String, Value>,
    /// On 409: the field whose value is taken.
    pub field_name: Option<String>,
}

impl WsError {
    pub fn new(status: StatusCode, error_type: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            error_type,
            message: message.into(),
            field_errors: Map::new(),
            field_name: None,
        }
    }

    /// 400 with one field error of `error_type`.
    pub fn field(error_type: &'static str, field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, error_type, message);
        e.field_errors.insert(field.into(), json!({ "type": error_type }));
        e
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "notFound", format!("{what} was not found."))
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "serviceUnavailable",
            "The service is unavailable; try again.",
        )
    }

    /// The body, for bulk lines too.
    pub fn body(&self) -> Value {
        let mut body = json!({ "errorType": self.error_type, "message": self.message });
        if !self.field_errors.is_empty() {
            body["fieldErrors"] = Value::Object(self.field_errors.clone());
        }
        if let Some(f) = &self.field_name {
            body["fieldName"] = json!(f);
        }
        body
    }
}

impl std::fmt::Display for WsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl ResponseError for WsError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(self.body())
    }
}

impl From<Problem> for WsError {
    fn from(p: Problem) -> Self {
        let error_type = match &p {
            Problem::NotFound(_) => "notFound",
            Problem::Unauthorized => "notAuthorized",
            Problem::TooManyRequests(_) => "tooManyRequests",
            Problem::Internal => "internalError",
            Problem::Unavailable => "serviceUnavailable",
            Problem::MethodNotAllowed => "methodNotAllowed",
            _ => "invalidFormat",
        };
        Self::new(p.status(), error_type, p.message())
    }
}

impl From<AdminError> for WsError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::NotFound(what) => Self::not_found(&format!("The {what}")),
            AdminError::Invalid { field, reason } => Self::field("invalidValue", field, format!("{field} {reason}")),
            AdminError::Taken(field) => {
                let field = match field {
                    "account.email" => "email",
                    "id" => "customerNumber",
                    other => other,
                };
                let mut e = Self::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    format!("{field} is used by another account."),
                );
                e.field_name = Some(field.into());
                e
            }
            AdminError::PrivateCustomer | AdminError::LastAdministrator => {
                Self::new(StatusCode::CONFLICT, "conflict", e.to_string())
            }
            AdminError::Store(e) => {
                tracing::error!(error = %e, "WEBSALE request failed in the store");
                Self::unavailable()
            }
        }
    }
}

impl From<AccountError> for WsError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Admin(e) => e.into(),
            AccountError::NoEmail => Self::field("missing", "email", "The account has no e-mail address."),
            AccountError::EmailNotVerified => Self::new(
                StatusCode::BAD_REQUEST,
                "emailNotVerified",
                "The account's e-mail address is not verified.",
            ),
            AccountError::TooSoon => Self::new(
                StatusCode::CONFLICT,
                "conflict",
                "A link has already been sent within the last 24 hours.",
            ),
            AccountError::InvalidLink => Self::not_found("The login link"),
        }
    }
}

/// The tenant the request's host maps to.
pub(crate) async fn tenant(state: &AppState, req: &HttpRequest) -> Result<Tenant, WsError> {
    let settings = &state.websale;
    let name = {
        let info = req.connection_info();
        let host = info.host();
        let host = match host.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        };
        settings
            .hosts
            .get(&host.to_ascii_lowercase())
            .unwrap_or(&settings.default_tenant)
            .clone()
    };
    crate::tenant_named(state, &name).await.map_err(WsError::from)
}

/// The tenant and the API client of the request, which must hold the scope the method
/// needs. WEBSALE answers every missing permission with 401.
pub(crate) async fn authorized(state: &AppState, req: &HttpRequest) -> Result<(Tenant, ApiClient), WsError> {
    let tenant = tenant(state, req).await?;
    let client = api_client(state, req, &tenant, customer_scope(req.method()))
        .await
        .map_err(|d| match d {
            Denied::Unauthorized => WsError::new(
                StatusCode::UNAUTHORIZED,
                "notAuthorized",
                "Not authorized: log in as an API client.",
            ),
            Denied::Forbidden(scope) => WsError::new(
                StatusCode::UNAUTHORIZED,
                "notAuthorized",
                format!("Not authorized: the API client lacks the scope {scope}."),
            ),
            Denied::Unavailable => WsError::unavailable(),
        })?;
    Ok((tenant, client))
}

/// A positive integer path id (`invalidValue` otherwise).
pub(crate) fn path_id(req: &HttpRequest, name: &str) -> Result<i64, WsError> {
    req.match_info()
        .get(name)
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| *v > 0)
        .ok_or_else(|| WsError::field("invalidValue", name, format!("{name} is not a valid positive integer.")))
}

/// The JSON object body (`invalidFormat` when it is none).
pub(crate) async fn object_body(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Map<String, Value>, WsError> {
    match any_body(state, req, payload).await? {
        Value::Object(map) => Ok(map),
        _ => Err(WsError::new(
            StatusCode::BAD_REQUEST,
            "invalidFormat",
            "Request body could not be loaded: a JSON object is expected.",
        )),
    }
}

/// Any JSON body.
pub(crate) async fn any_body(state: &AppState, req: &HttpRequest, payload: web::Payload) -> Result<Value, WsError> {
    crate::body::require_json(req)?;
    let bytes = crate::body::read(payload, state.limits.max_body_bytes).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        WsError::new(
            StatusCode::BAD_REQUEST,
            "invalidFormat",
            format!("Request body could not be loaded: {e}"),
        )
    })
}

/// `{"success": true}` and more fields.
pub(crate) fn success(mut extra: Map<String, Value>) -> HttpResponse {
    extra.insert("success".into(), Value::Bool(true));
    HttpResponse::Ok().json(Value::Object(extra))
}
