//! Emporix forgotten password: `password/reset` mails a reset link, `password/reset/update`
//! sets the new password with the mailed token.

use actix_web::{web, HttpRequest, HttpResponse};
use clientele_domain::identity::ResetError;
use clientele_domain::values::{Email, ValueError};
use serde::Deserialize;
use utoipa::ToSchema;

use super::errors::ErrorMessage;
use crate::{body, AppState};

/// `PasswordResetRequestDto`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetRequestDto {
    pub email: Option<String>,
    /// Accepted; a tenant has one storefront link.
    pub site: Option<String>,
}

/// `PasswordUpdate`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordUpdate {
    pub token: Option<String>,
    pub password: Option<String>,
}

/// Mails a reset link when the address belongs to an account; 204 either way.
#[utoipa::path(post, path = "/customer/{tenant}/password/reset", tag = "authentication",
    params(("tenant" = String, Path)), request_body = PasswordResetRequestDto,
    responses((status = 204, description = "Accepted (whether or not the address is known)"),
              (status = 400, description = "Missing or invalid e-mail", body = ErrorMessage),
              (status = 401, description = "No valid anonymous token")),
    security(("AnonymousAccessToken" = [])))]
pub async fn request(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    request_run(req, payload, state).await.unwrap_or_else(|res| res)
}

async fn request_run(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpResponse> {
    let tenant = super::auth::rate_limited_guard(&req, &state).await?;
    let dto: PasswordResetRequestDto = body::json(&req, payload, state.limits.max_body_bytes)
        .await
        .map_err(|p| ErrorMessage::from(p).into_response())?;
    let _ = dto.site;
    let email = Email::parse(dto.email.as_deref().unwrap_or_default())
        .map_err(|why| ErrorMessage::field("email", why).into_response())?;
    match state.services.resets.request(&tenant, &email).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(e) => Err(super::auth::internal(e)),
    }
}

/// Sets a new password with the token of a reset mail.
#[utoipa::path(post, path = "/customer/{tenant}/password/reset/update", tag = "authentication",
    params(("tenant" = String, Path)), request_body = PasswordUpdate,
    responses((status = 204, description = "Password reset; every session of the customer ended"),
              (status = 400, description = "Missing fields, unknown or used token, weak or recently used password",
               body = ErrorMessage),
              (status = 401, description = "No valid anonymous token"),
              (status = 403, description = "The token has expired", body = ErrorMessage)),
    security(("AnonymousAccessToken" = [])))]
pub async fn update(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    update_run(req, payload, state).await.unwrap_or_else(|res| res)
}

async fn update_run(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpResponse> {
    let tenant = super::auth::rate_limited_guard(&req, &state).await?;
    let dto: PasswordUpdate = body::json(&req, payload, state.limits.max_body_bytes)
        .await
        .map_err(|p| ErrorMessage::from(p).into_response())?;
    let field = |name: &str, why| ErrorMessage::field(name, why).into_response();
    let token = dto
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| field("token", ValueError::Missing))?;
    let password = dto
        .password
        .filter(|p| !p.is_empty())
        .ok_or_else(|| field("password", ValueError::Missing))?;
    match state.services.resets.reset(&tenant, None, &token, &password).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(ResetError::InvalidCode) => Err(field("token", ValueError::Malformed("unknown or already used"))),
        Err(ResetError::ExpiredCode) => Err(ErrorMessage::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "forbidden",
            "The password reset token has expired; request a new one.",
        )
        .into_response()),
        Err(ResetError::Weak(why)) => Err(field("password", why)),
        Err(ResetError::RecentlyUsed) => Err(field(
            "password",
            ValueError::Malformed("it was used recently; choose another password"),
        )),
        Err(e) => Err(super::auth::internal(e)),
    }
}
