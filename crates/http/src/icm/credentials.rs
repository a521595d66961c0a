//! ICM credential changes: `PUT privatecustomers/{key}/credentials/password|login` and
//! `PUT customers/{key}/users/{userKey}/credentials/password|login` (`-` = the caller).

use actix_web::{web, HttpRequest, HttpResponse};
use clientele_domain::customers::OwnAccount;
use clientele_domain::identity::{ChangeLoginError, ChangePasswordError};
use clientele_domain::values::{Login, Password};
use serde::Deserialize;
use utoipa::ToSchema;

use super::errors::IcmError;
use crate::{body, AppState};

const MISSING: &str = "customer.credentials.missing_fields.error";
const INVALID: &str = "customer.credentials.invalid_fields.error";

/// `CustomerPasswordRO`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerPasswordRo {
    /// The new password.
    pub password: Option<String>,
    pub current_password: Option<String>,
}

/// Changes the password of a private customer's user.
#[utoipa::path(put, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/privatecustomers/{CustomerKey}/credentials/password",
    tag = "authentication", request_body = CustomerPasswordRo,
    responses((status = 204, description = "Changed; every session of the user ends"),
              (status = 400, description = "`error-key` customer.credentials.missing_fields.error or \\
                customer.credentials.invalid_fields.error (wrong current password, weak or recently used new one)"),
              (status = 401, description = "Not authenticated"), (status = 404, description = "Not the caller")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn private_customer_password(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    change(req, payload, state)
        .await
        .unwrap_or_else(IcmError::into_response)
}

/// Changes the password of a business customer's user.
#[utoipa::path(put, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/users/{CustomerItemUserKey}/credentials/password",
    tag = "authentication", request_body = CustomerPasswordRo,
    responses((status = 204, description = "Changed; every session of the user ends"),
              (status = 400, description = "As for private customers"),
              (status = 401, description = "Not authenticated"), (status = 404, description = "Not the caller")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn user_password(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    change(req, payload, state)
        .await
        .unwrap_or_else(IcmError::into_response)
}

/// The caller, if the path's customer (and user) keys name them; otherwise 404.
async fn own_caller(req: &HttpRequest, state: &AppState) -> Result<(super::auth::Caller, OwnAccount), IcmError> {
    let tenant = super::site_tenant(state, req).await?;
    let (caller, account) = super::auth::caller_with_account(state, req, &tenant).await?;
    let own_user = |key: Option<&str>| {
        key.is_none_or(|k| {
            k == "-" || k == account.user.public_id.as_str() || k.eq_ignore_ascii_case(account.user.login.as_str())
        })
    };
    if !super::auth::own_customer_key(req, &account) || !own_user(req.match_info().get("user")) {
        return Err(IcmError::customer_not_found());
    }
    Ok((caller, account))
}

/// A JSON body; bad bodies answer `customer.credentials.invalid_fields.error`.
async fn credentials_body<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<T, IcmError> {
    body::json(req, payload, state.limits.max_body_bytes)
        .await
        .map_err(|p| {
            let mut e = IcmError::from(p);
            e.key = e.key.map(|_| INVALID);
            e
        })
}

async fn change(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> Result<HttpResponse, IcmError> {
    let (caller, _) = own_caller(&req, &state).await?;
    let dto: CustomerPasswordRo = credentials_body(&req, payload, &state).await?;
    let missing = |field: &str| IcmError::bad(MISSING, format!("The field '{field}' is missing."));
    let new = dto
        .password
        .filter(|p| !p.is_empty())
        .ok_or_else(|| missing("password"))?;
    let current = dto
        .current_password
        .filter(|p| !p.is_empty())
        .ok_or_else(|| missing("currentPassword"))?;
    let principal = caller.principal()?;
    match state
        .services
        .credentials
        .change_password(&principal, &Password::for_login(&current), &new)
        .await
    {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(ChangePasswordError::WrongCurrentPassword) => Err(IcmError::bad(
            INVALID,
            "The field 'currentPassword' does not match the current password.",
        )),
        Err(ChangePasswordError::Weak(why)) => Err(IcmError::field(INVALID, "password", why)),
        Err(ChangePasswordError::RecentlyUsed) => Err(IcmError::bad(
            INVALID,
            "The field 'password' was used recently; choose another password.",
        )),
        Err(ChangePasswordError::NotFound) => Err(IcmError::customer_not_found()),
        Err(e) => Err(super::auth::internal(e)),
    }
}

/// `CustomerLoginRO`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CustomerLoginRo {
    /// The new login.
    pub login: Option<String>,
}

/// Changes the login of a private customer's user.
#[utoipa::path(put, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/privatecustomers/{CustomerKey}/credentials/login",
    tag = "authentication", request_body = CustomerLoginRo,
    responses((status = 204, description = "Changed"),
              (status = 400, description = "`error-key` customer.credentials.missing_fields.error or \
                customer.credentials.invalid_fields.error (malformed or taken login)"),
              (status = 401, description = "Not authenticated"), (status = 404, description = "Not the caller")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn private_customer_login(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    change_login(req, payload, state)
        .await
        .unwrap_or_else(IcmError::into_response)
}

/// Changes the login of a business customer's user.
#[utoipa::path(put, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/users/{CustomerItemUserKey}/credentials/login",
    tag = "authentication", request_body = CustomerLoginRo,
    responses((status = 204, description = "Changed"), (status = 400, description = "As for private customers"),
              (status = 401, description = "Not authenticated"), (status = 404, description = "Not the caller")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn user_login(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    change_login(req, payload, state)
        .await
        .unwrap_or_else(IcmError::into_response)
}

async fn change_login(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, IcmError> {
    let (caller, _) = own_caller(&req, &state).await?;
    let dto: CustomerLoginRo = credentials_body(&req, payload, &state).await?;
    let raw = dto.login.filter(|l| !l.trim().is_empty());
    let raw = raw.ok_or_else(|| IcmError::bad(MISSING, "The field 'login' is missing."))?;
    let login = Login::parse(&raw).map_err(|why| IcmError::field(INVALID, "login", why))?;
    match state
        .services
        .credentials
        .change_login(&caller.principal()?, &login)
        .await
    {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(ChangeLoginError::LoginTaken) => Err(IcmError::bad(INVALID, "The field 'login' is already taken.")),
        Err(ChangeLoginError::NotFound) => Err(IcmError::customer_not_found()),
        Err(ChangeLoginError::Store(e)) => Err(super::auth::internal(e)),
    }
}
