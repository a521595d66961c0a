//! ICM forgotten password: `POST security/reminder` mails a reset link, `POST
//! security/password` sets the new password with the mailed code.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::identity::ResetError;
use clientele_domain::values::Email;
use serde::Deserialize;
use utoipa::ToSchema;

use super::errors::IcmError;
use crate::{body, AppState};

const MISSING: &str = "customer.credentials.passwordreset.missing_fields.error";
const INVALID: &str = "customer.credentials.passwordreset.invalid_fields.error";
const EXPRESSION: &str = "customer.credentials.passwordreset.invalid_password.error.PasswordExpressionViolation";
const RECENT: &str = "customer.credentials.passwordreset.invalid_password.error.PasswordRecentlyUsed";

/// `PasswordReminderRO`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // the security-question fields are accepted and ignored
#[serde(rename_all = "camelCase")]
pub struct PasswordReminderRo {
    pub email: Option<String>,
    /// Accepted and ignored (security questions are not used).
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub answer: Option<String>,
}

/// `PasswordResetRO`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetRo {
    #[serde(rename = "userID")]
    pub user_id: Option<String>,
    #[serde(rename = "secureCode")]
    pub secure_code: Option<String>,
    pub password: Option<String>,
}

/// Mails a password-reset link when the address belongs to an account; answers the same
/// either way.
#[utoipa::path(post, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/security/reminder", tag = "authentication",
    request_body = PasswordReminderRo,
    responses((status = 200, description = "Accepted (whether or not the address is known)"),
              (status = 400, description = "Missing or invalid e-mail address"),
              (status = 429, description = "Too many attempts from this client")))]
pub async fn reminder(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    reminder_run(req, payload, state)
        .await
        .unwrap_or_else(IcmError::into_response)
}

async fn reminder_run(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, IcmError> {
    let tenant = super::site_tenant(&state, &req).await?;
    state.auth_limiter.check(&req)?;
    let dto: PasswordReminderRo = body::json(&req, payload, state.limits.max_body_bytes).await?;
    let email = Email::parse(dto.email.as_deref().unwrap_or_default())
        .map_err(|why| IcmError::new(StatusCode::BAD_REQUEST, None, format!("The field 'email' {why}.")))?;
    state
        .services
        .resets
        .request(&tenant, &email)
        .await
        .map_err(super::auth::internal)?;
    Ok(HttpResponse::Ok().finish())
}

/// Sets a new password with the user id and secure code of a reset mail.
#[utoipa::path(post, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/security/password", tag = "authentication",
    request_body = PasswordResetRo,
    responses((status = 204, description = "Password reset; every session of the user ended"),
              (status = 400, description = "`error-key` customer.credentials.passwordreset.missing_fields.error, \\
                …invalid_fields.error (unknown or used code), …invalid_password.error.PasswordExpressionViolation or \\
                …invalid_password.error.PasswordRecentlyUsed"),
              (status = 403, description = "The secure code has expired")))]
pub async fn password(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    password_run(req, payload, state)
        .await
        .unwrap_or_else(IcmError::into_response)
}

async fn password_run(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, IcmError> {
    let tenant = super::site_tenant(&state, &req).await?;
    state.auth_limiter.check(&req)?;
    let dto: PasswordResetRo = body::json(&req, payload, state.limits.max_body_bytes)
        .await
        .map_err(|p| {
            let mut e = IcmError::from(p);
            e.key = e.key.map(|_| INVALID);
            e
        })?;
    let field = |v: Option<String>, name: &str| {
        v.filter(|s| !s.is_empty())
            .ok_or_else(|| IcmError::bad(MISSING, format!("The field '{name}' is missing.")))
    };
    let (user_id, code, new) = (
        field(dto.user_id, "userID")?,
        field(dto.secure_code, "secureCode")?,
        field(dto.password, "password")?,
    );
    match state.services.resets.reset(&tenant, Some(&user_id), &code, &new).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(ResetError::InvalidCode) => Err(IcmError::bad(INVALID, "The user or secure code is invalid.")),
        Err(ResetError::ExpiredCode) => Err(IcmError::new(
            StatusCode::FORBIDDEN,
            None,
            "The secure code has expired; request a new one.",
        )),
        Err(ResetError::Weak(why)) => Err(IcmError::field(EXPRESSION, "password", why)),
        Err(ResetError::RecentlyUsed) => Err(IcmError::bad(RECENT, "The password was used recently; choose another.")),
        Err(e) => Err(super::auth::internal(e)),
    }
}
